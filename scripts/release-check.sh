#!/usr/bin/env bash
# Proves that a release built by goreleaser is what `packer init` understands:
#   1. `goreleaser check` accepts .goreleaser.yml;
#   2. a snapshot release for this machine's platform has the archive and checksum names
#      `packer init` downloads;
#   3. the binary from that archive installs with `packer plugins install --path`;
#   4. `packer init` of example/bake-key (which declares required_plugins) succeeds offline.
# The release is built from a throwaway copy of the working tree, tagged with the version from
# version/version.go, so the real repository's git state is never touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${PACKER_BIN:?PACKER_BIN must point at a Packer binary (make packer)}"
goreleaser=${GORELEASER:-github.com/goreleaser/goreleaser/v2@v2.15.4}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^[[:space:]]*Version = "\(.*\)"$/\1/p' "$root/version/version.go")
[[ -n $version ]] || { echo "cannot read Version from version/version.go" >&2; exit 1; }
api_version=$(cd "$root" && go run . describe | sed -n 's/.*"api_version":"\([^"]*\)".*/\1/p')
[[ -n $api_version ]] || { echo "cannot read api_version from 'go run . describe'" >&2; exit 1; }
os=$(go env GOOS) arch=$(go env GOARCH)

echo "release-check: v$version, API $api_version, $os/$arch"
mkdir -p "$work/repo"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar --null -T - -cf -) | tar -C "$work/repo" -xf -
cd "$work/repo"
git init -q
git add -A
git -c user.name=release-check -c user.email=release-check@invalid commit -qm "release-check"
git tag "v$version"
# goreleaser wants a remote to derive the release repository from; nothing is fetched.
git remote add origin https://github.com/spinnaker-bakery/packer-plugin-spinnaker.git

export API_VERSION=$api_version GPG_FINGERPRINT=unused
go run "$goreleaser" check
# A full release builds eight platforms (~8 min on 2 cores); the names are the same for each, so
# the copy's configuration is narrowed to this platform before the snapshot release.
sed -i -e "s/^\(    goos: \).*/\1[$os]/" -e "s/^\(    goarch: \).*/\1[$arch]/" .goreleaser.yml
git -c user.name=release-check -c user.email=release-check@invalid commit -qam "release-check: $os/$arch only"
git tag -f "v$version" >/dev/null
go run "$goreleaser" release --snapshot --clean --skip=publish,sign,validate

zip="dist/packer-plugin-spinnaker_v${version}_${api_version}_${os}_${arch}.zip"
sums="dist/packer-plugin-spinnaker_v${version}_SHA256SUMS"
[[ -f $zip ]] || { echo "missing $zip; dist has:" >&2; ls dist >&2; exit 1; }
[[ -f $sums ]] || { echo "missing $sums" >&2; exit 1; }
grep -q " $(basename "$zip")\$" "$sums" || { echo "$sums does not list $(basename "$zip")" >&2; exit 1; }
(cd dist && sha256sum -c --ignore-missing "$(basename "$sums")")

mkdir -p "$work/bin"
(cd "$work/bin" && python3 -m zipfile -e "$work/repo/$zip" .)
binary="$work/bin/packer-plugin-spinnaker_v${version}_${api_version}_${os}_${arch}"
[[ -x $binary ]] || chmod +x "$binary"

export CHECKPOINT_DISABLE=1 PACKER_PLUGIN_PATH="$work/packer/plugins" PACKER_CONFIG_DIR="$work/packer/config"
"$PACKER_BIN" plugins install --path "$binary" github.com/spinnaker-bakery/spinnaker
"$PACKER_BIN" plugins installed
"$PACKER_BIN" init "$root/example/bake-key"
echo "release-check: OK ($(basename "$zip"), $(basename "$sums"), packer init rc 0)"
