#!/usr/bin/env bash
# Installs the host tools the e2e harness (test/e2e/harness) and `make lint-shell` run, on Debian 12.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

packages=(
  debootstrap        # golden Debian rootfs
  systemd-container  # systemd-nspawn: booted targets
  iproute2           # ip netns / veth
  util-linux         # mount, umount
  coreutils          # chroot
  gnupg              # throwaway signing keys (gpg, gpg-agent, gpgconf)
  apt-utils          # apt-ftparchive: flat apt repositories
  dpkg-dev           # dpkg-scanpackages (tooling for repository debugging)
  rpm                # rpmbuild, rpmsign
  createrepo-c       # rpm repository metadata
  ca-certificates    # debootstrap over https mirrors
  debian-archive-keyring  # debootstrap verifies the mirror
  shellcheck         # make lint-shell: the provisioner's remote scripts
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "host-deps: all e2e host tools present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "host-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi

# shellcheck source=scripts/progress.sh
source "$(dirname "$0")/../scripts/progress.sh"
echo "host-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
with_progress "host-deps: apt-get update" apt-get update -q
with_progress "host-deps: apt-get install (${#missing[@]} packages)" \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "host-deps: host tools installed in $((SECONDS - start))s"
