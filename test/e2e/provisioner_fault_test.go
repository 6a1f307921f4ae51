//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// Each fault must end as a failed build with a clear message, and the
// cleanup done; the 5xx and lock-wait cases must succeed.

func signedRepoBlock(tg *harness.Target, url string) string {
	return repoBlockSignedBy(tg, url, tg.Repos.RepoKey)
}

// repoBlockSignedBy is signedRepoBlock for a repository signed with key.
func repoBlockSignedBy(tg *harness.Target, url string, key harness.Key) string {
	return fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }`, url, tg.Repos.KeyURL(key), key.Fingerprint)
}

// failedBake asserts a failed bake left nothing installed and nothing behind.
func failedBake(t *testing.T, tg *harness.Target, out string, err error, want ...string) {
	t.Helper()
	mustFail(t, out, err, want...)
	if v := tg.PackageVersion(t, "hello-svc"); v != "" {
		t.Errorf("hello-svc %s installed by a failed bake", v)
	}
	assertCleanedUp(t, tg)
}

func TestPackagesFaultUnsignedRepo(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.AptUnsigned)+`
    packages = "hello-svc=1.0.0-h5"`)
	failedBake(t, tg, out, err, "is not signed")
}

func TestPackagesFaultWrongKey(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.AptWrongKey)+`
    packages = "hello-svc=1.0.0-h5"`)
	failedBake(t, tg, out, err, "update", "NO_PUBKEY")
}

func TestPackagesFaultMissingVersion(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.AptSigned)+`
    packages = "hello-svc=9.9.9-h1"`)
	failedBake(t, tg, out, err, "Version '9.9.9-h1' for 'hello-svc' was not found")
}

func TestPackagesFaultRefusedConnection(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url = %q
      key = %q
    }
    packages = "hello-svc=1.0.0-h5"`, tg.Repos.RefusedURL, tg.Repos.RepoKey.Armored))
	// apt retried (Acquire::Retries, remote.sh); the provisioner names the
	// source and does not run the update again.
	failedBake(t, tg, out, err, "could not be fetched", "Connection refused")
	if n := strings.Count(out, "apt-get update ("); n != 1 {
		t.Errorf("the update ran %d times, want 1 (apt retries the fetch itself)", n)
	}
}

func TestPackagesFault5xxTwiceThenOK(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	tg.Repos.Fault.FailNext(2, 503)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.Fault.URL+"/apt/")+`
    packages = "hello-svc=1.0.0-h5"`)
	mustSucceed(t, out, err)
	if _, failed := tg.Repos.Fault.Requests(); failed != 2 {
		t.Errorf("the fault server failed %d requests, want 2", failed)
	}
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	assertCleanedUp(t, tg)
}

// holdDpkgLock holds dpkg's frontend and database locks (fcntl write locks,
// as dpkg and apt take them) from a background process on the target.
func holdDpkgLock(t *testing.T, tg *harness.Target, d time.Duration) {
	t.Helper()
	holdLocks(t, tg, d, "/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock")
}

// holdListsLock holds apt's lists lock as apt-daily's `apt-get update`
// does on a fresh instance.
func holdListsLock(t *testing.T, tg *harness.Target, d time.Duration) {
	t.Helper()
	holdLocks(t, tg, d, "/var/lib/apt/lists/lock")
}

// holdLocks holds fcntl write locks on paths, as dpkg and apt take them, from a background
// process on the target for d.
func holdLocks(t *testing.T, tg *harness.Target, d time.Duration, paths ...string) {
	t.Helper()
	script := `use Fcntl; my $l = pack("s s x4 q q l x4", F_WRLCK, 0, 0, 0, 0);` +
		`for my $p ("` + strings.Join(paths, `", "`) + `") { open(my $f, ">>", $p) or die; fcntl($f, F_SETLK, $l) or die "lock $p: $!"; push @h, $f }` +
		`open(my $r, ">", "/run/e2e-lock-held"); close $r; sleep ` + strconv.Itoa(int(d.Seconds())) + `; unlink "/run/e2e-lock-held";`
	tg.MustRun(t, "setsid -f perl -e '"+script+"' >/dev/null 2>&1 </dev/null; for i in $(seq 50); do [ -e /run/e2e-lock-held ] && exit 0; sleep 0.1; done; echo lock not taken; exit 1")
}

func TestPackagesFaultLockHeldThenReleased(t *testing.T) {
	bakeWaitsForAHeldLock(t, holdDpkgLock, "waiting for the dpkg lock", "Waiting for cache lock")
}

