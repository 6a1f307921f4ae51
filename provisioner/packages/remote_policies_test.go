package packages

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests pin how remote.sh spells each package-manager call and what
// its prepare and cleanup steps touch, against fake commands: each one
// fails when a flag, a scope or a condition of the script is broken.

func onlyCall(t *testing.T, calls []string, prefix string) string {
	t.Helper()
	var found []string
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%q calls %q, want one", prefix, found)
	}
	return found[0]
}

func wantArgs(t *testing.T, call string, want, unwanted []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(call, w) {
			t.Errorf("call lacks %q: %s", w, call)
		}
	}
	for _, u := range unwanted {
		if strings.Contains(call, u) {
			t.Errorf("call has %q: %s", u, call)
		}
	}
}

func debData(t *testing.T) scriptData {
	t.Helper()
	repos := []sourceRepo{{URL: mustURL("http://10.0.0.1/apt/"), Distribution: "./"}}
	return scriptData{Bake: "p1", Type: Deb, LockTimeout: 9, Root: t.TempDir(),
		Layout: layoutRepositories(Deb, "p1", repos, [][]byte{[]byte(testKey)})}
}

// A scoped update reads only the bake's sources file, fails on any fetch
// error of it, and builds no cache; a full one reads every source.
func TestUpdateStepScope(t *testing.T) {
	d := debData(t)
	scopedOnly := []string{"-o Dir::Etc::sourcelist=" + d.Layout.SourcesList, "-o Dir::Etc::sourceparts=-", "-o APT::Update::Error-Mode=any", "-o pkgCacheFile::Generate=false"}
	common := []string{"-o DPkg::Lock::Timeout=9", "-o Acquire::Retries=3", " update"}
	_, calls, err := runScript(t, t.TempDir(), d, map[string]string{"apt-get": "exit 0"}, "--in-batch", "apt_update", "scoped")
	if err != nil {
		t.Fatal(err)
	}
	wantArgs(t, onlyCall(t, calls, "apt-get "), append(scopedOnly, common...), nil)
	_, calls, err = runScript(t, t.TempDir(), d, map[string]string{"apt-get": "exit 0"}, "--in-batch", "apt_update", "full")
	if err != nil {
		t.Fatal(err)
	}
	wantArgs(t, onlyCall(t, calls, "apt-get "), common, scopedOnly)
}

// Resolution downloads only, never removes, and is scoped when asked.
func TestResolveStepScopeAndRemovals(t *testing.T) {
	d := debData(t)
	if err := os.MkdirAll(filepath.Join(d.Root, "var/cache/apt"), 0o755); err != nil {
		t.Fatal(err)
	}
	scope := []string{"-o Dir::Etc::sourcelist=" + d.Layout.SourcesList, "-o Dir::Etc::sourceparts=-"}
	always := []string{"--no-remove", "--download-only install hello=1.0", "-o Dir::Cache::Archives=" + filepath.Join(d.Root, "var/cache/apt", filePrefix("p1")) + "/", "-o DPkg::Lock::Timeout=9"}
	for _, c := range []struct {
		scope    string
		want, no []string
	}{{"scoped", append(scope, always...), nil}, {"full", always, scope}} {
		_, calls, err := runScript(t, t.TempDir(), d, map[string]string{"apt-get": "exit 0"}, "--in-batch", "apt_resolve", c.scope, "hello=1.0")
		if err != nil {
			t.Fatal(err)
		}
		wantArgs(t, onlyCall(t, calls, "apt-get "), c.want, c.no)
	}
}

// The planner orders installs by what each package needs: dpkg-deb must be
// asked for every relation field it reads.
func TestResolveReadsEveryRelationField(t *testing.T) {
	d := debData(t)
	if err := os.MkdirAll(filepath.Join(d.Root, "var/cache/apt"), 0o755); err != nil {
		t.Fatal(err)
	}
	aptGet := `for a in "$@"; do case "$a" in Dir::Cache::Archives=*) d=${a#*=};; esac; done; : > "$d/hello_1.0_all.deb"`
	_, calls, err := runScript(t, t.TempDir(), d, map[string]string{"apt-get": aptGet, "dpkg-deb": "exit 0"}, "--in-batch", "apt_resolve", "scoped", "hello=1.0")
	if err != nil {
		t.Fatal(err)
	}
	wantArgs(t, onlyCall(t, calls, "dpkg-deb "), []string{"-f ", "hello_1.0_all.deb Package Version Architecture Pre-Depends Depends Recommends Provides"}, nil)
}

// dnf refreshes only the bake's repositories.
func TestDnfRefreshOnlyTheAddedRepositories(t *testing.T) {
	d := scriptData{Bake: "p2", Type: RPM, LockTimeout: 5, DNF: "dnf", Root: t.TempDir(),
		Layout: layoutRepositories(RPM, "p2", []sourceRepo{{URL: mustURL("http://10.0.0.1/rpm/")}, {URL: mustURL("http://10.0.0.2/rpm/")}}, [][]byte{nil, nil})}
	_, calls, err := runScript(t, t.TempDir(), d, map[string]string{"dnf": "exit 0"}, "--in-batch", "dnf_refresh")
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Join(d.Layout.DNFRepoIDs, ",")
	if len(d.Layout.DNFRepoIDs) != 2 {
		t.Fatalf("repository ids %q", d.Layout.DNFRepoIDs)
	}
	if got, want := onlyCall(t, calls, "dnf "), "dnf -y --disablerepo=* --enablerepo="+ids+" makecache"; got != want {
		t.Errorf("dnf call %q, want %q", got, want)
	}
}

