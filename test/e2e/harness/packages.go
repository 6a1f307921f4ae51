//go:build linux

package harness

import "fmt"

// FixturePackage is one package the harness builds as both a .deb
// (Architecture: all) and a noarch .rpm, and publishes in the repositories.
type FixturePackage struct {
	Name    string
	Version string // upstream version, e.g. "1.0.0"
	Release string // Debian revision / rpm Release, e.g. "h5"
	// Depends lists exact-version dependencies, as "name=version-release".
	Depends []string
	// Service is the systemd unit the package ships ("" for none). Its
	// program touches /tmp/<Name>-started in the target when it starts.
	Service string
	// AutoStart marks a debhelper-style postinst that enables the unit and
	// then starts it without checking whether that is wanted, so only
	// policy-rc.d can keep it from starting.
	AutoStart bool
	// PayloadKB adds a file of this size, so benchmark packages have some
	// weight to download and unpack.
	PayloadKB int
}

// FullVersion is "version-release", which is what dpkg-query and
// `rpm -q --qf '%{VERSION}-%{RELEASE}'` print.
func (p FixturePackage) FullVersion() string { return p.Version + "-" + p.Release }

// DebFile is the .deb file name, name_version-release_all.deb, which is
// also the form Rosco parses out of artifact references.
func (p FixturePackage) DebFile() string {
	return fmt.Sprintf("%s_%s_all.deb", p.Name, p.FullVersion())
}

// RPMFile is the rpm file name, name-version-release.noarch.rpm.
func (p FixturePackage) RPMFile() string {
	return fmt.Sprintf("%s-%s.noarch.rpm", p.Name, p.FullVersion())
}

// StartedMarker is the file the package's service creates when it starts.
func (p FixturePackage) StartedMarker() string { return "/tmp/" + p.Name + "-started" }

// FixturePackages are the packages the provisioner tests install:
//   - hello-lib 1.0.0-h5, a dependency;
//   - hello-svc 1.0.0-h5 and 1.0.1-h6 with a systemd unit, so pinning the
//     older version is meaningful;
//   - hello-auto 1.0.0-h5, whose postinst starts its own service unless
//     policy-rc.d forbids it;
//   - hello-rosco 1.0.0-h7, referenced by tests in Rosco's artifact form
//     hello-rosco_1.0.0-h7_all.
func FixturePackages() []FixturePackage {
	return []FixturePackage{
		{Name: "hello-lib", Version: "1.0.0", Release: "h5"},
		{Name: "hello-svc", Version: "1.0.0", Release: "h5", Depends: []string{"hello-lib=1.0.0-h5"}, Service: "hello-svc.service"},
		{Name: "hello-svc", Version: "1.0.1", Release: "h6", Depends: []string{"hello-lib=1.0.0-h5"}, Service: "hello-svc.service"},
		{Name: "hello-auto", Version: "1.0.0", Release: "h5", Service: "hello-auto.service", AutoStart: true},
		{Name: "hello-rosco", Version: "1.0.0", Release: "h7"},
	}
}

// BenchPackages are five small packages in two versions each, one of them
// with a service, for the provisioner benchmark. They are published in the
// same repositories as FixturePackages.
func BenchPackages() []FixturePackage {
	var out []FixturePackage
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		for _, v := range []struct{ ver, rel string }{{"1.0.0", "b1"}, {"1.1.0", "b2"}} {
			p := FixturePackage{Name: "bench-" + n, Version: v.ver, Release: v.rel, PayloadKB: 256}
			if n == "c" {
				p.Service = "bench-c.service"
			}
			out = append(out, p)
		}
	}
	return out
}

// allPackages is everything that goes into the repositories.
func allPackages() []FixturePackage {
	return append(FixturePackages(), BenchPackages()...)
}

// programScript is the package's /usr/bin program: a service body that marks
// that it started and then stays up.
func programScript(p FixturePackage) string {
	if p.Service == "" {
		return fmt.Sprintf("#!/bin/sh\necho %s %s\n", p.Name, p.FullVersion())
	}
	return fmt.Sprintf("#!/bin/sh\ntouch %s\nexec sleep infinity\n", p.StartedMarker())
}

func unitFile(p FixturePackage) string {
	return fmt.Sprintf("[Unit]\nDescription=%s e2e fixture service\n\n[Service]\nExecStart=/usr/bin/%s\n\n[Install]\nWantedBy=multi-user.target\n", p.Name, p.Name)
}

// payload is deterministic filler for PayloadKB.
func payload(p FixturePackage) []byte {
	b := make([]byte, p.PayloadKB*1024)
	x := uint32(len(p.Name)*7919 + len(p.Version))
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}
