package packages

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runLibrary runs one step of the rendered bake script with the host's sh,
// fake package-manager commands first on PATH, and a temporary staging
// directory. The fakes append their arguments to calls.log.
func runLibrary(t *testing.T, fakes map[string]string, args ...string) (string, []string, error) {
	t.Helper()
	return runScript(t, t.TempDir(), scriptData{Bake: "t1", Type: Deb, LockTimeout: 5}, fakes, args...)
}

// runScript is runLibrary with the script's data given, staged in dir.
func runScript(t *testing.T, dir string, d scriptData, fakes map[string]string, args ...string) (string, []string, error) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(dir, "calls.log")
	for name, body := range fakes {
		// printf, not echo: dash's echo would turn a "\n" in an argument
		// into a line break of the log.
		script := "#!/bin/sh\nprintf '%s\\n' \"" + name + " $*\" >> " + calls + "\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d.Stage = dir
	script := renderScript(d)
	path := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "LOCK_POLL=0.1")
	out, err := cmd.CombinedOutput()
	data, _ := os.ReadFile(calls)
	return string(out), strings.Split(strings.TrimSpace(string(data)), "\n"), err
}

func TestDpkgGroupsStep(t *testing.T) {
	stage := t.TempDir()
	// apt-mark sees no source: an empty list and an empty directory of the
	// bake (it warns about /dev/null and "-").
	noSources := fmt.Sprintf(`test -f %[1]s/no-sources.list && test ! -s %[1]s/no-sources.list && test -d %[1]s/no-sources.d`, stage)
	out, calls, err := runScript(t, stage, scriptData{Bake: "t1", Type: Deb, LockTimeout: 5}, map[string]string{"dpkg": "exit 0", "apt-mark": noSources},
		"dpkg_groups", "--group", "a=1(dependency),b=2", "/c/a_1_all.deb", "/c/b_2_all.deb", "--group", "c=3", "/c/c_3_all.deb", "--auto", "a")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []string{
		"dpkg --force-confold --force-confdef -i /c/a_1_all.deb /c/b_2_all.deb",
		"dpkg --force-confold --force-confdef -i /c/c_3_all.deb",
		"apt-mark -o Dir::Etc::sourcelist=" + stage + "/no-sources.list -o Dir::Etc::sourceparts=" + stage + "/no-sources.d -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= auto a",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out, "@@phase install a=1(dependency),b=2\n") || !strings.Contains(out, "@@phase install c=3\n") {
		t.Errorf("phases not announced:\n%s", out)
	}
}

func TestDpkgGroupsStopsAtFirstFailure(t *testing.T) {
	_, calls, err := runLibrary(t, map[string]string{"dpkg": "exit 1", "apt-mark": "exit 0"},
		"dpkg_groups", "--group", "a=1", "/c/a.deb", "--group", "b=2", "/c/b.deb")
	if err == nil {
		t.Fatal("a failed dpkg did not fail the step")
	}
	if len(calls) != 1 {
		t.Errorf("dpkg ran %d times after a failure, want 1: %q", len(calls), calls)
	}
}

func TestDpkgGroupsWaitsForLock(t *testing.T) {
	// The fake dpkg is locked out twice, then succeeds.
	fake := `n=$(grep -c '^dpkg' "$(dirname "$0")/../calls.log")
if [ "$n" -le 2 ]; then echo "dpkg: error: dpkg frontend lock was locked by another process with pid 42" >&2; exit 2; fi
exit 0`
	out, calls, err := runLibrary(t, map[string]string{"dpkg": fake}, "dpkg_groups", "--group", "a=1", "/c/a.deb")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(calls) != 3 || !strings.Contains(out, "waiting for the dpkg lock") {
		t.Errorf("calls %q, output:\n%s", calls, out)
	}
	// Locked for good: the step gives up after LOCK_TIMEOUT (5 s here).
	if testing.Short() {
		return
	}
	out, _, err = runLibrary(t, map[string]string{"dpkg": "echo 'dpkg: error: dpkg frontend lock was locked by another process with pid 42' >&2; exit 2"},
		"dpkg_groups", "--group", "a=1", "/c/a.deb")
	if err == nil || !strings.Contains(out, "longer than lock_timeout (5s)") {
		t.Errorf("err %v, output:\n%s", err, out)
	}
}