// bakeWaitsForAHeldLock holds a lock for 10 s while a bake with lock_timeout 60s runs: the bake
// must say it waits (one of the messages) and take the time, then succeed and clean up. Both
// checks: the duration alone could come from a slow machine, the message alone from a wait that
// gave up early.
func bakeWaitsForAHeldLock(t *testing.T, hold func(*testing.T, *harness.Target, time.Duration), waiting ...string) string {
	t.Helper()
	tg := harness.NewTarget(t, harness.Debian)
	hold(t, tg, 10*time.Second)
	start := time.Now()
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.AptSigned)+`
    packages     = "hello-svc=1.0.0-h5"
    lock_timeout = "60s"`)
	mustSucceed(t, out, err)
	if !slices.ContainsFunc(waiting, func(m string) bool { return strings.Contains(out, m) }) {
		t.Errorf("the build never reported waiting for the held lock (%q):\n%s", waiting, out)
	}
	if d := time.Since(start); d < 8*time.Second {
		t.Errorf("the build took %s although the lock was held for 10 s: it did not wait", d)
	}
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	assertCleanedUp(t, tg)
	return out
}

func TestPackagesFaultLockTimeout(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	holdDpkgLock(t, tg, 60*time.Second)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.AptSigned)+`
    packages     = "hello-svc=1.0.0-h5"
    lock_timeout = "4s"`)
	failedBake(t, tg, out, err, "lock_timeout")
}

// DPkg::Lock::Timeout does not cover apt's lists lock: apt-get update waits for it in remote.sh.
func TestPackagesFaultListsLockHeldThenReleased(t *testing.T) {
	out := bakeWaitsForAHeldLock(t, holdListsLock, "waiting for the apt lists lock")
	if n := strings.Count(out, "apt-get update ("); n != 1 {
		t.Errorf("the update step ran %d times, want 1 (the wait is inside it)", n)
	}
}

func TestPackagesFaultListsLockTimeout(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	holdListsLock(t, tg, 60*time.Second)
	start := time.Now()
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", signedRepoBlock(tg, tg.Repos.AptSigned)+`
    packages     = "hello-svc=1.0.0-h5"
    lock_timeout = "4s"`)
	failedBake(t, tg, out, err, "apt lists lock was held by another process for longer than lock_timeout (4s)",
		"update (scoped): the package manager lock was held by another process for longer than lock_timeout (4s)")
	if d := time.Since(start); d > 3*time.Minute {
		t.Errorf("the build gave up after %s; lock_timeout is 4s", d)
	}
}

// dnf 4 waits for ever while the process named in its rpmdb lock file lives; lock_timeout must
// end the wait with a clear message, the cleanup done.
func TestPackagesFaultRPMLockTimeout(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	tg.MustRun(t, "mkdir -p /var/lib/dnf && { setsid sleep 600 >/dev/null 2>&1 & echo $! > /var/lib/dnf/rpmdb_lock.pid; }")
	start := time.Now()
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages     = "hello-svc-1.0.0-h5"
    lock_timeout = "5s"`, tg.Repos.RPM, tg.Repos.KeyURL(tg.Repos.RPMKey), tg.Repos.RPMKey.Fingerprint))
	failedBake(t, tg, out, err, "longer than lock_timeout (5s)")
	if d := time.Since(start); d > 3*time.Minute {
		t.Errorf("the build gave up after %s; lock_timeout is 5s", d)
	}
	if ps := tg.MustRun(t, "pgrep -a dnf || true"); strings.TrimSpace(ps) != "" {
		t.Errorf("dnf still running after the failed bake:\n%s", ps)
	}
}

func TestPackagesFaultCancelledBuild(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	// Every request to the fault server hangs, so the update is still
	// running when Packer's provisioner timeout cancels the bake.
	tg.Repos.Fault.StallNext(1000, 5*time.Minute)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url = %q
      key = %q
    }
    packages = "hello-svc=1.0.0-h5"
    timeout  = "8s"`, tg.Repos.Fault.URL+"/apt/", tg.Repos.RepoKey.Armored))
	failedBake(t, tg, out, err, "cleanup")
	if ps := tg.MustRun(t, "ps -eo pid,ppid,pgid,sid,stat,comm | grep -E '(apt-get|dpkg|http)$' || true"); strings.TrimSpace(ps) != "" {
		t.Errorf("package manager still running after the cancelled bake:\n%s", ps)
	}
}

func TestPackagesSecretsNeverPrinted(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	t.Setenv("PACKER_LOG", "1")
	authURL := tg.Repos.WithAuth(tg.Repos.AptAuth)
	// Rosco's form: credentials in the repository string; the image trusts
	// the key, as base images trust their vendors' keys.
	trustRepoKey(t, tg)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repository = "%s ./"
    packages   = "hello-svc=1.0.0-h5"`, authURL))
	mustSucceed(t, out, err)
	for _, form := range tg.Repos.AuthForms() {
		if n := strings.Count(out, form); n != 0 {
			t.Errorf("the repository password (%q) appears %d times in the PACKER_LOG=1 output", form, n)
		}
	}
	if !strings.Contains(out, "[DEBUG]") {
		t.Error("PACKER_LOG=1 output has no debug lines; the check proves nothing")
	}
	var authed int
	for _, r := range tg.Repos.Requests("/apt-auth/") {
		if r.AuthOK {
			authed++
		}
	}
	if authed == 0 {
		t.Error("the credentials were never sent to the repository")
	}
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	assertCleanedUp(t, tg)
	if hits := tg.MustRun(t, "grep -rl -F -e "+shellWord(tg.Repos.AuthPassword)+" /etc /var/lib/apt /var/cache/apt /var/log /tmp /root 2>/dev/null || true"); strings.TrimSpace(hits) != "" {
		t.Errorf("the password is left in the image:\n%s", hits)
	}
}

