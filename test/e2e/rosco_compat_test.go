//go:build e2e

package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// TestRoscoHCL2TemplatesPacker110 follows the migration guide's image recipe on the Packer line
// Rosco ships (1.10): the binary `make release-binary` builds from this checkout, installed with
// `packer plugins install --path` next to the amazon and docker plugins, then `packer init` and
// Rosco's `packer validate` of every HCL2 template. A -dev build would fail here: Packer 1.10 does
// not count it as `>= 0.1.0` and reports "Missing plugins".
//
// PACKER_COMPAT_BIN is the Packer 1.10.3 that `make packer-compat` builds (make test and
// make e2e-packer-compat set it).
func TestRoscoHCL2TemplatesPacker110(t *testing.T) {
	compat := os.Getenv("PACKER_COMPAT_BIN")
	if compat == "" {
		harness.Unavailable(t, errors.New("PACKER_COMPAT_BIN is not set (make test sets it; `make packer-compat` builds Packer 1.10.3)"))
	}
	base := harness.NewPacker(t, harness.WithoutPlugin(), harness.WithPackerBinary(compat))
	if v, err := exec.Command(base.Bin, "version").CombinedOutput(); err != nil || !regexp.MustCompile(`Packer v1\.10\.`).Match(v) {
		t.Fatalf("%s is not Packer 1.10 (%v): %s", base.Bin, err, v)
	}
	// An empty plugin directory, as in a fresh image; WithPlugins adds the third-party plugins.
	if err := os.MkdirAll(base.PluginDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := base.WithPlugins(t, harness.AmazonPlugin(), harness.DockerPlugin())

	binary := filepath.Join(t.TempDir(), "packer-plugin-spinnaker")
	build := exec.Command("make", "--no-print-directory", "release-binary", "BINARY="+binary)
	build.Dir = repoDir(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make release-binary: %v\n%s", err, out)
	}
	install := exec.Command(p.Bin, "plugins", "install", "--path", binary, "github.com/spinnaker-bakery/spinnaker")
	install.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "PACKER_PLUGIN_PATH="+p.PluginDir,
		"PACKER_CONFIG_DIR="+filepath.Join(t.TempDir(), "config"))
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("packer plugins install --path: %v\n%s", err, out)
	}

	configDir := roscoConfigDir(t)
	variants := roscoVariantParams(t, configDir)
	var templates []string
	for _, tmpl := range roscoTemplates {
		templates = append(templates, tmpl.name)
	}
	for name := range variants {
		templates = append(templates, name)
	}
	for _, name := range templates {
		file := name + ".pkr.hcl"
		t.Run(file, func(t *testing.T) {
			// Offline, so init passes only if every required plugin is already installed.
			if out, err := p.Run(t, filepath.Join(configDir, file), "init"); err != nil {
				t.Fatalf("packer init %s: %v\n%s", file, err, out)
			}
			var argv []string
			if params, ok := variants[name]; ok {
				argv = rosco.PackerCommand(rosco.PackerInvocation{Parameters: params, Template: filepath.Join(configDir, file)})
			} else {
				argv = realisticBake(configDir, file).argv(t)
			}
			if err := validateAsRosco(t, p, argv, ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}
