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

// dpkg names every package with its architecture; a request without one
// means the native architecture (or an Architecture: all package), as apt
// reads it, and a foreign instance answers only when there is neither.
func TestFindInstalledDebFollowsApt(t *testing.T) {
	pkgs, _ := parseVerifyOutput("@@arch amd64\n@@package hello:amd64 ii |1.0\n@@package libm:amd64 rc |2.0\n@@package libm:i386 ii |2.0\n" +
		"@@package old:amd64 rc |0.9\n@@package doc:all ii |3.0\n@@package wine32:i386 ii |8.0\n")
	for _, c := range []struct {
		name      string
		found     bool
		installed bool
		key       string
	}{
		{"hello", true, true, "hello:amd64"},
		{"hello:amd64", true, true, "hello:amd64"},
		{"hello:i386", false, false, ""},
		// The native instance was removed: a foreign one installed
		// beside it is not what `apt-get install libm` asked for.
		{"libm", true, false, "libm:amd64"},
		{"libm:amd64", true, false, "libm:amd64"},
		{"libm:i386", true, true, "libm:i386"},
		{"old", true, false, "old:amd64"},
		{"doc", true, true, "doc:all"},
		{"doc:amd64", true, true, "doc:all"},
		{"doc:i386", false, false, ""},
		{"wine32", true, true, "wine32:i386"},
		{"hell", false, false, ""},
	} {
		got, ok := pkgs.find(Deb, PackageSpec{Name: c.name})
		if ok != c.found || got.Installed != c.installed || got.Name != c.key {
			t.Errorf("find(%q) = %+v, %v; want found=%v installed=%v as %q", c.name, got, ok, c.found, c.installed, c.key)
		}
	}
	if err := checkPackages(Deb, []PackageSpec{{Name: "hello", Version: "1.0"}, {Name: "libm:i386", Version: "2.0"}}, pkgs); err != nil {
		t.Errorf("installed packages: %v", err)
	}
	if err := checkPackages(Deb, []PackageSpec{{Name: "old"}, {Name: "libm"}}, pkgs); err == nil ||
		!strings.Contains(err.Error(), "old is not installed") || !strings.Contains(err.Error(), "libm is not installed") {
		t.Errorf("removed packages: %v", err)
	}
}

// rpm -q accepts a package by name, name.arch, name-version,
// name-version-release (with or without epoch and arch); a pinned request
// is checked against the instance of its architecture.
func TestFindInstalledRPMMatchesAsRpmQuery(t *testing.T) {
	pkgs, _ := parseVerifyOutput("@@package hello:x86_64 ii|0:1.0-1\n@@package glibc:x86_64 ii|0:2.34-60\n@@package glibc:i686 ii|0:2.34-59\n@@package python3.11:x86_64 ii|0:3.11.5-1\n@@package epo:noarch ii|2:5.0-3\n")
	for _, c := range []struct {
		token string
		found bool
	}{
		{"hello", true}, {"hello.x86_64", true}, {"hello-1.0", true}, {"hello-1.0-1", true}, {"hello-1.0-1.x86_64", true},
		{"hello.i686", false}, {"hello-2.0", false}, {"hell", false},
		{"python3.11", true}, {"python3.11.x86_64", true},
		{"epo-2:5.0-3", true}, {"epo-5.0-3.noarch", true},
	} {
		spec, err := parseRPMPackage("packages", c.token)
		if err != nil {
			t.Fatalf("%s: %v", c.token, err)
		}
		if _, ok := pkgs.find(RPM, spec); ok != c.found {
			t.Errorf("find(%q) found=%v, want %v", c.token, ok, c.found)
		}
	}
	if err := checkPackages(RPM, []PackageSpec{{Name: "glibc", Version: "2.34-60", Arch: "x86_64"}, {Name: "glibc", Version: "2.34-59", Arch: "i686"}, {Name: "glibc", Version: "2.34-59"}}, pkgs); err != nil {
		t.Errorf("each architecture's version: %v", err)
	}
	if err := checkPackages(RPM, []PackageSpec{{Name: "glibc", Version: "2.34-60", Arch: "i686"}}, pkgs); err == nil || !strings.Contains(err.Error(), "installed version 0:2.34-59, requested 2.34-60") {
		t.Errorf("the i686 instance's version: %v", err)
	}
	// A version without an epoch means any epoch, as for rpm -q and dnf.
	if err := checkPackages(RPM, []PackageSpec{{Name: "epo", Version: "5.0-3"}}, pkgs); err != nil {
		t.Errorf("a pinned version without its epoch: %v", err)
	}
	if err := checkPackages(RPM, []PackageSpec{{Name: "epo", Version: "1:5.0-3"}}, pkgs); err == nil {
		t.Error("epoch 1 requested, 2 installed: no error")
	}
}

// Names that end in what looks like a version but whose "release" holds no
// digit are names: EL's Java packages are installed and verified as such.
func TestRPMJavaPackagesAreNames(t *testing.T) {
	pkgs, _ := parseVerifyOutput("@@package java-11-openjdk:x86_64 ii|1:11.0.25.0.9-3.el9\n@@package java-1.8.0-openjdk:x86_64 ii|1:1.8.0.432.b06-3.el9\n")
	for _, token := range []string{"java-11-openjdk", "java-1.8.0-openjdk", "java-11-openjdk.x86_64"} {
		spec, err := parseRPMPackage("packages", token)
		if err != nil || spec.Pinned() {
			t.Fatalf("%s: %+v (%v), want an unpinned name", token, spec, err)
		}
		if err := checkPackages(RPM, []PackageSpec{spec}, pkgs); err != nil {
			t.Errorf("%s: %v", token, err)
		}
	}
	if _, err := prepare(map[string]interface{}{"package_type": "rpm", "packages": "java-11-openjdk java-17-openjdk"}); err != nil {
		t.Errorf("two Java packages: %v", err)
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

// An unpinned `name.arch` keeps its architecture apart and gives dnf the
// token as written.
func TestRPMNameArchToken(t *testing.T) {
	for token, want := range map[string]PackageSpec{
		"hello.x86_64":       {Raw: "hello.x86_64", Name: "hello", Arch: "x86_64"},
		"python3.11":         {Raw: "python3.11", Name: "python3.11"},
		"hello-1.0-1.noarch": {Raw: "hello-1.0-1.noarch", Name: "hello", Version: "1.0-1", Arch: "noarch"},
	} {
		got, err := parseRPMPackage("packages", token)
		if err != nil || got != want || got.Token(RPM) != token {
			t.Errorf("parseRPMPackage(%q) = %+v (%v), token %q; want %+v", token, got, err, got.Token(RPM), want)
		}
	}
}
