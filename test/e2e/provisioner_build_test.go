//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// These tests run the provisioner through a real `packer build` (null
// builder, SSH communicator) against booted Debian and EL9-style targets and
// a chroot target, then inspect the target over SSH.

// buildHCL builds an HCL2 template with one spinnaker-packages provisioner.
func buildHCL(t *testing.T, p *harness.Packer, tg *harness.Target, user, body string, args ...string) (string, error) {
	t.Helper()
	template := tg.NullSourceAs("target", user) + `
build {
  sources = ["source.null.target"]
  provisioner "spinnaker-packages" {
` + body + `
  }
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bake.pkr.hcl"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	return p.Build(t, dir, args...)
}

// buildJSON builds a legacy JSON template with one spinnaker-packages
// provisioner whose settings are prov (variables may use {{user `x`}}).
func buildJSON(t *testing.T, p *harness.Packer, tg *harness.Target, user string, variables map[string]string, prov map[string]interface{}, args ...string) (string, error) {
	t.Helper()
	prov["type"] = "spinnaker-packages"
	template := map[string]interface{}{
		"variables": variables,
		"builders": []interface{}{map[string]interface{}{
			"type": "null", "communicator": "ssh", "ssh_host": tg.Addr, "ssh_port": tg.SSHPort,
			"ssh_username": user, "ssh_private_key_file": tg.KeyFile, "ssh_timeout": "1m",
			// Rosco's EBS templates run their provisioner over a pty (requiretty on EL).
			"ssh_pty": true,
		}},
		"provisioners": []interface{}{prov},
	}
	data, err := json.MarshalIndent(template, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bake.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p.Build(t, path, args...)
}

func mustSucceed(t *testing.T, out string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("packer build failed: %v\n%s", err, out)
	}
}

func mustFail(t *testing.T, out string, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("packer build succeeded, want a failure\n%s", out)
	}
	// Packer wraps long error lines: compare with runs of whitespace collapsed too.
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range want {
		if !strings.Contains(out, w) && !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("build output lacks %q:\n%s", w, out)
		}
	}
}

func wantVersion(t *testing.T, tg *harness.Target, pkg, version string) {
	t.Helper()
	if got := tg.PackageVersion(t, pkg); got != version {
		t.Errorf("%s installed version = %q, want %q", pkg, got, version)
	}
}

func wantUnit(t *testing.T, tg *harness.Target, unit, enabled, active string) {
	t.Helper()
	if en, act := tg.UnitState(t, unit); en != enabled || act != active {
		t.Errorf("%s: %s/%s, want %s/%s", unit, en, act, enabled, active)
	}
}

// wantAutoInstalled checks that apt sees exactly these packages as
// installed automatically (dependencies), as after an apt-get install.
func wantAutoInstalled(t *testing.T, tg *harness.Target, pkgs ...string) {
	t.Helper()
	got := strings.Fields(tg.MustRun(t, "apt-mark showauto 'hello-*'"))
	if strings.Join(got, " ") != strings.Join(pkgs, " ") {
		t.Errorf("automatically installed: %q, want %q", got, pkgs)
	}
}

// wantNotStarted checks that no fixture service ran during the bake.
func wantNotStarted(t *testing.T, tg *harness.Target) {
	t.Helper()
	for _, p := range harness.FixturePackages() {
		if p.Service != "" && tg.FileExists(t, p.StartedMarker()) {
			t.Errorf("%s was started during the bake", p.Service)
		}
	}
}

func TestPackagesDebianHCL2KeyURLOrdered(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	artifacts := filepath.Join(t.TempDir(), "artifacts.json")
	ref := fmt.Sprintf(`[{"type":"deb","name":"hello-rosco","reference":"[trusted=yes] %s ./ hello-rosco_1.0.0-h7_all"}]`, tg.Repos.AptUnsigned)
	if err := os.WriteFile(artifacts, []byte(ref), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildHCL(t, p, tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
      name            = "fixtures"
    }
    package_list   = ["hello-svc=1.0.0-h5", "hello-auto"]
    services       = ["hello-svc"]
    artifacts_file = %q
`, tg.Repos.AptSigned, tg.Repos.KeyURL(tg.Repos.RepoKey), tg.Repos.RepoKey.Fingerprint, artifacts))
	mustSucceed(t, out, err)
	// The pin mattered: 1.0.1-h6 is the repository's candidate.
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantVersion(t, tg, "hello-lib", "1.0.0-h5")
	wantVersion(t, tg, "hello-auto", "1.0.0-h5")
	wantVersion(t, tg, "hello-rosco", "1.0.0-h7")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	wantUnit(t, tg, "hello-auto.service", "enabled", "inactive")
	wantNotStarted(t, tg)
	wantAutoInstalled(t, tg, "hello-lib")
	assertCleanedUp(t, tg)
	for _, line := range []string{"repository=", "package_type=", "packages=", "upgrade=", "summary", "hello-svc.service  enabled    inactive",
		// The artifact's [trusted=yes] is allowed, and named.
		"warning: repository " + tg.Repos.AptUnsigned + " is [trusted=yes]"} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q", line)
		}
	}
	// apt downloads as its sandbox user, not as root, and apt-mark (which
	// marks hello-lib) reads no source list.
	for _, warning := range []string{"unsandboxed", "W: Unable to read"} {
		if strings.Contains(out, warning) {
			t.Errorf("apt warns %q:\n%s", warning, out)
		}
	}
}

