# Library of the spinnaker-packages provisioner, run on the target as
# `sh run.sh <step> [args...]`. The provisioner prepends the bake's data
# (variables and write_repositories) when it uploads this file.
# POSIX sh: targets may only have dash or busybox sh.

say() { printf '%s\n' "$*"; }
# The provisioner parses apt's and dpkg's output: keep it in English.
export LC_ALL=C
fail() { printf 'spinnaker-packages: %s\n' "$*" >&2; exit 1; }

step_cloud_init() {
	say "waiting for cloud-init to finish"
	cloud-init status --wait
	rc=$?
	# 2 = finished with recoverable errors (cloud-init >= 23.4).
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		say "warning: cloud-init status --wait exited $rc; continuing"
	fi
	return 0
}

step_prepare() {
	if [ "$DISABLE_SERVICES" = 1 ] && [ "$PKG_TYPE" = deb ]; then
		if [ -e "$POLICY_RC_D" ] && [ ! -e "$POLICY_BACKUP" ]; then
			say "saving the image's $POLICY_RC_D to $POLICY_BACKUP"
			mv "$POLICY_RC_D" "$POLICY_BACKUP" || fail "cannot move $POLICY_RC_D aside"
		fi
		say "creating $POLICY_RC_D to prevent services from being started"
		printf '#!/bin/sh\n# spinnaker-packages %s: no service starts during the bake\nexit 101\n' "$BAKE" > "$POLICY_RC_D" || fail "cannot write $POLICY_RC_D"
		chmod 0755 "$POLICY_RC_D"
	fi
	# dnf imports the repositories' keys into the rpm database as
	# gpg-pubkey packages, which outlive the key files: note the ones the
	# image does not have yet, for cleanup to remove. The image's keys are
	# read in one query that must succeed: a failed query must not make a
	# key the image trusts look new.
	if [ -n "$RPM_PUBKEYS" ]; then
		rpm -qa 'gpg-pubkey*' --qf '%{NAME}-%{VERSION}-%{RELEASE}\n' > "$STAGE/image-pubkeys" ||
			fail "cannot list the rpm database's keys (rpm -qa gpg-pubkey)"
		: > "$STAGE/new-pubkeys" || fail "cannot write $STAGE/new-pubkeys"
		for k in $RPM_PUBKEYS; do
			grep -qFx "$k" "$STAGE/image-pubkeys" || say "$k" >> "$STAGE/new-pubkeys"
		done
	fi
	umask 022
	write_repositories || fail "cannot write the repository files"
}

# Package-manager flags: this section is their only home. The provisioner
# decides what to do (which packages, which sources, whether a pinned
# version may be a downgrade); the spelling of every apt, dpkg and dnf flag
# is here.

# DPKG_CONF_OPTIONS: a changed configuration file keeps the image's version,
# or the package's default where it has one; never ask. Given to dpkg
# directly and to apt as Dpkg::Options.
DPKG_CONF_OPTIONS="--force-confold --force-confdef"

# apt_common are the options of every apt-get call: wait for the dpkg lock,
# retry transient network errors, never hang on a dead server, never ask.
apt_common() {
	# These are the bake's only lock wait and only network retries for apt:
	# the provisioner neither waits nor retries again. The delay between
	# retries doubles up to the maximum.
	printf '%s\n' -o "DPkg::Lock::Timeout=$LOCK_TIMEOUT" -o Acquire::Retries=3 -o Acquire::Retries::Delay::Maximum=4 \
		-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30 -o Acquire::ftp::Timeout=30
}

# apt_install_options are apt_common plus what every installing apt-get
# call needs: dpkg's configuration-file policy, and --allow-downgrades when
# a package is pinned (apt refuses to go back to an older pinned version
# without it; it is never needed otherwise).
apt_install_options() {
	apt_common
	for o in $DPKG_CONF_OPTIONS; do
		printf '%s\n' -o "Dpkg::Options::=$o"
	done
	if [ "$ALLOW_DOWNGRADES" = 1 ]; then
		printf '%s\n' --allow-downgrades
	fi
}

