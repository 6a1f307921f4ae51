package rosco

import (
	"fmt"
	"strings"
)

// PackageType is the package format of the base image. Rosco takes it from the
// selected base image's configuration, never from the bake request.
type PackageType string

// The package types Rosco knows. The values are what Rosco passes to packer as
// the package_type variable.
const (
	Deb   PackageType = "deb"
	RPM   PackageType = "rpm"
	Nupkg PackageType = "nupkg"
)

// ParsePackageType accepts a package type in any letter case, because Rosco's
// configuration binds the enum names (DEB, RPM, NUPKG) case-insensitively.
func ParsePackageType(s string) (PackageType, error) {
	switch t := PackageType(strings.ToLower(s)); t {
	case Deb, RPM, Nupkg:
		return t, nil
	}
	return "", fmt.Errorf("package type %q: want one of deb, rpm, nupkg", s)
}

// separators are the strings Rosco's PackageUtil implementations use to glue
// names, versions and build data together.
type separators struct {
	packageManagerVersion string // between name and version in an install token
	version               string // between name and version in the appversion
	buildNumber           string // before the build number in the appversion
	commitHash            string // before the commit hash in the appversion
}

func (t PackageType) separators() (separators, error) {
	switch t {
	case Deb:
		return separators{packageManagerVersion: "=", version: "-", buildNumber: "-h", commitHash: "."}, nil
	case RPM:
		return separators{packageManagerVersion: "-", version: "-", buildNumber: "-h", commitHash: "."}, nil
	case Nupkg:
		return separators{packageManagerVersion: ".", version: ".", buildNumber: "-", commitHash: "+"}, nil
	}
	return separators{}, fmt.Errorf("package type %q: want one of deb, rpm, nupkg", string(t))
}