func TestPackagesDebianJSONInlineKeySingleTransaction(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	out, err := buildJSON(t, p, tg, "root", nil, map[string]interface{}{
		"repositories":  []interface{}{map[string]interface{}{"url": tg.Repos.AptSigned, "key": tg.Repos.RepoKey.Armored}},
		"packages":      "hello-svc=1.0.0-h5,hello-auto",
		"install_order": "single_transaction",
		"services":      "hello-svc",
	})
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantVersion(t, tg, "hello-auto", "1.0.0-h5")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	wantUnit(t, tg, "hello-auto.service", "enabled", "inactive")
	wantNotStarted(t, tg)
	wantAutoInstalled(t, tg, "hello-lib")
	assertCleanedUp(t, tg)
}

// trustRepoKey installs the fixtures' key the way base images carry their
// vendors' keys, so Rosco-style lines without signed-by verify.
func trustRepoKey(t *testing.T, tg *harness.Target) {
	tg.WriteFile(t, "/etc/apt/trusted.gpg.d/e2e-fixtures.asc", tg.Repos.RepoKey.Armored, 0o644)
}

// roscoEBSProvisioner is the provisioner block of Rosco's aws-ebs.json with
// the shell provisioner swapped for spinnaker-packages.
var roscoEBSProvisioner = map[string]interface{}{
	"repository":   "{{user `repository`}}",
	"package_type": "{{user `package_type`}}",
	"packages":     "{{user `packages`}}",
	"upgrade":      "{{user `upgrade`}}",
}

func TestPackagesDebianRoscoEBSStrings(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	trustRepoKey(t, tg)
	p := harness.NewPacker(t)
	vars := map[string]string{"repository": "", "package_type": "", "packages": "", "upgrade": ""}
	out, err := buildJSON(t, p, tg, "root", vars, copyMap(roscoEBSProvisioner),
		"-var", "repository="+tg.Repos.AptSigned+" ./",
		"-var", "package_type=deb",
		"-var", "packages=hello-rosco_1.0.0-h7_all hello-svc=1.0.0-h5 hello-auto",
		"-var", "upgrade=false")
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-rosco", "1.0.0-h7")
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	// Rosco's disable_services defaults to true: hello-auto's postinst
	// starts its service unless policy-rc.d stops it.
	wantVersion(t, tg, "hello-auto", "1.0.0-h5")
	wantNotStarted(t, tg)
	if !strings.Contains(out, "packages=hello-rosco_1.0.0-h7_all hello-svc=1.0.0-h5 hello-auto") {
		t.Error("Rosco's packages= header line missing")
	}
	assertCleanedUp(t, tg)
}

