//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// deferredCleanupT collects cleanups instead of running them at the end of
// the test, so a test can look at a target's resources "leaked" and then
// clean them up itself.
type deferredCleanupT struct {
	*testing.T
	cleanups []func()
}

func (d *deferredCleanupT) Cleanup(f func()) { d.cleanups = append(d.cleanups, f) }

func (d *deferredCleanupT) runCleanups() {
	for i := len(d.cleanups) - 1; i >= 0; i-- {
		d.cleanups[i]()
	}
	d.cleanups = nil
}

// TestHarnessLeakCheck proves the after-suite leak check sees what a
// target holds (mounts, netns, veth, processes) and that the target's
// cleanups remove all of it.
func TestHarnessLeakCheck(t *testing.T) {
	if err := harness.CheckLeaks(); err != nil {
		t.Fatalf("leaks before the test started: %v", err)
	}
	dt := &deferredCleanupT{T: t}
	defer dt.runCleanups()
	harness.NewTarget(dt, harness.Debian)
	harness.NewTarget(dt, harness.Chroot)

	err := harness.CheckLeaks()
	if err == nil {
		t.Fatal("leak check passed while two targets were running")
	}
	for _, want := range []string{"mount ", "netns spke2e-", "veth spke2e-h", "process "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("leak report lacks %q: %v", want, err)
		}
	}
	dt.runCleanups()
	if err := harness.CheckLeaks(); err != nil {
		t.Errorf("leaks after the targets' cleanups: %v", err)
	}
}
