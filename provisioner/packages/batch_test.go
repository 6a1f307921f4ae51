package packages

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestChainPlan(t *testing.T) {
	repo := sourceRepo{URL: mustURL("http://r/apt"), Distribution: "./"}
	pkgs := []PackageSpec{{Name: "a", Version: "1-1"}}
	funcs := func(batches [][]step) [][]string {
		var out [][]string
		for _, b := range batches {
			var f []string
			for _, s := range b {
				f = append(f, s.Func)
			}
			out = append(out, f)
		}
		return out
	}
	ordered := buildPlan(&request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: pkgs, Order: Ordered, Units: []string{"a.service"}}, planOptions{ScopedUpdate: true})
	if got, want := funcs(chainPlan(ordered)), [][]string{{"prepare", "apt_update", "apt_resolve"}, {"enable", "verify"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ordered deb: %q, want %q (the installs depend on the resolution)", got, want)
	}
	single := buildPlan(&request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: pkgs, Order: SingleTransaction}, planOptions{})
	if got, want := funcs(chainPlan(single)), [][]string{{"prepare", "apt_update", "apt_resolve"}, {"verify"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("single transaction: %q, want %q (the install depends on the resolution too)", got, want)
	}
}

// runBatch runs a batch command with the host's sh against a stand-in
// bake script that prints its step and fails for the step "fail".
func runBatch(t *testing.T, spec batchSpec) (lines []string, exit int) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "run.sh")
	script := "[ \"$1\" = --in-batch ] && shift; echo \"ran $1 $2\"; [ \"$1\" = fail ] && { echo 'it failed' >&2; exit 3; }; exit 0\n"
	spec.ScriptPath, spec.Stage = path, dir
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range spec.Steps {
		spec.Steps[i].id = 10 + i
	}
	cmd := exec.Command("sh", "-c", batchCommand(spec))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if spec.Session {
		if pid, err := os.ReadFile(filepath.Join(dir, "step.pid")); err != nil || len(strings.TrimSpace(string(pid))) == 0 {
			t.Errorf("the batch did not record its session: %q, %v", pid, err)
		}
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n"), exit
}

func TestBatchCommand(t *testing.T) {
	steps := []step{{Func: "prepare"}, {Func: "apt_update", Args: []string{"it's"}}, {Func: "fail"}, {Func: "verify"}}
	lines, exit := runBatch(t, batchSpec{Steps: steps})
	want := []string{"@@step 10", "ran prepare ", "@@step 11", "ran apt_update it's", "@@step 12", "ran fail ", "it failed"}
	if !reflect.DeepEqual(lines, want) || exit != 3 {
		t.Errorf("output %q exit %d\nwant %q exit 3 (the batch stops at the failed step and keeps its status)", lines, exit, want)
	}
	before, parts, _, cleaned := splitBatch(lines, steps)
	if len(before) != 0 || cleaned || !reflect.DeepEqual(parts, [][]string{{"ran prepare "}, {"ran apt_update it's"}, {"ran fail ", "it failed"}}) {
		t.Errorf("split: before %q, parts %q", before, parts)
	}

	lines, exit = runBatch(t, batchSpec{Steps: steps[:2]})
	if len(lines) != 4 || exit != 0 {
		t.Errorf("two steps: %q exit %d", lines, exit)
	}
}

func TestBatchEndsWithCleanup(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		// util-linux is essential on Debian; the bake relies on setsid the same way.
		t.Fatal("setsid (util-linux) is missing")
	}
	steps := []step{{Func: "prepare"}, {Func: "fail"}, {Func: "verify"}}
	// The cleanup runs after a failed step, and the batch keeps the
	// step's status.
	lines, exit := runBatch(t, batchSpec{Steps: steps, Session: true, Cleanup: true})
	want := []string{"@@step 10", "ran prepare ", "@@step 11", "ran fail ", "it failed", cleanupMarker, "ran cleanup ", cleanedMarker}
	if !reflect.DeepEqual(lines, want) || exit != 3 {
		t.Errorf("output %q exit %d\nwant %q exit 3", lines, exit, want)
	}
	_, parts, cleanup, cleaned := splitBatch(lines, steps)
	if len(parts) != 2 || !reflect.DeepEqual(parts[1], []string{"ran fail ", "it failed"}) || !reflect.DeepEqual(cleanup, []string{"ran cleanup "}) || !cleaned {
		t.Errorf("split: parts %q, cleanup %q, cleaned %v", parts, cleanup, cleaned)
	}
	lines, exit = runBatch(t, batchSpec{Steps: []step{{Func: "verify"}}, Session: true, Cleanup: true})
	if exit != 0 || lines[len(lines)-1] != cleanedMarker {
		t.Errorf("after success: %q exit %d", lines, exit)
	}
}

func TestNeverRetried(t *testing.T) {
	if !neverRetried([]step{{Kind: kindUpdate}, {Kind: kindInstall}, {Kind: kindGroups}, {Kind: kindPlain}, {Kind: kindVerify}}) {
		t.Error("updates, installs, enable and verify never run twice")
	}
	if neverRetried([]step{{Kind: kindVerify}, {Kind: kindDebOrdered}}) {
		t.Error("a resolution may be followed by a wider one: the cleanup must not precede it")
	}
}