func TestPackagesChrootRoscoSingleQuotes(t *testing.T) {
	tg := harness.NewTarget(t, harness.Chroot)
	trustRepoKey(t, tg)
	p := harness.NewPacker(t)
	vars := map[string]string{"repository": "", "package_type": "deb", "packages": "", "upgrade": "", "disable_services": "true"}
	// aws-chroot.json wraps repository and packages in literal single quotes.
	prov := map[string]interface{}{
		"repository":       "'{{user `repository`}}'",
		"package_type":     "{{user `package_type`}}",
		"packages":         "'{{user `packages`}}'",
		"upgrade":          "{{user `upgrade`}}",
		"disable_services": "{{user `disable_services`}}",
		"services":         []interface{}{"hello-svc"},
	}
	out, err := buildJSON(t, p, tg, "root", vars, prov,
		"-var", "repository="+tg.Repos.AptSigned+" ./",
		"-var", "packages=hello-svc=1.0.0-h5 hello-auto")
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantUnit(t, tg, "hello-svc.service", "enabled", "offline")
	wantUnit(t, tg, "hello-auto.service", "enabled", "offline")
	wantNotStarted(t, tg)
	if strings.Contains(out, "daemon-reload") || strings.Contains(out, "System has not been booted") {
		t.Errorf("something tried to talk to a systemd that does not run:\n%s", out)
	}
	assertCleanedUp(t, tg)
}

func TestPackagesDebianSudoUser(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	out, err := buildHCL(t, p, tg, tg.SudoUser, fmt.Sprintf(`
    repositories {
      url      = %q
      key_file = %q
    }
    packages = "hello-svc=1.0.0-h5"
    services = ["hello-svc"]
`, tg.Repos.AptSigned, tg.Repos.RepoKey.BinaryFile))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	assertCleanedUp(t, tg)
}

