package packages

import (
	"fmt"
	"regexp"
	"strings"
)

// credentialsWithSeparator matches a URL whose userinfo contains a ';'.
var credentialsWithSeparator = regexp.MustCompile(`://[^/\s@]*;[^/\s]*@`)

// stripOneQuotePair removes one surrounding pair of `"` or `'`. Rosco's
// script strips only double quotes, but its chroot templates wrap values in
// single quotes, which then reached apt literally; stripping either kind
// fixes that without changing the meaning of any working input.
func stripOneQuotePair(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 {
		first, last := s[0], s[len(s)-1]
		if (first == '"' || first == '\'') && first == last {
			return s[1 : len(s)-1]
		}
	}
	return s
}

// splitRoscoPackages turns Rosco's `packages` string into tokens: one quote
// pair stripped, commas read as spaces, runs of whitespace collapsed.
func splitRoscoPackages(s string) []string {
	s = strings.ReplaceAll(stripOneQuotePair(s), ",", " ")
	return strings.Fields(s)
}

// splitRoscoRepositories turns Rosco's `repository` string into entries.
// Rosco splits on `;` and writes even empty entries as a bare `deb ` line,
// which apt rejects; here an empty entry is an error that names its
// position. A trailing `;` is ignored, as in Rosco.
func splitRoscoRepositories(field, s string) ([]string, error) {
	s = strings.TrimSpace(stripOneQuotePair(s))
	if s == "" {
		return nil, nil
	}
	// A ';' inside a URL's credentials would split the URL and spread the
	// password over two entries, where no masking can recognise it.
	if credentialsWithSeparator.MatchString(s) {
		return nil, fmt.Errorf("%s: %q: a URL's user or password contains ';', which separates repositories; percent-encode it as %%3B", field, maskValue(s))
	}
	s = strings.TrimSuffix(s, ";")
	parts := strings.Split(s, ";")
	entries := make([]string, 0, len(parts))
	for i, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" {
			return nil, fmt.Errorf("%s: entry %d of %q is empty", field, i+1, maskValue(s))
		}
		entries = append(entries, p)
	}
	return entries, nil
}

// parseBoolString reads Rosco's string booleans. Rosco acts only on the
// exact value "true"; "false" and "" mean off. JSON booleans decoded into a
// string field arrive as "1"/"0".
func parseBoolString(field, s string, def bool) (bool, error) {
	switch strings.TrimSpace(stripOneQuotePair(s)) {
	case "":
		return def, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not true, false or empty", field, s)
}
