//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/hashicorp/packer-plugin-sdk/chroot"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/provisioner/packages"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// Rosco's aws-chroot templates run the provisioner under amazon-chroot, whose communicator is
// the SDK's chroot communicator (commands run on the build host through `chroot <root>`) and
// whose builds carry no communicator configuration, so Packer sets no ConnType. This drives the
// provisioner exactly that way against a harness rootfs that has no systemd running.
func TestProvisionerInProcessChrootCommunicator(t *testing.T) {
	tg := harness.NewTarget(t, harness.Chroot)
	comm := &chroot.Communicator{
		Chroot: tg.Root,
		// amazon-chroot wraps commands with `sudo`; the tests already run as root.
		CmdWrapper: func(command string) (string, error) { return command, nil },
	}
	var p packages.Provisioner
	if err := p.Prepare(map[string]interface{}{
		"package_type": "deb",
		"repositories": []interface{}{map[string]interface{}{"url": tg.Repos.AptSigned, "key": tg.Repos.RepoKey.Armored}},
		"packages":     "hello-svc=1.0.0-h5 hello-auto",
		"services":     []interface{}{"hello-svc"},
	}); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	ui := &harness.RecordingUI{}
	generatedData := map[string]interface{}{"ID": "chroot", "PackerRunUUID": "run"} // no ConnType
	if err := p.Provision(context.Background(), ui, comm, generatedData); err != nil {
		t.Fatalf("Provision through the chroot communicator: %v\n%s", err, ui)
	}

	if v := tg.PackageVersion(t, "hello-svc"); v != "1.0.0-h5" {
		t.Errorf("hello-svc is %q, want 1.0.0-h5", v)
	}
	for _, unit := range []string{"hello-svc.service", "hello-auto.service"} {
		if enabled, _ := tg.UnitState(t, unit); enabled != "enabled" {
			t.Errorf("%s is %q, want enabled", unit, enabled)
		}
	}
	if tg.FileExists(t, "/tmp/hello-auto-started") {
		t.Error("hello-auto was started inside the chroot")
	}
	assertCleanedUp(t, tg)
}
