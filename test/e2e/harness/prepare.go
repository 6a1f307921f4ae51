//go:build linux

package harness

import "fmt"

// Prepare builds, ahead of the first test, what targets of the given kinds
// need (golden rootfs, rpm layer, fixtures), so that the first test's
// timings are not dominated by a cold cache. It is optional: NewTarget
// builds the same things lazily.
func (e *Env) Prepare(t T, kinds ...Kind) {
	t.Helper()
	e.require(t)
	if _, err := e.lowerDirs(t, kinds...); err != nil {
		t.Fatalf("prepare e2e targets: %v", err)
	}
	if _, err := e.Fixtures(t); err != nil {
		t.Fatalf("prepare e2e fixtures: %v", err)
	}
}

// lowerDirs builds the layers for kinds and returns the overlay lowerdir
// option of the last one.
func (e *Env) lowerDirs(t T, kinds ...Kind) (string, error) {
	t.Helper()
	var lower string
	for _, k := range kinds {
		golden, err := e.goldenRootfs(t)
		if err != nil {
			return "", err
		}
		switch k {
		case Debian, Chroot:
			lower = golden
		case RPM:
			layer, err := e.rpmLayerDir(t)
			if err != nil {
				return "", err
			}
			lower = layer + ":" + golden
		default:
			return "", fmt.Errorf("unknown target kind %d", k)
		}
	}
	return lower, nil
}
