package rosco

import (
	"fmt"
	"strconv"
	"strings"
)

// PackageList returns the list Rosco derives the image name and appversion
// from: the package_name entries, split on the space character only (a tab
// does not separate here, unlike in the bake key), parsed, with entries of
// empty name dropped; then every artifact's name, parsed and kept even when
// empty.
func PackageList(t PackageType, r Request) ([]PackageName, error) {
	packages, err := parsePackageEntries(t, r.PackageName)
	if err != nil {
		return nil, err
	}
	for i, a := range r.PackageArtifacts {
		p, err := ParsePackageName(t, a.Name)
		if err != nil {
			return nil, fmt.Errorf("package artifact %d: %w", i, err)
		}
		packages = append(packages, p)
	}
	return packages, nil
}

// parsePackageEntries parses the package_name list and drops entries whose
// parsed name is empty, as Rosco's PackageNameConverter does.
func parsePackageEntries(t PackageType, packageName string) ([]PackageName, error) {
	var packages []PackageName
	for _, entry := range groovyTokenize(packageName, " ") {
		p, err := ParsePackageName(t, entry)
		if err != nil {
			return nil, fmt.Errorf("package_name: %w", err)
		}
		if p.Name() != "" {
			packages = append(packages, p)
		}
	}
	return packages, nil
}

// PackagesParameter is the value Rosco passes as the packages variable: the
// install token of every package_name entry (artifacts are not included),
// joined by single spaces. Commas are not separators here; the install
// script turns them into spaces later.
func PackagesParameter(t PackageType, packageName string) (string, error) {
	packages, err := parsePackageEntries(t, packageName)
	if err != nil {
		return "", err
	}
	tokens := make([]string, len(packages))
	for i, p := range packages {
		tokens[i] = p.InstallToken(t)
	}
	return strings.Join(tokens, " "), nil
}

// ImageName is Rosco's AMI name: base name, arch, release and base OS joined
// by '-', empty parts left out. The base name is ami_name or else the first
// package's name; the arch is the first package's arch or "all"; the release
// is ami_suffix or else clockMillis in decimal (Rosco reads its clock; Orca
// always sends ami_suffix). The result is not sanitised, so characters such as
// '=' from a package pin reach the name as they do in Rosco.
func ImageName(t PackageType, r Request, clockMillis int64) (string, error) {
	packages, err := PackageList(t, r)
	if err != nil {
		return "", fmt.Errorf("image name: %w", err)
	}
	baseName, arch := "", ""
	if len(packages) > 0 {
		baseName, arch = packages[0].Name(), packages[0].Arch()
	}
	if r.AMIName != "" {
		baseName = r.AMIName
	}
	if arch == "" {
		arch = "all"
	}
	release := r.AMISuffix
	if release == "" {
		release = strconv.FormatInt(clockMillis, 10)
	}
	return joinNonEmpty("-", baseName, arch, release, r.BaseOS), nil
}

// joinNonEmpty is Groovy's [..].findAll{it}.join(sep) over strings.
func joinNonEmpty(sep string, parts ...string) string {
	kept := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
