package rosco

import "fmt"

// nullable is a Java String that may be null. Rosco treats a null field and
// an empty one alike in most places but not all (a deb "foo_-1" has version
// "" where "foo" has none), so parsed names keep the difference.
type nullable struct {
	value string
	valid bool
}

func some(s string) nullable { return nullable{value: s, valid: true} }

// PackageName is Rosco's OsPackageName: a package reference split into name,
// version, release and architecture. The zero value is the all-null result
// Rosco returns for an empty input.
type PackageName struct {
	name, version, release, arch nullable
}

// Name returns the package name, "" when Rosco's value is null.
func (p PackageName) Name() string { return p.name.value }

// Version returns the version, "" when Rosco's value is null.
func (p PackageName) Version() string { return p.version.value }

// Release returns the release, "" when Rosco's value is null.
func (p PackageName) Release() string { return p.release.value }

// Arch returns the architecture, "" when Rosco's value is null.
func (p PackageName) Arch() string { return p.arch.value }

// LookupName returns the name and whether Rosco's value is non-null.
func (p PackageName) LookupName() (string, bool) { return p.name.value, p.name.valid }

// LookupVersion returns the version and whether Rosco's value is non-null.
func (p PackageName) LookupVersion() (string, bool) { return p.version.value, p.version.valid }

// LookupRelease returns the release and whether Rosco's value is non-null.
func (p PackageName) LookupRelease() (string, bool) { return p.release.value, p.release.valid }

// LookupArch returns the architecture and whether Rosco's value is non-null.
func (p PackageName) LookupArch() (string, bool) { return p.arch.value, p.arch.valid }

// InstallToken is the word Rosco puts into the packages variable for this
// package: name, the package manager's version separator, version and
// "-release" when there is a version, else the bare name. The release is
// always joined with '-', even for nupkg, so a nupkg release "+meta" gives
// "name.1.0-+meta". The architecture is never part of it. An unknown package
// type has no version separator, so it yields the bare name.
func (p PackageName) InstallToken(t PackageType) string {
	if p.version.value == "" {
		return p.name.value
	}
	sep, err := t.separators()
	if err != nil {
		return p.name.value
	}
	token := p.name.value + sep.packageManagerVersion + p.version.value
	if p.release.value != "" {
		token += "-" + p.release.value
	}
	return token
}

// ParsePackageName splits s the way Rosco's parser for t does. It fails where
// Rosco throws (the bake request would fail with HTTP 500) and for an unknown
// package type.
func ParsePackageName(t PackageType, s string) (PackageName, error) {
	switch t {
	case Deb:
		return parseDeb(s)
	case RPM:
		return parseRPM(s), nil
	case Nupkg:
		return parseNupkg(s)
	}
	return PackageName{}, fmt.Errorf("parse package name %q: package type %q: want one of deb, rpm, nupkg", s, string(t))
}
