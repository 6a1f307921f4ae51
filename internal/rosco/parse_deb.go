package rosco

import "fmt"

// parseDeb reads Debian's file-name convention name_version-release_arch.
// Rosco splits with Java's String.split, so "foo_" keeps its underscore in the
// name (the trailing empty field vanishes), "foo_-1" has version "", only the
// first '-' field after the version is the release, and fields after the arch
// are ignored. A version field made only of '-' splits into nothing and makes
// Rosco fail with an index error; that case is an error here.
func parseDeb(s string) (PackageName, error) {
	if s == "" {
		return PackageName{}, nil
	}
	p := PackageName{name: some(s)}
	parts := javaSplit(s, "_")
	if len(parts) < 2 {
		return p, nil
	}
	versionRelease := javaSplit(parts[1], "-")
	if len(versionRelease) == 0 {
		return PackageName{}, fmt.Errorf("parse deb package name %q: version field %q holds only '-' (Rosco fails with an index error)", s, parts[1])
	}
	p.name = some(parts[0])
	p.version = some(versionRelease[0])
	if len(versionRelease) > 1 {
		p.release = some(versionRelease[1])
	}
	if len(parts) > 2 {
		p.arch = some(parts[2])
	}
	return p, nil
}