# apt_no_sources hides every source list from apt, for calls that only
# touch installed packages: an empty list and an empty directory of the
# bake (apt-mark warns about /dev/null, which is no regular file, and about
# "-", which it reads as a directory name).
apt_no_sources() {
	{ mkdir -p "$STAGE/no-sources.d" && : > "$STAGE/no-sources.list"; } || fail "cannot create $STAGE/no-sources.list"
	printf '%s\n' -o "Dir::Etc::sourcelist=$STAGE/no-sources.list" -o "Dir::Etc::sourceparts=$STAGE/no-sources.d" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
}

# apt_scope limits apt to the bake's own sources file and keeps it from
# writing a package cache that would cover only those sources.
apt_scope() {
	printf '%s\n' -o "Dir::Etc::sourcelist=$LIST_FILE" -o Dir::Etc::sourceparts=- \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
}

step_apt_update() {
	scope=$1
	if [ "$scope" = scoped ]; then
		say "apt-get update (only the added sources; the distribution's lists are fresh)"
		# Every source seen here is ours, so any failed fetch is an error
		# (older apt ignores the option; the provisioner checks the output
		# anyway). The cache apt would build afterwards covers only these
		# sources and is thrown away: skip it.
		# shellcheck disable=SC2046
		apt_update_waiting_for_lists -y $(apt_common) $(apt_scope) -o APT::Get::List-Cleanup=0 \
			-o APT::Update::Error-Mode=any -o pkgCacheFile::Generate=false update
	else
		say "apt-get update (all sources)"
		# shellcheck disable=SC2046
		apt_update_waiting_for_lists -y $(apt_common) update
	fi
}

# apt_update_waiting_for_lists runs `apt-get update` and waits, up to
# LOCK_TIMEOUT, for the lock of apt's lists directory, which apt-daily's
# update holds on a fresh instance. DPkg::Lock::Timeout covers only dpkg's
# frontend lock: apt gives up on the lists lock at once. This is a lock
# wait, not a network retry: an update that fails otherwise is not run
# again (network retries are Acquire::Retries, in apt_common).
apt_update_waiting_for_lists() {
	run_waiting_for_lock "apt lists lock" 'Could not get lock .*lists/lock|Unable to lock directory .*lists/' apt-get "$@"
}

step_apt_upgrade() {
	command -v unattended-upgrade >/dev/null 2>&1 || fail "upgrade=true on deb runs unattended-upgrade (as Rosco does), which is not installed"
	unattended-upgrade -v
}

# step_apt_resolve resolves every requested package in one apt run that
# downloads the solution into an empty directory of its own: the directory
# then holds exactly the packages to install, and their control fields
# ("@@field" lines) let the provisioner plan the dpkg installs. A solution
# that removes packages makes apt fail (--no-remove); the provisioner then
# installs with apt-get instead. With "scoped", apt sees only the added
# sources and the installed packages, which spares it the distribution's
# large index; the provisioner decides the scope, and retries with "full"
# when that fails.
step_apt_resolve() {
	scope=$1; shift
	export DEBIAN_FRONTEND=noninteractive
	# apt downloads as its sandbox user (_apt) into partial/, which it
	# creates and hands to that user itself; the directory must let _apt
	# through (the bake's umask is 077), or apt downloads as root.
	{ rm -rf "$DEB_DIR" && mkdir -m 0755 "$DEB_DIR"; } || fail "cannot create $DEB_DIR"
	# shellcheck disable=SC2046
	set -- -y -q $(apt_install_options) --no-remove -o "Dir::Cache::Archives=$DEB_DIR/" --download-only install "$@"
	if [ "$scope" = scoped ]; then
		# shellcheck disable=SC2046
		apt-get $(apt_scope) "$@" || return $?
	else
		apt-get "$@" || return $?
	fi
	read_deb_fields
}