func shellWord(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// sshLogins counts accepted SSH logins in the target's journal.
func sshLogins(t *testing.T, tg *harness.Target) int {
	out := tg.MustRun(t, "journalctl --no-pager -q -o cat _COMM=sshd 2>/dev/null | grep -c 'Accepted publickey' || true")
	n, _ := strconv.Atoi(strings.TrimSpace(out))
	return n
}

func TestPackagesInjectionRefusedAtPrepare(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	cases := map[string]string{
		"packages":     `packages = "hello-svc;touch /tmp/pwned"`,
		"package_list": `package_list = ["hello-svc$(touch /tmp/pwned)"]`,
		"services":     "services = [\"hello-svc`touch /tmp/pwned`\"]",
		"newline":      `packages = "hello-svc\ntouch"`,
		"repository":   fmt.Sprintf(`repository = "%s ./;$(touch /tmp/pwned)"`, tg.Repos.AptSigned),
		"repositories": `repositories {
      url = "http://example.com/$(touch /tmp/pwned)"
    }`,
	}
	before := sshLogins(t, tg)
	for name, body := range cases {
		out, err := buildHCL(t, p, tg, "root", body)
		mustFail(t, out, err)
		if strings.Contains(out, "inspect target") {
			t.Errorf("%s: the provisioner reached the target:\n%s", name, out)
		}
		if !strings.Contains(out, strings.SplitN(name, "_", 2)[0]) && name != "newline" {
			t.Errorf("%s: the error does not name the field:\n%s", name, out)
		}
	}
	if after := sshLogins(t, tg); after != before {
		t.Errorf("%d SSH logins reached the target during the refused builds", after-before)
	}
	if tg.FileExists(t, "/tmp/pwned") {
		t.Error("an injected command ran")
	}
}

// A token in key_url (`http://TOKEN@`, `http://TOKEN:@`) is a secret: it
// never reaches the output of a real `packer build` with PACKER_LOG=1, not
// when the fetch succeeds and not through the retry log when it fails (Go's
// error for a refused connection quotes the URL with its user).
func TestPackagesKeyURLTokenNeverLogged(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	t.Setenv("PACKER_LOG", "1")
	const token = "T0KENe2e5b1d"
	withToken := func(u, userinfo string) string { return strings.Replace(u, "://", "://"+userinfo+"@", 1) }
	check := func(name, out string) {
		t.Helper()
		if n := strings.Count(out, token); n != 0 {
			t.Errorf("%s: the key_url token appears %d times in the PACKER_LOG=1 output", name, n)
		}
		if !strings.Contains(out, "[DEBUG]") {
			t.Errorf("%s: PACKER_LOG=1 output has no debug lines; the check proves nothing", name)
		}
	}
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-svc=1.0.0-h5"`, tg.Repos.AptSigned, withToken(tg.Repos.KeyURL(tg.Repos.RepoKey), token+":"), tg.Repos.RepoKey.Fingerprint))
	mustSucceed(t, out, err)
	check("fetched", out)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")

	refused := strings.TrimSuffix(tg.Repos.RefusedURL, "/") + tg.Repos.RepoKey.Path
	out, err = buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-lib=1.0.0-h5"`, tg.Repos.AptSigned, withToken(refused, token), tg.Repos.RepoKey.Fingerprint))
	mustFail(t, out, err, "key_url: fetch "+withToken(refused, "***"), "connection refused")
	check("refused", out)
	if !strings.Contains(out, "Retryable error") {
		t.Error("the refused fetch left no retry log line; the check proves nothing")
	}
	assertCleanedUp(t, tg)
}
