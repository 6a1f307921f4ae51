# shellcheck shell=bash
# with_progress, for first-time setup steps that run for minutes (host packages, Go builds), so a
# user can tell working from hung. Source it, then:
#
#   with_progress "building Packer v1.16.0" go build ...
#
# prints "<label> ..." when the step starts, "<label>: <n>s" every PROGRESS_INTERVAL seconds
# (default 15) while it runs, and "<label>: done in <n>s" (or "failed after <n>s") at the end. The
# step's own output passes through. Callers run it only when there is work to do, so warm runs stay
# quiet. The Go harness has the same ticker (test/e2e/harness/progress.go).
with_progress() {
  local label=$1 start=$SECONDS rc=0 ticker
  shift
  echo "$label ..."
  (
    # The sleep's output goes nowhere, so a sleep outliving the ticker never holds a pipe open.
    while sleep "${PROGRESS_INTERVAL:-15}" >/dev/null 2>&1; do
      echo "$label: $((SECONDS - start))s"
    done
  ) &
  ticker=$!
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if ((rc == 0)); then
    echo "$label: done in $((SECONDS - start))s"
  else
    echo "$label: failed after $((SECONDS - start))s" >&2
  fi
  return "$rc"
}
