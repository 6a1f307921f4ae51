// Package redact removes credentials from text before it is printed, logged or hashed.
package redact

import "regexp"

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
