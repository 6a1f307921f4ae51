//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// With communicator = "none" Packer hands the provisioner a communicator that runs nothing and
// reports success; the bake must fail instead of reporting installs that never happened.
func TestPackagesRefuseABuildWithoutCommunicator(t *testing.T) {
	dir := t.TempDir()
	template := `
source "null" "none" {
  communicator = "none"
}

build {
  sources = ["source.null.none"]
  provisioner "spinnaker-packages" {
    package_type = "deb"
    packages     = "hello-svc=1.0.0-h5"
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "build.pkr.hcl"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := harness.NewPacker(t).Build(t, dir)
	if err == nil {
		t.Fatalf("packer build succeeded without a communicator:\n%s", out)
	}
	if !strings.Contains(out, `communicator = "none"`) {
		t.Errorf("the failure does not explain the missing communicator:\n%s", out)
	}
}