// policy-rc.d is written only for a deb bake that disables services.
func TestPrepareWritesPolicyRcdOnlyWhenItStopsServices(t *testing.T) {
	for _, c := range []struct {
		name    string
		typ     PackageType
		disable bool
		want    bool
	}{{"deb, disable_services", Deb, true, true}, {"deb, services may start", Deb, false, false}, {"rpm", RPM, true, false}} {
		d := debData(t)
		d.Type, d.DisableServices = c.typ, c.disable
		if c.typ == RPM {
			d.DNF, d.Layout = "dnf", layoutRepositories(RPM, "p1", []sourceRepo{{URL: mustURL("http://10.0.0.1/rpm/")}}, [][]byte{nil})
		}
		if err := os.MkdirAll(filepath.Join(d.Root, "usr/sbin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, _, err := runScript(t, t.TempDir(), d, nil, "--in-batch", "prepare"); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		if _, err := os.Stat(filepath.Join(d.Root, "usr/sbin/policy-rc.d")); (err == nil) != c.want {
			t.Errorf("%s: policy-rc.d written=%v, want %v", c.name, err == nil, c.want)
		}
	}
}

// Cleanup removes only the policy-rc.d this bake wrote: an image's own one
// that the bake left alone stays.
func TestCleanupKeepsAnImagesPolicyRcdItDidNotWrite(t *testing.T) {
	d := debData(t)
	policy := filepath.Join(d.Root, "usr/sbin/policy-rc.d")
	if err := os.MkdirAll(filepath.Dir(policy), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, []byte("#!/bin/sh\n# the image's own\nexit 101\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runScript(t, t.TempDir(), d, nil, "cleanup"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got, err := os.ReadFile(policy); err != nil || !strings.Contains(string(got), "the image's own") {
		t.Errorf("the image's policy-rc.d after cleanup: %q (%v)", got, err)
	}
}

// Cleanup removes the bake's download directory and the dnf caches of the
// bake's repositories (unless keep_repositories), and nothing else there.
func TestCleanupRemovesDownloadsAndTheBakesDnfCaches(t *testing.T) {
	for _, keep := range []bool{false, true} {
		root := t.TempDir()
		d := scriptData{Bake: "p3", Type: RPM, LockTimeout: 5, DNF: "dnf", Root: root, KeepRepos: keep,
			Layout: layoutRepositories(RPM, "p3", []sourceRepo{{URL: mustURL("http://10.0.0.1/rpm/")}}, [][]byte{nil})}
		id := d.Layout.DNFRepoIDs[0]
		debDir := filepath.Join(root, "var/cache/apt", filePrefix("p3"))
		ours := []string{filepath.Join(root, "var/cache/dnf", id+"-0123abcd", "repodata"), filepath.Join(root, "var/cache/dnf", id+".solv")}
		theirs := filepath.Join(root, "var/cache/dnf", "baseos-4567ef", "repodata")
		for _, dir := range append([]string{debDir, theirs}, filepath.Dir(ours[1]), ours[0]) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(ours[1], nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, _, err := runScript(t, t.TempDir(), d, nil, "cleanup"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if _, err := os.Stat(debDir); !os.IsNotExist(err) {
			t.Errorf("keep=%v: the download directory is left (%v)", keep, err)
		}
		for _, p := range ours {
			if _, err := os.Stat(p); (err == nil) != keep {
				t.Errorf("keep=%v: %s kept=%v", keep, p, err == nil)
			}
		}
		if _, err := os.Stat(theirs); err != nil {
			t.Errorf("keep=%v: another repository's dnf cache was removed: %v", keep, err)
		}
	}
}

// A cancelled step is asked to stop (TERM) before it is killed, so that apt
// and dpkg can release their locks.
func TestCleanupStopsTheInterruptedStepWithTerm(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Fatal("setsid (util-linux) is needed to start a step in a session of its own")
	}
	stage := t.TempDir()
	got := filepath.Join(t.TempDir(), "got") // cleanup removes the stage
	step := exec.Command("setsid", "sh", "-c", `trap 'echo TERM > "$0"; exit 0' TERM; while :; do sleep 0.1; done`, got)
	if err := step.Start(); err != nil {
		t.Fatal(err)
	}
	// Reaped as soon as it ends: a zombie would still count as running.
	done := make(chan struct{})
	go func() { _ = step.Wait(); close(done) }()
	defer func() { _ = syscall.Kill(-step.Process.Pid, syscall.SIGKILL); <-done }()
	if err := os.WriteFile(filepath.Join(stage, "step.pid"), []byte(strconv.Itoa(step.Process.Pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the trap is set
	d := debData(t)
	d.Stage = stage
	out, _, err := runScript(t, stage, d, nil, "cleanup")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	<-done
	if b, err := os.ReadFile(got); err != nil || strings.TrimSpace(string(b)) != "TERM" {
		t.Errorf("the interrupted step saw %q (%v), want TERM", b, err)
	}
}

// cloud-init's "finished with recoverable errors" (2) is a finish; any
// other failure is reported and the bake goes on.
func TestCloudInitStepAcceptsRecoverableErrors(t *testing.T) {
	for rc, warns := range map[int]bool{0: false, 2: false, 1: true} {
		out, _, err := runLibrary(t, map[string]string{"cloud-init": "exit " + strconv.Itoa(rc)}, "--in-batch", "cloud_init")
		if err != nil {
			t.Fatalf("rc %d: %v\n%s", rc, err, out)
		}
		if got := strings.Contains(out, "warning: cloud-init status --wait exited"); got != warns {
			t.Errorf("rc %d: warning printed=%v, want %v:\n%s", rc, got, warns, out)
		}
	}
}
