# Read-only facts about the target, gathered as the SSH user before anything
# is changed, plus a private staging directory for the bake's script.
say() { printf '%s\n' "$*"; }
say "uid=$(id -u)"
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then say "dpkg=1"; fi
if command -v rpm >/dev/null 2>&1; then say "rpm=1"; fi
if command -v dnf >/dev/null 2>&1; then say "dnf=dnf"; elif command -v yum >/dev/null 2>&1; then say "dnf=yum"; fi
if [ -d /run/systemd/system ]; then say "booted=1"; fi
if command -v systemctl >/dev/null 2>&1; then say "systemctl=1"; fi
if command -v cloud-init >/dev/null 2>&1; then say "cloud_init=1"; fi
if [ -e /usr/sbin/policy-rc.d ]; then say "policy_rc_d=1"; fi
if command -v sudo >/dev/null 2>&1; then say "sudo=1"; fi
if command -v setsid >/dev/null 2>&1; then say "setsid=1"; fi
# Age in seconds of the distribution's package lists: the oldest list file
# (ctime: when apt last wrote it) decides, so that one freshly refreshed
# source cannot make the other, stale lists count as fresh.
if [ -d /var/lib/apt/lists ]; then
	oldest=$(find /var/lib/apt/lists -maxdepth 1 -type f -name '*Packages*' -printf '%C@\n' 2>/dev/null | sort -n | head -n 1)
	if [ -n "$oldest" ]; then say "lists_age=$(( $(date +%s) - ${oldest%.*} ))"; fi
fi
stage=$(mktemp -d /tmp/spinnaker-packages.XXXXXXXX) || { echo "cannot create a staging directory in /tmp" >&2; exit 1; }
say "stage=$stage"
