package bakerequest

import (
	"fmt"
	"strings"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
)

// PackageNames are the names of the request's packages without versions, parsed as Rosco parses
// them: the package_name (or packages) entries, then the package artifacts. An apt pin
// (`name=version`), which Rosco's deb parser keeps whole, is cut at the '=' too. They are the
// package part of an image's lineage. The inputs must be prepared (see Prepare).
func (in Inputs) PackageNames() ([]string, error) {
	list, err := rosco.PackageList(rosco.PackageType(in.PackageType), in.roscoRequest())
	if err != nil {
		return nil, fmt.Errorf("package names: %w", err)
	}
	names := make([]string, 0, len(list))
	for _, p := range list {
		n := p.Name()
		if in.PackageType == string(rosco.Deb) {
			n, _, _ = strings.Cut(n, "=")
		}
		if n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}
