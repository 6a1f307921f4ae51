package sbom

import (
	packageurl "github.com/package-url/packageurl-go"
)

// purl is the package URL of p: pkg:deb/<os-id>/<name>@<[epoch:]version[-revision]> for deb,
// as dpkg writes the version; pkg:rpm/<os-id>/<name>@<version>-<release> with the epoch as a
// qualifier for rpm, as the purl specification defines the two types. arch and distro are
// qualifiers for both; repositoryURL, when given, becomes repository_url.
func purl(f Format, osr OSRelease, p Package, repositoryURL string) string {
	q := map[string]string{"arch": p.Arch}
	if d := osr.Distro(); d != "" {
		q["distro"] = d
	}
	if repositoryURL != "" {
		q["repository_url"] = repositoryURL
	}
	version := p.EVR()
	if f == RPM {
		version = p.Version + "-" + p.Release
		if p.Epoch != "" {
			q["epoch"] = p.Epoch
		}
	}
	u := packageurl.NewPackageURL(string(f), osr.ID, p.Name, version, packageurl.QualifiersFromMap(q), "")
	return u.ToString()
}
