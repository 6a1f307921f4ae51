#!/usr/bin/env bash
# Lints the GitHub workflows with actionlint, then proves the lint can fail: a copy of test.yml with
# one key misspelt must be refused. `make actionlint` runs this; `make test` includes it.
#
# actionlint is a Go module, pinned and run with `go run` like goreleaser. Its shellcheck and
# pyflakes integrations are off so the result does not depend on what the host has installed.
#
# usage: actionlint.sh [workflow.yml ...]   (default: .github/workflows/*.yml)
set -euo pipefail
cd "$(dirname "$0")/.."
actionlint=${ACTIONLINT:-github.com/rhysd/actionlint/cmd/actionlint@v1.7.12}
lint() { go run "$actionlint" -shellcheck= -pyflakes= "$@"; }

if [[ $# -gt 0 ]]; then
  lint "$@"
  exit
fi
lint .github/workflows/*.yml
echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflows pass"

broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
sed '0,/runs-on:/s//runs-onn:/' .github/workflows/test.yml > "$broken/test.yml"
cmp -s .github/workflows/test.yml "$broken/test.yml" && { echo "actionlint: could not break test.yml's copy" >&2; exit 1; }
if out=$(lint "$broken/test.yml" 2>&1); then
  echo "actionlint: accepted a broken copy of test.yml (runs-on misspelt):" >&2
  echo "$out" >&2
  exit 1
fi
grep -q 'runs-onn' <<<"$out" || { echo "actionlint: a broken copy failed, but not on the broken key:" >&2; echo "$out" >&2; exit 1; }
echo "actionlint: a broken copy of test.yml fails as it must: $(grep -m1 'runs-onn' <<<"$out")"
