package packages

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run the prepare, enable and cleanup steps of remote.sh
// against a temporary root directory (scriptData.Root) with fake commands,
// so that breaking them fails a unit test, not only the root-only
// end-to-end suite.

func stepsFixture(t *testing.T, keep bool) (root string, d scriptData) {
	t.Helper()
	root = t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	repos := []sourceRepo{{URL: mustURL("http://u:pw@10.0.0.1/apt/"), Distribution: "./"}}
	d = scriptData{Bake: "b9", Type: Deb, LockTimeout: 5, DisableServices: true, KeepRepos: keep, Root: root,
		Layout: layoutRepositories(Deb, "b9", repos, [][]byte{[]byte(testKey)})}
	return root, d
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestPrepareStepWritesPolicyRcdAndRepositoryFiles(t *testing.T) {
	root, d := stepsFixture(t, false)
	policy := filepath.Join(root, "usr/sbin/policy-rc.d")
	if err := os.MkdirAll(filepath.Dir(policy), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runScript(t, t.TempDir(), d, nil, "--in-batch", "prepare"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, err := os.ReadFile(policy)
	if err != nil || !strings.Contains(string(got), "exit 101") || !strings.Contains(string(got), "spinnaker-packages b9") || mode(t, policy) != 0o755 {
		t.Errorf("policy-rc.d %q (%v), want an executable that exits 101", got, err)
	}
	if backup, _ := os.ReadFile(policy + ".spinnaker-packages-b9"); string(backup) != "#!/bin/sh\nexit 0\n" {
		t.Errorf("the image's policy-rc.d was not moved aside: %q", backup)
	}
	// Keys and the sources file are world-readable (apt's download user
	// reads them); credentials are not.
	for path, want := range map[string]os.FileMode{
		"etc/apt/keyrings/spinnaker-packages-b9-0.asc":      0o644,
		"etc/apt/sources.list.d/spinnaker-packages-b9.list": 0o644,
		"etc/apt/auth.conf.d/spinnaker-packages-b9.conf":    0o600,
	} {
		if got := mode(t, filepath.Join(root, path)); got != want {
			t.Errorf("%s has mode %o, want %o", path, got, want)
		}
	}
}

func TestCleanupStepRemovesWhatPrepareWrote(t *testing.T) {
	for _, keep := range []bool{false, true} {
		root, d := stepsFixture(t, keep)
		stage := t.TempDir()
		if out, _, err := runScript(t, stage, d, nil, "--in-batch", "prepare"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		lists := filepath.Join(root, "var/lib/apt/lists")
		if err := os.MkdirAll(lists, 0o755); err != nil {
			t.Fatal(err)
		}
		ours := filepath.Join(lists, "10.0.0.1_apt_._Packages")
		theirs := filepath.Join(lists, "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages")
		for _, f := range []string{ours, theirs} {
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if out, _, err := runScript(t, stage, d, nil, "cleanup"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(root, "usr/sbin/policy-rc.d")); !os.IsNotExist(err) {
			t.Errorf("keep=%v: policy-rc.d left behind (%v)", keep, err)
		}
		for _, f := range d.Layout.Files {
			_, err := os.Stat(root + f.Path)
			if kept := err == nil; kept != keep {
				t.Errorf("keep_repositories=%v: %s kept=%v", keep, f.Path, kept)
			}
		}
		if _, err := os.Stat(ours); (err == nil) != keep {
			t.Errorf("keep_repositories=%v: the added source's list kept=%v", keep, err == nil)
		}
		if _, err := os.Stat(theirs); err != nil {
			t.Errorf("the distribution's list was removed: %v", err)
		}
		if _, err := os.Stat(stage); !os.IsNotExist(err) {
			t.Errorf("the staging directory is left: %v", err)
		}
	}
}

func TestCleanupStepRestoresTheImagesPolicyRcd(t *testing.T) {
	root, d := stepsFixture(t, false)
	policy := filepath.Join(root, "usr/sbin/policy-rc.d")
	if err := os.MkdirAll(filepath.Dir(policy), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, []byte("image's own\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	stage := t.TempDir()
	for _, step := range [][]string{{"--in-batch", "prepare"}, {"cleanup"}} {
		if out, _, err := runScript(t, stage, d, nil, step...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	if got, _ := os.ReadFile(policy); string(got) != "image's own\n" {
		t.Errorf("policy-rc.d after cleanup %q, want the image's own", got)
	}
}

func TestEnableStepNeverStarts(t *testing.T) {
	_, calls, err := runLibrary(t, map[string]string{"systemctl": "exit 0"}, "--in-batch", "enable", "a.service", "b.socket")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"systemctl enable a.service", "systemctl enable b.socket"}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls %q, want %q (enable only: no --now, no start)", calls, want)
	}
}

func TestArgsFileCarriesLongArgumentLists(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "args")
	var tokens []string
	for i := 0; i < 5000; i++ {
		tokens = append(tokens, "pkg-"+strings.Repeat("x", 20)+"="+"1.0")
	}
	if err := os.WriteFile(file, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, calls, err := runLibrary(t, map[string]string{"systemctl": "exit 0"}, "--in-batch", "--args", file, "enable")
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != len(tokens) || calls[0] != "systemctl enable "+tokens[0] {
		t.Errorf("%d calls, first %q", len(calls), calls[0])
	}
}

// Every installing apt-get call carries the bake's lock wait, network
// retries, dpkg's configuration-file policy and, for pinned packages,
// --allow-downgrades: remote.sh is their only home.
func TestAptInstallCarriesItsPolicies(t *testing.T) {
	for _, downgrades := range []bool{false, true} {
		d := scriptData{Bake: "t1", Type: Deb, LockTimeout: 7, AllowDowngrades: downgrades}
		_, calls, err := runScript(t, t.TempDir(), d, map[string]string{"apt-get": "exit 0"}, "--in-batch", "apt_install", "hello=1.0")
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 1 {
			t.Fatalf("calls %q", calls)
		}
		for _, want := range []string{"-o DPkg::Lock::Timeout=7", "-o Acquire::Retries=3", "-o Dpkg::Options::=--force-confold", "-o Dpkg::Options::=--force-confdef", "install hello=1.0"} {
			if !strings.Contains(calls[0], want) {
				t.Errorf("apt-get call lacks %q: %s", want, calls[0])
			}
		}
		if got := strings.Contains(calls[0], "--allow-downgrades"); got != downgrades {
			t.Errorf("AllowDowngrades=%v, --allow-downgrades present=%v", downgrades, got)
		}
	}
}

// dnf waits for ever for another process's rpm database lock: the step
// ends that wait after LOCK_TIMEOUT, and only that wait.
func TestDnfLockWaitEndsAfterLockTimeout(t *testing.T) {
	d := scriptData{Bake: "t1", Type: RPM, LockTimeout: 1, DNF: "dnf"}
	waiting := `echo "Waiting for process with pid 42 to finish."; exec sleep 30`
	start := time.Now()
	out, _, err := runScript(t, t.TempDir(), d, map[string]string{"dnf": waiting}, "--in-batch", "dnf_install", "hello-1.0-1")
	if err == nil || !strings.Contains(out, "longer than lock_timeout (1s)") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the step took %s: something kept waiting", took)
	}
	// A slow dnf that never waits for a lock is left alone.
	out, _, err = runScript(t, t.TempDir(), d, map[string]string{"dnf": "sleep 2; echo Complete!"}, "--in-batch", "dnf_install", "hello-1.0-1")
	if err != nil || !strings.Contains(out, "Complete!") {
		t.Errorf("err %v, output:\n%s", err, out)
	}
}

// The bake's umask is 077; the directory apt downloads into must still let
// apt's sandbox user through, or apt downloads as root (and warns).
func TestResolveDirectoryLetsAptDownloadSandboxed(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(filepath.Join(root, "var/cache/apt"), 0o755); err != nil {
		t.Fatal(err)
	}
	d := scriptData{Bake: "r1", Type: Deb, LockTimeout: 5, Root: root}
	old := syscall.Umask(0o077)
	out, calls, err := runScript(t, dir, d, map[string]string{"apt-get": "exit 0"}, "--in-batch", "apt_resolve", "scoped", "hello=1.0")
	syscall.Umask(old)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(calls) != 1 || !strings.Contains(calls[0], "--download-only install hello=1.0") {
		t.Fatalf("calls %q", calls)
	}
	if got := mode(t, filepath.Join(root, "var/cache/apt", filePrefix("r1"))); got != 0o755 {
		t.Errorf("download directory mode %o, want 755", got)
	}
}

// A large solution is read a few files at a time, and a file dpkg-deb
// cannot read fails the resolution naming it, rather than leaving the
// package out of the plan.
func TestResolveReadsFieldsOfManyPackagesBoundedAndFailsOnOne(t *testing.T) {
	for _, bad := range []string{"", "pkg-17"} {
		dir := t.TempDir()
		root := filepath.Join(dir, "root")
		running := filepath.Join(dir, "running")
		for _, d := range []string{filepath.Join(root, "var/cache/apt"), running} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// apt-get "downloads" 40 packages into the directory it is given.
		aptGet := `for a in "$@"; do case "$a" in Dir::Cache::Archives=*) d=${a#*=};; esac; done
i=10; while [ $i -lt 50 ]; do : > "$d/pkg-$i"_1_all.deb; i=$((i+1)); done`
		dpkgDeb := fmt.Sprintf(`: > %[1]s/$$; sleep 0.05; ls %[1]s | wc -l >> %[2]s/concurrency; rm -f %[1]s/$$
case "$2" in */%[3]s_*) [ -n "%[3]s" ] && { echo "dpkg-deb: error: not a Debian format archive" >&2; exit 2; };; esac
n=${2##*/}; echo "Package: ${n%%%%_*}"; echo "Version: 1"; echo "Architecture: all"`, running, dir, bad)
		d := scriptData{Bake: "r2", Type: Deb, LockTimeout: 5, Root: root}
		out, _, err := runScript(t, dir, d, map[string]string{"apt-get": aptGet, "dpkg-deb": dpkgDeb}, "--in-batch", "apt_resolve", "scoped", "pkg-10=1")
		data, _ := os.ReadFile(filepath.Join(dir, "concurrency"))
		most := 0
		for _, l := range strings.Fields(string(data)) {
			if n, _ := strconv.Atoi(l); n > most {
				most = n
			}
		}
		if most > 8 || most < 2 {
			t.Errorf("bad=%q: at most %d dpkg-deb reads ran at once, want 2 to 8", bad, most)
		}
		if bad == "" {
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if got := strings.Count(out, "@@field File: "); got != 40 {
				t.Errorf("fields of %d packages printed, want 40:\n%s", got, out)
			}
			continue
		}
		if err == nil || !strings.Contains(out, "cannot read the control fields of "+filepath.Join(root, "var/cache/apt", filePrefix("r2"), "pkg-17_1_all.deb")) ||
			!strings.Contains(out, "not a Debian format archive") {
			t.Errorf("bad=%q: err %v, output:\n%s", bad, err, out)
		}
	}
}

// listsLocked is apt-get update's answer while another process (apt-daily's
// update) holds the lists lock: DPkg::Lock::Timeout does not cover it, and
// apt gives up at once.
const listsLocked = `echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 42 (apt-get)" >&2
echo "E: Unable to lock directory /var/lib/apt/lists/" >&2; exit 100`

// apt-get update waits for the lists lock until lock_timeout has passed
// since apt's first refusal, in both scopes; any other failure is not run
// again (network retries are apt's own).
func TestAptUpdateWaitsForTheListsLock(t *testing.T) {
	// Locked out twice, then the update runs.
	lockedTwice := `n=$(grep -c '^apt-get' "$(dirname "$0")/../calls.log")
if [ "$n" -le 2 ]; then ` + listsLocked + `; fi
echo "Reading package lists..."`
	for _, scope := range []string{"scoped", "full"} {
		out, calls, err := runLibrary(t, map[string]string{"apt-get": lockedTwice}, "--in-batch", "apt_update", scope)
		if err != nil {
			t.Fatalf("%s: %v\n%s", scope, err, out)
		}
		if len(calls) != 3 || strings.Count(out, "waiting for the apt lists lock") != 2 || !strings.Contains(out, "Reading package lists...") {
			t.Errorf("%s: calls %q, output:\n%s", scope, calls, out)
		}
		for _, c := range calls {
			if !strings.HasSuffix(c, " update") || !strings.Contains(c, "-o DPkg::Lock::Timeout=5") {
				t.Errorf("%s: call %q", scope, c)
			}
		}
	}

	// Another failure: no wait, no second update.
	out, calls, err := runLibrary(t, map[string]string{"apt-get": `echo "E: The repository 'http://x ./ Release' is not signed." >&2; exit 100`},
		"--in-batch", "apt_update", "scoped")
	if err == nil || len(calls) != 1 || strings.Contains(out, "waiting for") || !strings.Contains(out, "is not signed") {
		t.Errorf("err %v, calls %q, output:\n%s", err, calls, out)
	}

	// Locked for good: the step gives up LOCK_TIMEOUT (2 s here) after
	// the first refusal, naming lock_timeout as the provisioner's
	// lockError recognises it.
	d := scriptData{Bake: "t1", Type: Deb, LockTimeout: 2}
	start := time.Now()
	out, calls, err = runScript(t, t.TempDir(), d, map[string]string{"apt-get": listsLocked}, "--in-batch", "apt_update", "full")
	took := time.Since(start)
	if err == nil || !strings.Contains(out, "the apt lists lock was held by another process for longer than lock_timeout (2s)") || !lockError.MatchString(out) {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
	if took < 2*time.Second || took > 10*time.Second || len(calls) < 3 {
		t.Errorf("gave up after %s and %d calls; lock_timeout is 2s, the poll 0.1s", took, len(calls))
	}
	// lock_timeout = 0: no wait at all.
	d.LockTimeout = 0
	out, calls, err = runScript(t, t.TempDir(), d, map[string]string{"apt-get": listsLocked}, "--in-batch", "apt_update", "full")
	if err == nil || len(calls) != 1 || !strings.Contains(out, "longer than lock_timeout (0s)") {
		t.Errorf("lock_timeout 0: err %v, calls %q, output:\n%s", err, calls, out)
	}
}

// The inventory's dnf query runs through dnf_run, from the cache only, so
// that lock_timeout bounds its wait for another dnf's lock; dnf's own lines
// stay out of the origins the provisioner parses.
func TestInventoryQueryGoesThroughDnfRun(t *testing.T) {
	s := inventoryStep(RPM, []string{"hello-svc"})
	d := scriptData{Bake: "t1", Type: RPM, LockTimeout: 5, DNF: "dnf"}
	// A fake dnf that prints what the real one does around the query:
	// informational lines on stdout, a warning on stderr, and the entries
	// in the format it was given.
	dnf := `for a in "$@"; do case "$a" in @@origin*) fmt=$a;; esac; done
echo "Last metadata expiration check: 0:00:04 ago on Sun Dec  6 10:00:00 2026."
echo "Warning: a plugin said something" >&2
echo "$fmt" | sed 's/%{name}/hello-svc/; s/%{from_repo}/spinnaker-packages-t1-0/'`
	fakes := map[string]string{"rpm": `printf 'hello-svc\t(none)\t1.0.0\th5\tnoarch\n'`, "dnf": dnf}
	stage := t.TempDir()
	out, calls, err := runScript(t, stage, d, fakes, append([]string{"--in-batch", s.Func}, s.Args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(stage, "inventory")); !os.IsNotExist(err) {
		t.Errorf("the step left its query file behind (%v)", err)
	}
	var query string
	for _, c := range calls {
		if strings.HasPrefix(c, "dnf ") {
			query = c
		}
	}
	if !strings.HasPrefix(query, "dnf -C repoquery --installed --qf ") || strings.Contains(query, " -q") {
		t.Errorf("dnf call %q, want the cache only (-C) and not -q (which hides the lock wait)", query)
	}
	inv := splitInventory(strings.Split(out, "\n"))
	if inv.origins != "hello-svc spinnaker-packages-t1-0\n" {
		t.Errorf("origins %q, want only the query's entry; output:\n%s", inv.origins, out)
	}
	if _, err := buildInventory(RPM, []string{"hello-svc"}, strings.Split("@@os ID=rocky\n"+out, "\n"), inventoryMeta{Time: time.Now()}, func(s string) string { return s }); err != nil {
		t.Errorf("the output does not parse: %v\n%s", err, out)
	}

	// Another dnf holds its metadata lock (dnf-makecache): dnf_run ends
	// the wait after lock_timeout, and the step fails naming it.
	d.LockTimeout = 1
	fakes["dnf"] = `echo "Waiting for process with pid 42 to finish."; exec sleep 30`
	start := time.Now()
	out, _, err = runScript(t, t.TempDir(), d, fakes, append([]string{"--in-batch", s.Func}, s.Args...)...)
	if err == nil || !strings.Contains(out, "longer than lock_timeout (1s)") || !strings.Contains(out, "dnf repoquery --installed failed") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the step took %s: something kept waiting", took)
	}
}

// dnf imports an rpm repository's keys into the rpm database, where they
// outlive the key file. prepare notes which of the bake's keys the image
// lacks; cleanup removes those that dnf imported, never a key the image
// already trusted, and none with keep_repositories.
func TestCleanupStepRemovesTheRPMKeysTheBakeImported(t *testing.T) {
	for _, keep := range []bool{false, true} {
		dir := t.TempDir()
		installed := filepath.Join(dir, "rpmdb")
		// The image already trusts the first key.
		if err := os.WriteFile(installed, []byte("gpg-pubkey-11111111-5f000000\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// The calls log lives in the staging directory, which cleanup
		// removes: removals are logged beside the database.
		removed := filepath.Join(dir, "removed")
		rpm := fmt.Sprintf(`db=%s
case "$1" in
-qa) cat "$db" ;;
-q) grep -qx "$3" "$db" ;;
-e) echo "rpm $*" >> %s; grep -qx "$2" "$db" || exit 1; grep -vx "$2" "$db" > "$db.new"; mv "$db.new" "$db" ;;
*) exit 2 ;;
esac`, installed, removed)
		root := filepath.Join(dir, "root")
		repos := []sourceRepo{{URL: mustURL("http://10.0.0.1/rpm/"), Label: "r"}}
		d := scriptData{Bake: "k1", Type: RPM, LockTimeout: 5, DNF: "dnf", KeepRepos: keep, Root: root,
			Layout:     layoutRepositories(RPM, "k1", repos, [][]byte{[]byte(testKey)}),
			RPMPubkeys: []string{"gpg-pubkey-11111111-5f000000", "gpg-pubkey-22222222-6b14df4c", "gpg-pubkey-33333333-6b14df4d"}}
		stage := filepath.Join(dir, "stage")
		if err := os.MkdirAll(stage, 0o700); err != nil {
			t.Fatal(err)
		}
		fakes := map[string]string{"rpm": rpm}
		if out, _, err := runScript(t, stage, d, fakes, "--in-batch", "prepare"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		// dnf imports the second key during the bake; the third is never
		// used.
		f, err := os.OpenFile(installed, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.WriteString("gpg-pubkey-22222222-6b14df4c\n")
		f.Close()
		out, _, err := runScript(t, stage, d, fakes, "cleanup")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		log, _ := os.ReadFile(removed)
		removals := strings.Fields(strings.ReplaceAll(string(log), "rpm -e ", "rpm-e:"))
		want := []string{"rpm-e:gpg-pubkey-22222222-6b14df4c"}
		if keep {
			want = nil
		}
		if strings.Join(removals, " ") != strings.Join(want, " ") {
			t.Errorf("keep_repositories=%v: removals %q, want %q\n%s", keep, removals, want, out)
		}
		left, _ := os.ReadFile(installed)
		wantLeft := "gpg-pubkey-11111111-5f000000\n"
		if keep {
			wantLeft += "gpg-pubkey-22222222-6b14df4c\n"
		}
		if string(left) != wantLeft {
			t.Errorf("keep_repositories=%v: rpm database holds %q, want %q", keep, left, wantLeft)
		}
	}
}

// A prepare that cannot read the image's keys fails before anything is
// written: a failed query must not make a key the image trusts look new,
// for cleanup to remove.
func TestPrepareFailsWhenTheImagesKeysCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	repos := []sourceRepo{{URL: mustURL("http://10.0.0.1/rpm/"), Label: "r"}}
	d := scriptData{Bake: "k2", Type: RPM, LockTimeout: 5, DNF: "dnf", Root: root,
		Layout:     layoutRepositories(RPM, "k2", repos, [][]byte{[]byte(testKey)}),
		RPMPubkeys: []string{"gpg-pubkey-11111111-5f000000"}}
	stage := filepath.Join(dir, "stage")
	if err := os.MkdirAll(stage, 0o700); err != nil {
		t.Fatal(err)
	}
	rpm := `echo "error: rpmdb: BDB0113 Thread/process 42 failed" >&2; exit 1`
	out, _, err := runScript(t, stage, d, map[string]string{"rpm": rpm}, "--in-batch", "prepare")
	if err == nil || !strings.Contains(out, "cannot list the rpm database's keys") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(stage, "new-pubkeys")); !os.IsNotExist(err) {
		t.Errorf("keys recorded as new after a failed query (%v)", err)
	}
	for _, f := range d.Layout.Files {
		if _, err := os.Stat(root + f.Path); !os.IsNotExist(err) {
			t.Errorf("%s written after a failed query (%v)", f.Path, err)
		}
	}
}

// Without a record from prepare (a bake that failed before it), cleanup
// removes no key: it cannot tell the image's own from the bake's.
func TestCleanupStepRemovesNoRPMKeyWithoutPreparesRecord(t *testing.T) {
	dir := t.TempDir()
	d := scriptData{Bake: "k2", Type: RPM, LockTimeout: 5, DNF: "dnf", Root: filepath.Join(dir, "root"),
		RPMPubkeys: []string{"gpg-pubkey-22222222-6b14df4c"}}
	stage := filepath.Join(dir, "stage")
	if err := os.MkdirAll(stage, 0o700); err != nil {
		t.Fatal(err)
	}
	removed := filepath.Join(dir, "removed")
	out, _, err := runScript(t, stage, d, map[string]string{"rpm": `case "$1" in -e) echo "$*" >> ` + removed + ";; esac"}, "cleanup")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if log, _ := os.ReadFile(removed); len(log) > 0 {
		t.Errorf("cleanup without prepare's record removed %q", log)
	}
}
