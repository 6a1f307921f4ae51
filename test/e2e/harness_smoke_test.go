//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// These smoke tests prove the harness end to end through a real `packer
// build` (null builder, SSH communicator, stock shell provisioner): the
// targets boot, the repositories are signed and served, and the helpers
// see what the build did.

// packerBuild writes template into a fresh directory and builds it,
// failing the test when the build fails.
func packerBuild(t *testing.T, p *harness.Packer, template string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "smoke.pkr.hcl"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := p.Build(t, dir)
	if err != nil {
		t.Fatalf("packer build: %v", err)
	}
	return out
}

// aptSetup is a shell provisioner that trusts the signed flat repository
// with the key uploaded to /tmp/e2e.asc.
func aptSetup(tg *harness.Target) string {
	return fmt.Sprintf(`
  provisioner "shell" {
    inline = ["mkdir -p /tmp/e2e-keys"]
  }
  provisioner "file" {
    source      = %q
    destination = "/tmp/e2e-keys/repo.asc"
  }
  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo {{ .Vars }} {{ .Path }}"
    inline = [
      "install -D -m 0644 /tmp/e2e-keys/repo.asc /etc/apt/keyrings/e2e.asc",
      "printf 'Types: deb\nURIs: %s\nSuites: ./\nSigned-By: /etc/apt/keyrings/e2e.asc\n' > /etc/apt/sources.list.d/e2e.sources",
      "apt-get update",
    ]
  }
`, tg.Repos.RepoKey.File, tg.Repos.AptSigned)
}

func TestSmokeDebianPinnedInstall(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	// As the sudo user, so the non-root login is proven too.
	out := packerBuild(t, p, tg.NullSourceAs("target", tg.SudoUser)+`
build {
  sources = ["source.null.target"]
`+aptSetup(tg)+`
  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo {{ .Vars }} {{ .Path }}"
    inline = ["DEBIAN_FRONTEND=noninteractive apt-get install -y hello-svc=1.0.0-h5"]
  }
}
`)
	if got := tg.PackageVersion(t, "hello-svc"); got != "1.0.0-h5" {
		t.Errorf("hello-svc installed version = %q, want 1.0.0-h5\n%s", got, out)
	}
	if got := tg.PackageVersion(t, "hello-lib"); got != "1.0.0-h5" {
		t.Errorf("hello-lib installed version = %q, want 1.0.0-h5", got)
	}
	// The pin mattered: the repository's candidate is the newer version.
	if policy := tg.MustRun(t, "apt-cache policy hello-svc"); !strings.Contains(policy, "Candidate: 1.0.1-h6") {
		t.Errorf("expected 1.0.1-h6 to be the candidate:\n%s", policy)
	}
	// hello-svc has no maintainer scripts: installed, neither enabled nor started.
	if en, act := tg.UnitState(t, "hello-svc.service"); en != "disabled" || act != "inactive" {
		t.Errorf("hello-svc after install: enabled=%q active=%q, want disabled/inactive", en, act)
	}
	if installed, err := p.Installed(t); err != nil || !strings.Contains(installed, "packer-plugin-spinnaker") {
		t.Errorf("plugin not installed in the isolated plugin dir: %v\n%s", err, installed)
	}
}

func TestSmokeStartedVersusEnabled(t *testing.T) {
	p := harness.NewPacker(t)
	auto := "hello-auto.service"
	for _, tc := range []struct {
		name       string
		policy     string
		wantActive string
		wantMarker bool
	}{
		{name: "no policy-rc.d", wantActive: "active", wantMarker: true},
		{name: "policy-rc.d exit 101", policy: `printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d`, wantActive: "inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := harness.NewTarget(t, harness.Debian)
			policy := "true"
			if tc.policy != "" {
				policy = tc.policy
			}
			packerBuild(t, p, tg.NullSource("target")+`
build {
  sources = ["source.null.target"]
`+aptSetup(tg)+fmt.Sprintf(`
  provisioner "shell" {
    inline = [%q, "DEBIAN_FRONTEND=noninteractive apt-get install -y hello-auto", "rm -f /usr/sbin/policy-rc.d"]
  }
}
`, policy))
			en, act := tg.UnitState(t, auto)
			if en != "enabled" || act != tc.wantActive {
				t.Errorf("%s: enabled=%q active=%q, want enabled/%s", auto, en, act, tc.wantActive)
			}
			if got := tg.FileExists(t, "/tmp/hello-auto-started"); got != tc.wantMarker {
				t.Errorf("/tmp/hello-auto-started exists = %v, want %v", got, tc.wantMarker)
			}
		})
	}
}

func TestSmokeRPMPinnedInstall(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	p := harness.NewPacker(t)
	repo := fmt.Sprintf("[e2e]\nname=e2e\nbaseurl=%s\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=%s\nskip_if_unavailable=False\n",
		tg.Repos.RPM, tg.Repos.KeyURL(tg.Repos.RPMKey))
	out := packerBuild(t, p, tg.NullSource("target")+fmt.Sprintf(`
build {
  sources = ["source.null.target"]
  provisioner "shell" {
    inline = [
      "printf '%s' > /etc/yum.repos.d/e2e.repo",
      "dnf -y install hello-svc-1.0.0-h5",
    ]
  }
}
`, strings.ReplaceAll(repo, "\n", `\n`)))
	if got := tg.PackageVersion(t, "hello-svc"); got != "1.0.0-h5" {
		t.Errorf("hello-svc installed version = %q, want 1.0.0-h5\n%s", got, out)
	}
	if got := tg.PackageVersion(t, "hello-lib"); got != "1.0.0-h5" {
		t.Errorf("hello-lib installed version = %q, want 1.0.0-h5", got)
	}
	if osr, _ := tg.ReadFile(t, "/etc/os-release"); !strings.Contains(osr, `PLATFORM_ID="platform:el9"`) {
		t.Errorf("rpm target does not identify as EL9:\n%s", osr)
	}
	if _, rc := tg.Run(t, "command -v apt-get"); rc == 0 {
		t.Errorf("rpm target still has apt-get")
	}
	// The newer version exists and is what an unpinned install would take.
	if info := tg.MustRun(t, "dnf -q list --available hello-svc"); !strings.Contains(info, "1.0.1-h6") {
		t.Errorf("expected hello-svc 1.0.1-h6 to be available:\n%s", info)
	}
}

func TestSmokeChroot(t *testing.T) {
	tg := harness.NewTarget(t, harness.Chroot)
	p := harness.NewPacker(t)
	packerBuild(t, p, tg.NullSource("target")+`
build {
  sources = ["source.null.target"]
`+aptSetup(tg)+`
  provisioner "shell" {
    inline = ["DEBIAN_FRONTEND=noninteractive apt-get install -y hello-svc=1.0.0-h5", "systemctl enable hello-svc.service"]
  }
}
`)
	if got := tg.PackageVersion(t, "hello-svc"); got != "1.0.0-h5" {
		t.Errorf("hello-svc installed version = %q, want 1.0.0-h5", got)
	}
	if en, act := tg.UnitState(t, "hello-svc.service"); en != "enabled" || act != "offline" {
		t.Errorf("hello-svc in chroot: enabled=%q active=%q, want enabled/offline", en, act)
	}
	if tg.FileExists(t, "/run/systemd/system") {
		t.Errorf("chroot target has a running systemd (/run/systemd/system exists)")
	}
}
