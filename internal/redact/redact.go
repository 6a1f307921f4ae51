// Package redact removes credentials from text before it is printed, logged or hashed.
package redact

import (
	"regexp"
	"strings"
)

// userinfo finds the `user:password@` part of every URL in a text. The userinfo ends at the last
// '@' before the URL's path, so a password holding '@' or ';' is masked whole. Each URL is masked
// on its own, unlike Rosco's echo, which drops everything up to the last '@' of the whole string.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s]*@`)

// Masked replaces the credentials of a URL.
const Masked = "***@"

// URLCredentials replaces the credentials of every URL in s with `***`.
func URLCredentials(s string) string {
	return userinfo.ReplaceAllString(s, "${1}"+Masked)
}

// Value masks the credentials of every URL in a configuration value that is
// quoted in an error. Unlike URLCredentials, which must leave ordinary
// output readable, it masks from each "://" up to the last '@' before the
// next URL, so that a password holding '/', whitespace or '@' is hidden
// whole even when the value does not parse as a URL (the case where a
// user's value is echoed back).
func Value(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return URLCredentials(b.String())
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := len(s)
		if next := strings.Index(s, "://"); next >= 0 {
			end = next
		}
		if at := strings.LastIndex(s[:end], "@"); at >= 0 {
			b.WriteString(Masked)
			s = s[at+1:]
		}
	}
}
