package packages

import (
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	out := "@@package hello-svc ii |1.0.0-h5\n@@package hello-lib missing|\n@@package epochy ii |1:2.0-1\n@@unit hello-svc.service enabled inactive\n@@unit x.service disabled inactive\n@@unit y.service enabled active\n"
	pkgs, units := parseVerifyOutput(out)
	req := []PackageSpec{{Name: "hello-svc", Version: "1.0.0-h5"}, {Name: "epochy", Version: "1:2.0-1"}}
	if err := checkPackages(Deb, req, pkgs); err != nil {
		t.Errorf("matching versions rejected: %v", err)
	}
	err := checkPackages(Deb, []PackageSpec{{Name: "hello-svc", Version: "1.0.1-h6"}, {Name: "hello-lib"}}, pkgs)
	if err == nil || !strings.Contains(err.Error(), "hello-svc: installed version 1.0.0-h5, requested 1.0.1-h6") || !strings.Contains(err.Error(), "hello-lib is not installed") {
		t.Errorf("mismatch error = %v", err)
	}
	if err := checkUnits([]string{"hello-svc.service"}, units, true); err != nil {
		t.Error(err)
	}
	if err := checkUnits([]string{"x.service"}, units, true); err == nil || !strings.Contains(err.Error(), "x.service is disabled") {
		t.Errorf("disabled unit: %v", err)
	}
	if err := checkUnits([]string{"y.service"}, units, true); err == nil || !strings.Contains(err.Error(), "y.service is active") {
		t.Errorf("active unit: %v", err)
	}
	if err := checkUnits([]string{"y.service"}, map[string]unitState{"y.service": {Enabled: "enabled", Active: "not-booted"}}, false); err != nil {
		t.Errorf("chroot unit: %v", err)
	}
}

// dpkg names every package with its architecture; a request may name it
// with or without one.
func TestFindInstalledMatchesArchitectures(t *testing.T) {
	pkgs, _ := parseVerifyOutput("@@package hello:amd64 ii |1.0\n@@package libm:amd64 rc |2.0\n@@package libm:i386 ii |2.0\n@@package old:amd64 rc |0.9\n")
	for _, c := range []struct {
		name      string
		found     bool
		installed bool
		key       string
	}{
		{"hello", true, true, "hello:amd64"},
		{"hello:amd64", true, true, "hello:amd64"},
		{"hello:i386", false, false, ""},
		{"libm", true, true, "libm:i386"},
		{"libm:amd64", true, false, "libm:amd64"},
		{"old", true, false, "old:amd64"},
		{"hell", false, false, ""},
	} {
		got, ok := findInstalled(pkgs, c.name)
		if ok != c.found || got.Installed != c.installed || got.Name != c.key {
			t.Errorf("findInstalled(%q) = %+v, %v; want found=%v installed=%v as %q", c.name, got, ok, c.found, c.installed, c.key)
		}
	}
	if err := checkPackages(Deb, []PackageSpec{{Name: "hello", Version: "1.0"}, {Name: "libm", Version: "2.0"}}, pkgs); err != nil {
		t.Errorf("installed packages named without architecture: %v", err)
	}
	if err := checkPackages(Deb, []PackageSpec{{Name: "old"}}, pkgs); err == nil || !strings.Contains(err.Error(), "old is not installed") {
		t.Errorf("removed package: %v", err)
	}
}

func TestRPMVersionsEqual(t *testing.T) {
	if !versionsEqual(RPM, "1.0.0-h5", "0:1.0.0-h5") {
		t.Error("missing epoch should equal epoch 0")
	}
	if versionsEqual(RPM, "1.0.0-h5", "0:1.0.1-h6") {
		t.Error("different versions equal")
	}
	if !versionsEqual(Deb, "1.0-1", "0:1.0-1") {
		t.Error("deb epoch 0")
	}
}
