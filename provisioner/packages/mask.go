package packages

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
)

// MaskURLs replaces the credentials of every URL in s with `***`.
func MaskURLs(s string) string { return redact.URLCredentials(s) }

// maskValue masks credentials in a configuration value quoted in an
// error, including passwords that do not parse (see redact.Value).
func maskValue(s string) string { return redact.Value(s) }

// secretSet holds the literal credentials of the configured repositories so
// that they can be removed from any text, including package-manager output
// that prints them without a URL around them.
type secretSet struct {
	values []string
}

// addURL records the password (and, when it has none, the user) of u in its
// raw and decoded forms.
func (s *secretSet) addURL(u *url.URL) {
	if u == nil || u.User == nil {
		return
	}
	// A token often travels as the user (`https://TOKEN@host`,
	// `https://TOKEN:@host`): without a password, the user is the secret.
	secret := u.User.Username()
	if p, ok := u.User.Password(); ok && p != "" {
		secret = p
	}
	s.add(secret)
	s.add(url.PathEscape(secret))
	s.add(url.QueryEscape(secret))
	for _, form := range percentEncoded(secret) {
		s.add(form)
	}
	if raw := u.User.String(); raw != "" {
		s.add(raw)
	}
}

func (s *secretSet) add(v string) {
	// Very short values would mask ordinary words everywhere.
	if len(v) < 3 {
		return
	}
	for _, have := range s.values {
		if have == v {
			return
		}
	}
	s.values = append(s.values, v)
	// Longest first, so that a value containing another is masked whole.
	sort.Slice(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

// Mask removes URL credentials and every recorded secret from text.
func (s *secretSet) Mask(text string) string {
	text = MaskURLs(text)
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, "***")
	}
	return text
}

// Rosco scrapes the merged Packer output for the image name and AMI ids
// (rosco-compat.md §f). These patterns are the tokens it looks for; any line
// of ours, or of the target's output, containing one is rewritten so that
// Rosco's scraper can no longer match it.
var (
	scrapeRegionColon = regexp.MustCompile(`\b([a-z]{2}(?:-[a-z]+)?-[a-z]{2,10}-[0-9]+):`)
	scrapeAMIID       = regexp.MustCompile(`\bami-([a-z0-9]{8,})`)
)

// NeutralizeScrapeTokens rewrites text that Rosco's log scraper would take
// for an image name, an AMI id or the build summary.
func NeutralizeScrapeTokens(line string) string {
	line = strings.ReplaceAll(line, "Creating the AMI:", "Creating the AMI -")
	line = strings.ReplaceAll(line, "Creating unencrypted AMI", "Creating unencrypted-AMI")
	line = strings.ReplaceAll(line, "==> Builds finished", "=> Builds finished")
	line = scrapeRegionColon.ReplaceAllString(line, "$1 :")
	line = scrapeAMIID.ReplaceAllString(line, "ami_$1")
	return line
}

// percentEncoded returns v with every byte outside RFC 3986's unreserved
// set percent-encoded, in upper- and in lower-case hex: the forms a user
// writes a credential in a URL when encoding all of it, which
// url.PathEscape and url.QueryEscape do not produce (they leave `$`, `!`,
// `:` and others as they are).
func percentEncoded(v string) []string {
	var upper, lower strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			upper.WriteByte(c)
			lower.WriteByte(c)
			continue
		}
		fmt.Fprintf(&upper, "%%%02X", c)
		fmt.Fprintf(&lower, "%%%02x", c)
	}
	return []string{upper.String(), lower.String()}
}
