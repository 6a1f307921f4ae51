package rosco

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// nupkgExtension is Rosco's replaceFirst(".nupkg", ""). It is a regular
// expression, so the dot matches any character except Java's line
// terminators: "mynupkg.1.0" loses "ynupkg" and becomes "m.1.0".
var nupkgExtension = regexp.MustCompile(`[^\n\r\x{85}\x{2028}\x{2029}]nupkg`)

// parseNupkg reads NuGet names of the form
// name[.language].major.minor.patch[-prerelease][+metadata]. The version
// starts at the first '.' field (after the first) that is a 32-bit integer,
// else at the first such field that starts with a digit and contains '-'.
// Without a version, the first field holding '+' splits into name and
// "+metadata" and later fields are dropped; a field that yields fewer than two
// pieces when split on '+' (such as "z+") makes Rosco fail with an index
// error, which is an error here.
func parseNupkg(input string) (PackageName, error) {
	if input == "" {
		return PackageName{}, nil
	}
	s := input
	if loc := nupkgExtension.FindStringIndex(s); loc != nil {
		s = s[:loc[0]] + s[loc[1]:]
	}
	p := PackageName{name: some(s)}
	parts := groovyTokenize(s, ".")
	switch {
	case len(parts) > 2:
		return parseNupkgFields(input, parts)
	case len(parts) == 2:
		switch {
		case groovyIsInteger(parts[1]):
			p.name, p.version = some(parts[0]), some(parts[1])
		case startsWithInteger(parts[1]) && strings.Contains(parts[1], "-"):
			version, release, _ := strings.Cut(parts[1], "-")
			p.name, p.version, p.release = some(parts[0]), some(version), some(release)
		default:
			p.name = some(strings.Join(parts, "."))
		}
	}
	return p, nil
}

// parseNupkgFields handles the case of three or more '.' fields.
func parseNupkgFields(input string, parts []string) (PackageName, error) {
	if start := nupkgVersionStart(parts); start > 0 {
		p := PackageName{name: some(strings.Join(parts[:start], "."))}
		version := strings.Join(parts[start:], ".")
		switch {
		case strings.Contains(version, "-"):
			v, r, _ := strings.Cut(version, "-")
			p.version, p.release = some(v), some(r)
		case strings.Contains(version, "+"):
			v, r, _ := strings.Cut(version, "+")
			p.version, p.release = some(v), some("+"+r)
		default:
			p.version = some(version)
		}
		return p, nil
	}
	for i, part := range parts {
		if !strings.Contains(part, "+") {
			continue
		}
		pieces := javaSplit(part, "+")
		if len(pieces) < 2 {
			return PackageName{}, fmt.Errorf("parse nupkg package name %q: field %q does not split into name and metadata at '+' (Rosco fails with an index error)", input, part)
		}
		name := strings.Join(parts[:i], ".") + "." + pieces[0]
		return PackageName{name: some(name), release: some("+" + pieces[1])}, nil
	}
	return PackageName{name: some(strings.Join(parts, "."))}, nil
}

// nupkgVersionStart returns the index of the first version field, or 0 when
// there is none (index 0 is never a version).
func nupkgVersionStart(parts []string) int {
	for i := 1; i < len(parts); i++ {
		if groovyIsInteger(parts[i]) {
			return i
		}
	}
	for i := 1; i < len(parts); i++ {
		if strings.Contains(parts[i], "-") && startsWithInteger(parts[i]) {
			return i
		}
	}
	return 0
}

// startsWithInteger is Groovy's part[0].isInteger(): the first UTF-16 unit,
// as a one-character string, is an integer. A supplementary-plane character
// starts with a surrogate, which never is.
func startsWithInteger(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r <= 0xFFFF && groovyIsInteger(string(r))
}
