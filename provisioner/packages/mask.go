package packages

import (
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
	if p, ok := u.User.Password(); ok && p != "" {
		s.add(p)
		s.add(url.PathEscape(p))
		s.add(url.QueryEscape(p))
	} else {
		s.add(u.User.Username())
		s.add(url.PathEscape(u.User.Username()))
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