# DEB_FIELDS_JOBS bounds the dpkg-deb reads that run at once: a solution
# of a thousand packages must not start a thousand processes together on
# a small instance.
DEB_FIELDS_JOBS=8

# read_deb_fields prints the control fields of every downloaded .deb as
# "@@field" lines. dpkg-deb starts a few processes per package, so up to
# DEB_FIELDS_JOBS files are read side by side; one that cannot be read
# fails the step, naming the file.
read_deb_fields() {
	n=0
	for f in "$DEB_DIR"/*.deb; do
		[ -f "$f" ] || continue
		# The inner subshell keeps fail's exit from ending the job
		# before the marker is written.
		{ (step_deb_fields "$f") > "$f.fields" 2> "$f.err" || : > "$f.failed"; } &
		n=$((n + 1))
		if [ "$n" -ge "$DEB_FIELDS_JOBS" ]; then wait; n=0; fi
	done
	wait
	for f in "$DEB_DIR"/*.failed; do
		[ -f "$f" ] || continue
		cat "${f%.failed}.err" >&2
		fail "cannot read the control fields of ${f%.failed}"
	done
	set -- "$DEB_DIR"/*.fields
	[ -f "$1" ] && sed 's/^/@@field /' "$@"
	return 0
}

# step_deb_fields prints the control fields that order installs, one block
# per file.
step_deb_fields() {
	for f in "$@"; do
		[ -f "$f" ] || fail "downloaded package $f is missing"
		say "File: $f"
		dpkg-deb -f "$f" Package Version Architecture Pre-Depends Depends Recommends Provides || fail "dpkg-deb cannot read $f"
		say ""
	done
}

# dpkg_install installs .debs in one dpkg transaction. dpkg cannot wait
# for its lock.
dpkg_install() {
	# shellcheck disable=SC2086
	run_waiting_for_lock "dpkg lock" 'locked by another process' dpkg $DPKG_CONF_OPTIONS -i "$@"
}

# run_waiting_for_lock WHAT PATTERN COMMAND... runs a command that fails at
# once when another process holds its lock (its standard error then matches
# the extended regular expression PATTERN), and runs it again every
# LOCK_POLL seconds until LOCK_TIMEOUT has passed since the first refusal.
# A command that failed for another reason is not run again. Standard
# output and error stay apart; standard error is also kept in a file to
# look for the lock.
run_waiting_for_lock() {
	what=$1 pattern=$2; shift 2
	deadline=""
	while :; do
		# The status travels through a file (the pipeline's is tee's); a
		# run killed before writing it leaves none, not an earlier one.
		rm -f "$STAGE/locked.rc"
		{ { "$@"; echo $? > "$STAGE/locked.rc"; } 2>&1 1>&3 3>&- | tee "$STAGE/locked.err" >&2 3>&-; } 3>&1
		read -r rc < "$STAGE/locked.rc" || fail "$1 ended without an exit status"
		[ "$rc" -eq 0 ] && return 0
		grep -Eq "$pattern" "$STAGE/locked.err" || return "$rc"
		# Whole seconds: past the deadline, not at it, is at least
		# LOCK_TIMEOUT since the refusal. lock_timeout = 0 never waits.
		[ -n "$deadline" ] || deadline=$(( $(date +%s) + LOCK_TIMEOUT ))
		if [ "$LOCK_TIMEOUT" -eq 0 ] || [ "$(date +%s)" -gt "$deadline" ]; then
			say "spinnaker-packages: the $what was held by another process for longer than lock_timeout (${LOCK_TIMEOUT}s)"
			return "$rc"
		fi
		say "waiting for the $what"
		sleep "${LOCK_POLL:-2}"
	done
}

# step_dpkg_groups installs the groups of an ordered bake, one dpkg
# transaction each, in order, then marks the dependencies as automatically
# installed. Arguments: (--group LABEL FILE...)... [--auto NAME...]. The
# files and names were validated by the provisioner; "@@phase" lines let it
# announce each group.
step_dpkg_groups() {
	export DEBIAN_FRONTEND=noninteractive
	set -f
	mode=""; label=""; files=""; auto=""
	for arg in "$@" --end; do
		case "$arg" in
		--group|--auto|--end)
			if [ -n "$files" ]; then
				say "@@phase install $label"
				# shellcheck disable=SC2086
				dpkg_install $files || return $?
			fi
			mode=$arg; label=""; files="" ;;
		*)
			case "$mode" in
			--group) if [ -z "$label" ]; then label=$arg; else files="$files $arg"; fi ;;
			--auto) auto="$auto $arg" ;;
			esac ;;
		esac
	done
	if [ -n "$auto" ]; then
		# The packages are installed: apt-mark needs no source's lists, and
		# loading the distribution's large index would cost more than the
		# marking itself.
		# shellcheck disable=SC2046,SC2086
		apt-mark $(apt_no_sources) auto $auto >/dev/null
	fi
}

# step_apt_install installs in one apt-get transaction, against all
# sources: the fallback when apt's solution removes packages.
step_apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2046
	apt-get -y $(apt_install_options) install "$@"
}

# dnf_run runs dnf and ends its wait for another process's rpm database
# or metadata lock after LOCK_TIMEOUT seconds: dnf 4 has no such option and
# would wait for ever. Only the wait is timed, never the work.
dnf_run() {
	out="$STAGE/dnf.fifo"
	{ rm -f "$out" && mkfifo "$out"; } || fail "cannot create $out"
	"$DNF" "$@" > "$out" 2>&1 &
	pid=$!
	watchdog=""
	while IFS= read -r line || [ -n "$line" ]; do
		say "$line"
		case "$line" in
		*"Waiting for process with pid"*)
			if [ -z "$watchdog" ]; then
				(
					# Its own descriptors: a sleep left behind when the
					# watchdog is stopped must not hold the command's output
					# open.
					sleep "$LOCK_TIMEOUT" >/dev/null 2>&1
					say "spinnaker-packages: a dnf lock (rpm database or metadata) was held by another process for longer than lock_timeout (${LOCK_TIMEOUT}s)"
					kill "$pid" 2>/dev/null
				) &
				watchdog=$!
			fi ;;
		esac
	done < "$out"
	wait "$pid"; rc=$?
	if [ -n "$watchdog" ]; then
		kill "$watchdog" 2>/dev/null
	fi
	rm -f "$out"
	return "$rc"
}

step_dnf_refresh() {
	dnf_run -y --disablerepo='*' --enablerepo="$DNF_REPOS" makecache
}

step_dnf_upgrade() {
	dnf_run -y upgrade
}

step_dnf_install() {
	dnf_run -y install "$@"
}

step_enable() {
	for unit in "$@"; do
		systemctl enable "$unit" || fail "systemctl enable $unit failed"
	done
}

# step_verify prints the state of the requested packages and units for the
# provisioner to compare with the request. Arguments: TYPE PACKAGE...
# [--units UNIT...]. One query covers every package (one per package costs
# seconds on a list of thousands): it prints a line per installed instance
# as name:architecture (rpm names hold no ':'), and nothing for a package
# it does not know, which the provisioner then reports as missing; deb
# adds the native architecture, which a request without one means. A query
# that fails for another reason (a broken database) fails the step with
# its own message.
step_verify() {
	type=$1; shift
	pkgs=""
	while [ $# -gt 0 ] && [ "$1" != --units ]; do pkgs="$pkgs $1"; shift; done
	[ $# -gt 0 ] && shift
	set -f
	if [ -n "$pkgs" ]; then
		err="$STAGE/verify.err"
		case "$type" in
		deb)
			arch=$(dpkg --print-architecture)
			[ -n "$arch" ] || fail "dpkg --print-architecture failed"
			say "@@arch $arch"
			# Exit status 1 only says that some package is unknown.
			# shellcheck disable=SC2016,SC2086
			dpkg-query -W -f='@@package ${Package}:${Architecture} ${db:Status-Abbrev}|${Version}\n' $pkgs 2> "$err"
			rc=$?
			if [ "$rc" -gt 1 ]; then
				cat "$err" >&2
				fail "dpkg-query failed with exit status $rc"
			fi ;;
		rpm)
			# rpm -q says "package X is not installed" on stdout and exits
			# with the number of such packages (modulo 256); any other
			# status is a failure of its own. Its warnings on stderr (an
			# old database format, say) are shown, not judged.
			q="$STAGE/verify.out"
			# shellcheck disable=SC2086
			rpm -q --qf '@@package %{NAME}:%{ARCH} ii|%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n' $pkgs > "$q" 2> "$err"
			rc=$?
			missing=$(grep -c ' is not installed$' "$q")
			cat "$err" >&2
			if [ "$rc" -ne $((missing % 256)) ]; then
				fail "rpm -q failed with exit status $rc"
			fi
			grep '^@@package ' "$q" ;;
		esac
	fi
	set +f
	for unit in "$@"; do
		e=$(systemctl is-enabled "$unit" 2>/dev/null); [ -n "$e" ] || e=unknown
		if [ -d /run/systemd/system ]; then a=$(systemctl is-active "$unit" 2>/dev/null); else a=not-booted; fi
		[ -n "$a" ] || a=unknown
		say "@@unit $unit $e $a"
	done
	return 0
}

# step_inventory prints what internal/sbom reads: the os-release lines, the installed package
# set, and where the requested packages came from. Arguments: TYPE INSTALLED_FORMAT
# ORIGIN_FORMAT PACKAGE... (the formats are the provisioner's, see internal/sbom). Each output
# goes through a file first, or carries its marker itself, so that a failing query fails the
# step.
step_inventory() {
	type=$1 installed_fmt=$2 origin_fmt=$3; shift 3
	for f in "$ROOT/etc/os-release" "$ROOT/usr/lib/os-release"; do
		if [ -r "$f" ]; then sed 's/^/@@os /' "$f"; break; fi
	done
	out="$STAGE/inventory"
	inventory=$out
	case "$type" in
	deb)
		dpkg-query -W -f="$installed_fmt" > "$out" || fail "dpkg-query -W failed"
		sed 's/^/@@installed /' "$out"
		if [ $# -gt 0 ]; then
			# Against the added sources first: apt then builds its cache from their lists and
			# dpkg's status only, not from the distribution's whole index (which costs half a
			# second on a large one). Packages whose installed version none of them offers are
			# asked of all sources after that.
			rest="$*"
			if [ -n "$LIST_FILE" ]; then
				# shellcheck disable=SC2046
				LC_ALL=C apt-cache $(apt_scope) policy "$@" > "$out" || fail "apt-cache policy failed"
				sed 's/^/@@origin /' "$out"
				rest=$(awk '
					function done() { if (pkg != "" && !found) print pkg }
					/^[^ ].*:$/ { done(); pkg = substr($0, 1, length($0) - 1); row = 0; found = 0; next }
					$1 == "***" { row = 1; next }
					row && NF == 2 && $2 ~ /^-?[0-9]+$/ { row = 0; next }
					row && $1 ~ /^-?[0-9]+$/ && $2 !~ /^\// { found = 1 }
					END { done() }' "$out")
			fi
			if [ -n "$rest" ]; then
				# shellcheck disable=SC2086
				LC_ALL=C apt-cache policy $rest > "$out" || fail "apt-cache policy failed"
				sed 's/^/@@origin /' "$out"
			fi
		fi ;;
	rpm)
		rpm -qa --qf "$installed_fmt" > "$out" || fail "rpm -qa failed"
		sed 's/^/@@installed /' "$out"
		# yum has no repoquery of its own: its packages get no origin.
		if [ $# -gt 0 ] && [ "$DNF" = dnf ]; then
			# Through dnf_run, so that lock_timeout bounds the wait for another dnf's metadata
			# lock (dnf-makecache on a fresh instance), and from the cache only (-C): the
			# installs just loaded the metadata, and an inventory must not refresh it. Not -q,
			# which hides the wait that dnf_run watches for; dnf's own lines (merged with its
			# standard error) are told apart from the query's by the marker in the format.
			dnf_run -C repoquery --installed --qf "@@origin $origin_fmt" "$@" || fail "dnf repoquery --installed failed"
		fi ;;
	esac
	# dnf_run has an $out of its own (sh has no local variables).
	rm -f "$inventory"
}

# stop_interrupted_step stops the step or batch that a cancel left running
# before cleanup undoes its work.
stop_interrupted_step() {
	if [ -f "$STAGE/step.pid" ]; then
		pid=$(cat "$STAGE/step.pid")
		# `kill -SIG -PGID` signals the whole group; dash's kill has no `--`.
		if [ -n "$pid" ] && kill -0 "-$pid" 2>/dev/null; then
			say "stopping the interrupted step (process group $pid)"
			kill -TERM "-$pid" 2>/dev/null
			i=0; while kill -0 "-$pid" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done
			kill -KILL "-$pid" 2>/dev/null
		fi
	fi
}

# step_cleanup undoes what the bake added. It runs after success, failure
# and cancellation, so every command tolerates missing files.
step_cleanup() {
	if [ -f "$POLICY_RC_D" ] && grep -q "spinnaker-packages $BAKE" "$POLICY_RC_D" 2>/dev/null; then
		say "removing $POLICY_RC_D"
		rm -f "$POLICY_RC_D"
	fi
	if [ -e "$POLICY_BACKUP" ]; then
		say "restoring the image's $POLICY_RC_D"
		mv -f "$POLICY_BACKUP" "$POLICY_RC_D"
	fi
	if [ "$KEEP_REPOS" != 1 ]; then
		for f in $REPO_FILES $KEY_FILES; do
			if [ -e "$f" ]; then say "removing $f"; rm -f "$f"; fi
		done
		for g in $APT_LIST_GLOBS; do
			# shellcheck disable=SC2086
			rm -f "$ROOT"/var/lib/apt/lists/$g
		done
		for id in $DNF_REPO_IDS; do
			# dnf keeps <id>-<hash>/, <id>.solv and <id>-filenames.solvx.
			rm -rf "$ROOT/var/cache/dnf/$id"* "$ROOT/var/cache/yum/$id"* 2>/dev/null
		done
		# Only keys prepare found missing: a key the image already trusted
		# stays trusted.
		if [ -f "$STAGE/new-pubkeys" ]; then
			while read -r k; do
				rpm -q --quiet "$k" || continue
				say "removing $k (the repository key dnf imported)"
				rpm -e "$k" || say "warning: cannot remove $k: the image still trusts that repository key"
			done < "$STAGE/new-pubkeys"
		fi
	fi
	rm -rf "$DEB_DIR" "$STAGE"
}

# Every step except cleanup runs in its own session, so that cleanup can stop
# it and all its children (apt, dpkg, maintainer scripts) after a cancel.
# The steps of a batch (see the provisioner's batch.go) share the session
# the batch created.
main() {
	step=$1; shift
	case "$step" in
	cleanup) stop_interrupted_step; step_cleanup; exit 0 ;;
	--in-session) step=$1; shift; echo $$ > "$STAGE/step.pid"; "step_$step" "$@"; exit $? ;;
	--in-batch)
		step=$1; shift
		if [ "$step" = --args ]; then
			# Long argument lists arrive as a file, one argument per line
			# (the provisioner refuses newlines in every value).
			file=$1; step=$2
			set -f; IFS='
'
			# shellcheck disable=SC2046
			set -- $(cat "$file")
			unset IFS; set +f
		fi
		"step_$step" "$@"; exit $? ;;
	esac
	if command -v setsid >/dev/null 2>&1; then
		exec setsid -w sh "$0" --in-session "$step" "$@"
	fi
	"step_$step" "$@"
}

main "$@"