// One query covers every package, whatever the list's length; a package
// the target does not know is left for the provisioner to report, and does
// not fail the step.
func TestVerifyStep(t *testing.T) {
	out, calls, err := runLibrary(t, map[string]string{
		"dpkg":       `echo amd64`,
		"dpkg-query": `for a in "$@"; do case "$a" in hello-svc) echo '@@package hello-svc:amd64 ii |1.0.0-h5' ;; esac; done; exit 1`,
		"systemctl":  `case "$1" in is-enabled) echo enabled ;; is-active) echo inactive ;; esac`,
	}, "verify", "deb", "hello-svc", "gone", "--units", "hello-svc.service")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var queries []string
	for _, c := range calls {
		if strings.HasPrefix(c, "dpkg-query ") {
			queries = append(queries, c)
		}
	}
	if len(queries) != 1 || !strings.HasSuffix(queries[0], " hello-svc gone") || !strings.Contains(queries[0], "${Package}:${Architecture}") {
		t.Errorf("dpkg-query calls %q, want one for both packages, naming the architecture", queries)
	}
	pkgs, units := parseVerifyOutput(out)
	if p, ok := pkgs.find(Deb, PackageSpec{Name: "hello-svc"}); !ok || !p.Installed || p.Version != "1.0.0-h5" {
		t.Errorf("hello-svc: %+v", p)
	}
	if p, ok := pkgs.find(Deb, PackageSpec{Name: "gone"}); ok {
		t.Errorf("gone: %+v", p)
	}
	if u := units["hello-svc.service"]; u.Enabled != "enabled" || (u.Active != "inactive" && u.Active != "not-booted") {
		t.Errorf("unit: %+v", u)
	}

	d := scriptData{Bake: "t1", Type: RPM, LockTimeout: 5, DNF: "dnf"}
	out, calls, err = runScript(t, t.TempDir(), d, map[string]string{
		"rpm": `for a in "$@"; do case "$a" in hello) echo '@@package hello:x86_64 ii|0:1.0-1' ;; gone) echo 'package gone is not installed' ;; esac; done; exit 1`,
	}, "--in-batch", "verify", "rpm", "hello", "gone")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(calls) != 1 || !strings.HasSuffix(calls[0], " hello gone") {
		t.Errorf("rpm calls %q, want one for both packages", calls)
	}
	if strings.Contains(out, "is not installed") {
		t.Errorf("rpm's own line for an unknown package reached the output:\n%s", out)
	}
	pkgs, _ = parseVerifyOutput(out)
	if p, ok := pkgs.find(RPM, PackageSpec{Name: "hello"}); !ok || !p.Installed || p.Version != "0:1.0-1" {
		t.Errorf("hello: %+v", p)
	}
	if _, ok := pkgs.find(RPM, PackageSpec{Name: "gone"}); ok {
		t.Errorf("gone found")
	}
}

// A query that fails for another reason than an unknown package fails the
// step with its own message, instead of reporting every package missing.
func TestVerifyStepFailsWhenTheDatabaseQueryBreaks(t *testing.T) {
	out, _, err := runLibrary(t, map[string]string{
		"dpkg":       `echo amd64`,
		"dpkg-query": `echo "dpkg-query: error: parsing file '/var/lib/dpkg/status' near line 7: newline in field name" >&2; exit 2`,
	}, "--in-batch", "verify", "deb", "hello-svc")
	if err == nil || !strings.Contains(out, "newline in field name") || !strings.Contains(out, "dpkg-query failed with exit status 2") {
		t.Errorf("deb: err %v, output:\n%s", err, out)
	}
	d := scriptData{Bake: "t1", Type: RPM, LockTimeout: 5, DNF: "dnf"}
	out, _, err = runScript(t, t.TempDir(), d, map[string]string{
		"rpm": `echo "error: rpmdb: BDB0113 Thread/process 42 failed" >&2; echo "error: cannot open Packages index using db5" >&2; exit 1`,
	}, "--in-batch", "verify", "rpm", "hello")
	if err == nil || !strings.Contains(out, "BDB0113") || !strings.Contains(out, "rpm -q failed with exit status 1") {
		t.Errorf("rpm: err %v, output:\n%s", err, out)
	}
	// A warning on a healthy database is shown, not taken for a failure;
	// the exit status counts the unknown packages.
	out, _, err = runScript(t, t.TempDir(), d, map[string]string{
		"rpm": `echo "warning: Found bdb_ro Packages database while attempting sqlite backend" >&2; echo '@@package hello:x86_64 ii|0:1.0-1'; echo 'package gone is not installed'; exit 1`,
	}, "--in-batch", "verify", "rpm", "hello", "gone")
	if err != nil || !strings.Contains(out, "@@package hello:x86_64") || !strings.Contains(out, "Found bdb_ro") {
		t.Errorf("rpm warning: err %v, output:\n%s", err, out)
	}
}
