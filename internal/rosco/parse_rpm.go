package rosco

import "strings"

// parseRPM reads the convention name-version-release.arch. Rosco takes the
// last '.' field as the arch whenever there are two or more, so inputs without
// an arch are misread ("httpd-2.4.6" gets arch "6"), and when fewer than three
// '-' fields remain the name is the whole original input, arch included.
func parseRPM(s string) PackageName {
	if s == "" {
		return PackageName{}
	}
	p := PackageName{name: some(s)}
	rest := s
	if dotted := javaSplit(s, "."); len(dotted) >= 2 {
		rest = strings.Join(dotted[:len(dotted)-1], ".")
		p.arch = some(dotted[len(dotted)-1])
	}
	parts := javaSplit(rest, "-")
	if n := len(parts); n >= 3 {
		p.name = some(strings.Join(parts[:n-2], "-"))
		p.version = some(parts[n-2])
		p.release = some(parts[n-1])
	}
	return p
}
