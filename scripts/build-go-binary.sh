#!/usr/bin/env bash
# Builds a Go program published as a module (Packer itself, the amazon plugin) from the Go module
# proxy into a cache directory outside the repository, and reuses it on later runs.
#
# `go install module@version` cannot be used here: the module proxy refuses version lists for
# HashiCorp modules, and cmd/go's deprecation check needs that list (see packer-toolchain.md).
# Downloading the exact module version and building inside its directory works.
#
# usage: build-go-binary.sh <module> <version> <output-binary> [<go build -ldflags>]
#   The ldflags are for plugins whose tagged source still says -dev (the docker plugin's v1.1.2):
#   their release builds clear version.VersionPrerelease, and so must ours.
set -euo pipefail
module=$1 version=$2 out=$3 ldflags=${4:-}
stamp="$module@$version${ldflags:+ $ldflags}"

if [[ -x $out && -f $out.version && $(cat "$out.version") == "$stamp" ]]; then
  exit 0
fi

workdir=$(mktemp -d)
trap 'chmod -R u+w "$workdir" 2>/dev/null; rm -rf "$workdir"' EXIT

# shellcheck source=scripts/progress.sh
source "$(dirname "$0")/progress.sh"

# set -e does not apply inside a function called as `with_progress build`, so every step is checked.
build() {
  local src
  src=$(cd "$workdir" && GOFLAGS=-mod=mod go mod download -json "$module@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || return
  [[ -n $src && -d $src ]] || { echo "go mod download of $module@$version gave no directory" >&2; return 1; }
  cp -r "$src" "$workdir/src" && chmod -R u+w "$workdir/src" && mkdir -p "$(dirname "$out")" || return
  (cd "$workdir/src" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$out.tmp" .) || return
  mv "$out.tmp" "$out" && echo "$stamp" > "$out.version"
}

echo "$module@$version is not in $(dirname "$out") yet: building it from the Go module proxy (first run only; Packer takes ~7 min on 2 cores, the amazon plugin ~5)"
with_progress "building $module@$version" build