func TestPackagesRPMBooted(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	p := harness.NewPacker(t)
	out, err := buildHCL(t, p, tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-svc-1.0.0-h5"
    services = ["hello-svc"]
`, tg.Repos.RPM, tg.Repos.KeyURL(tg.Repos.RPMKey), tg.Repos.RPMKey.Fingerprint))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantVersion(t, tg, "hello-lib", "1.0.0-h5")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	// dnf imported the repository's key during the bake, and cleanup took
	// it out again (assertCleanedUp checks that it is gone).
	if id := strings.ToLower(tg.Repos.RPMKey.Fingerprint[32:]); !strings.Contains(out, "removing gpg-pubkey-"+id+"-") {
		t.Errorf("cleanup removed no gpg-pubkey-%s:\n%s", id, out)
	}
	assertCleanedUp(t, tg)
	if out := tg.MustRun(t, "ls /var/cache/dnf | grep spinnaker-packages || true"); strings.TrimSpace(out) != "" {
		t.Errorf("dnf cache of the added repository left behind: %s", out)
	}
}

// A key the image trusted before the bake is the image's: cleanup removes
// only the gpg-pubkey packages the bake's dnf imported. (This held before
// prepare read the image's keys in one query; that a failed query records
// nothing is shown by TestPrepareFailsWhenTheImagesKeysCannotBeRead.)
func TestPackagesRPMKeepsAKeyTheImageTrusted(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	tg.WriteFile(t, "/root/vendor-key.asc", tg.Repos.RPMKey.Armored, 0o644)
	tg.MustRun(t, "rpm --import /root/vendor-key.asc")
	keys := func() string { return tg.MustRun(t, "rpm -qa 'gpg-pubkey*' | sort") }
	before := keys()
	id := strings.ToLower(tg.Repos.RPMKey.Fingerprint[32:])
	if !strings.Contains(before, "gpg-pubkey-"+id+"-") {
		t.Fatalf("the image does not trust the key before the bake: %q", before)
	}
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", repoBlockSignedBy(tg, tg.Repos.RPM, tg.Repos.RPMKey)+`
    packages = "hello-svc-1.0.0-h5"`)
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	if after := keys(); after != before {
		t.Errorf("the rpm database's keys changed: before %q, after %q\n%s", before, after, out)
	}
	if strings.Contains(out, "removing gpg-pubkey-") {
		t.Errorf("cleanup removed a key:\n%s", out)
	}
}

// The rpm side of the ordered install: one dnf transaction per package, in the order given,
// then the packages of Rosco's artifacts file, whose references carry their own repository.
func TestPackagesRPMArtifactsInOrder(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	artifacts := filepath.Join(t.TempDir(), "artifacts.json")
	ref := fmt.Sprintf(`[{"type":"rpm","name":"hello-rosco","reference":"[trusted=yes] %s hello-rosco-1.0.0-h7"}]`, tg.Repos.RPM)
	if err := os.WriteFile(artifacts, []byte(ref), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    package_list   = ["hello-svc-1.0.0-h5", "hello-auto-1.0.0-h5"]
    services       = ["hello-svc"]
    artifacts_file = %q
`, tg.Repos.RPM, tg.Repos.KeyURL(tg.Repos.RPMKey), tg.Repos.RPMKey.Fingerprint, artifacts))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantVersion(t, tg, "hello-auto", "1.0.0-h5")
	wantVersion(t, tg, "hello-rosco", "1.0.0-h7")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	assertCleanedUp(t, tg)
	// The artifact's repository is unsigned: allowed, as Rosco's users need it, but said.
	if want := "warning: repository " + tg.Repos.RPM + " is unsigned (gpgcheck=0)"; !strings.Contains(out, want) {
		t.Errorf("no %q in the output:\n%s", want, out)
	}
	last := -1
	for _, phase := range []string{"install hello-svc-1.0.0-h5", "install hello-auto-1.0.0-h5", "install hello-rosco-1.0.0-h7"} {
		i := strings.Index(out, phase)
		if i < 0 || i < last {
			t.Fatalf("phase %q missing or out of order (Rosco installs one package per transaction, in order):\n%s", phase, out)
		}
		last = i
	}
}

func TestPackagesRPMRoscoJSONSingleTransaction(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	p := harness.NewPacker(t)
	out, err := buildJSON(t, p, tg, tg.SudoUser, nil, map[string]interface{}{
		"repositories":  []interface{}{map[string]interface{}{"url": tg.Repos.RPM, "key": tg.Repos.RPMKey.Armored}},
		"packages":      "hello-lib-1.0.0-h5 hello-svc-1.0.0-h5",
		"install_order": "single_transaction",
		"services":      "hello-svc",
	})
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	assertCleanedUp(t, tg)
}

func copyMap(m map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestPackagesDebianImagePolicyRcdAndKeepRepositories(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	own := "#!/bin/sh\n# the image's own policy\nexit 0\n"
	tg.WriteFile(t, "/usr/sbin/policy-rc.d", own, 0o755)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url = %q
      key = %q
    }
    packages          = "hello-auto"
    keep_repositories = true
`, tg.Repos.AptSigned, tg.Repos.RepoKey.Armored))
	mustSucceed(t, out, err)
	// Blocked during the bake although the image's policy allows starts.
	wantUnit(t, tg, "hello-auto.service", "enabled", "inactive")
	if got, _ := tg.ReadFile(t, "/usr/sbin/policy-rc.d"); got != own {
		t.Errorf("the image's policy-rc.d was not restored: %q", got)
	}
	kept := tg.MustRun(t, "ls /etc/apt/sources.list.d /etc/apt/keyrings | grep -c spinnaker-packages || true")
	if strings.TrimSpace(kept) != "2" {
		t.Errorf("keep_repositories = true: %s bake files kept, want 2 (sources list and key)", strings.TrimSpace(kept))
	}
}
