package packages

import (
	"fmt"
	"strings"
)

// PackageType is the package manager family of the target.
type PackageType string

// The supported package types. Rosco's third type, nupkg, belongs to its
// Windows templates and is refused here rather than silently ignored.
const (
	Deb PackageType = "deb"
	RPM PackageType = "rpm"
)

// parsePackageType reads the `package_type` setting; "" means "detect".
func parsePackageType(s string) (PackageType, error) {
	switch v := strings.ToLower(strings.TrimSpace(stripOneQuotePair(s))); v {
	case "":
		return "", nil
	case "deb", "rpm":
		return PackageType(v), nil
	}
	return "", fmt.Errorf("package_type: %q is not deb, rpm or empty (detect on the target)", s)
}
