// Package redact removes credentials from text before it is printed, logged or hashed.
package redact

import (
	"regexp"
	"strings"
)

// Masked replaces the credentials of a URL.
const Masked = "***@"

// scheme starts a URL: `scheme://`.
var scheme = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://`)

// URLCredentials replaces the `user:password@` (or `token@`) part of every URL in s with `***@`.
//
// Each URL is masked on its own, unlike Rosco's echo, which drops everything up to the last '@' of
// the whole string. Users write passwords that RFC 3986 would have them percent-encode, so the
// userinfo is not taken to end at the first '/', ';' or space as a URL parser would. With a
// password, it ends at the last '@' (before the next URL's scheme) followed by a host (a name or
// [address], an optional port) and then '/', ':', '?' or '#'; failing that, at the last '@'
// followed by a host and then the end of the text, white space, ';' or a quote
// (`https://u:p@host ./`). A password holding '@', ':', ';', '/' or spaces (`P@ss:123`,
// `P@ssw0rd/1`) is therefore masked whole. A token without a password ends at its first such '@'.
// Two cases stay unmasked because they are not credentials: an authority `host:port` followed by
// a path holding '@' (`https://h:8443/npm/@scope/x`), and a '@' after the next URL's scheme.
// Erring the other way, when a URL has credentials, a later `word@host` before the next URL is
// masked with them: a secret matters more than the text after it.
//
// This is a scanner rather than net/url because the text is not one URL: it is a repository line,
// a `;`-separated list or a log line, and a password with '/' or spaces is not a valid URL.
func URLCredentials(s string) string {
	var b strings.Builder
	for {
		loc := scheme.FindStringIndex(s)
		if loc == nil {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:loc[1]])
		s = s[loc[1]:]
		if n := userinfoLen(s); n > 0 {
			b.WriteString(Masked)
			s = s[n:]
		}
	}
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

// userinfoLen returns the length of the userinfo at the start of rest (what follows `://`),
// its '@' included, or 0 when rest starts with no userinfo.
func userinfoLen(rest string) int {
	if next := scheme.FindStringIndex(rest); next != nil {
		rest = rest[:next[0]]
	}
	user, password, hasPassword := rest, "", false
	if i := strings.IndexAny(rest, ":@"); i >= 0 && rest[i] == ':' {
		user, password, hasPassword = rest[:i], rest[i+1:], true
	} else if i >= 0 {
		user = rest[:i]
	}
	if strings.ContainsAny(user, "/@ \t\r\n") {
		return 0
	}
	if hasPassword && portThenPath.MatchString(password) {
		return 0 // host:port/path, whatever '@' the path holds
	}
	strong, weak := 0, 0
	for at := 0; ; at++ {
		i := strings.IndexByte(rest[at:], '@')
		if i < 0 {
			break
		}
		at += i
		if !hasPassword && strings.ContainsAny(rest[:at], "/ \t\r\n") {
			break // a token holds none of these; this '@' is in a path
		}
		m := hostThenEnd.FindStringSubmatch(rest[at+1:])
		switch {
		case m == nil:
		case m[1] != "" && strings.Contains("/:?#", m[1]):
			strong = at + 1
		default:
			weak = at + 1
		}
	}
	if strong > 0 {
		return strong
	}
	return weak
}

var (
	// portThenPath is what follows "host:" in an authority without userinfo.
	portThenPath = regexp.MustCompile(`^[0-9]*(?:[/?#\s]|$)`)
	// hostThenEnd is a host, an optional port and what may follow an authority (group 1).
	hostThenEnd = regexp.MustCompile(`^(?:[A-Za-z0-9._~%!$&'()*+,=-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?($|[/:?#;\s"'\]])`)
)
