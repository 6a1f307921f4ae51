package packages

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// The grammars below are deliberately stricter than what dpkg, rpm and
// systemd accept: anything they let through is also free of shell
// metacharacters, so a value that passes can never change the meaning of a
// command line even before it is quoted.
var (
	// Debian Policy §5.6.1 (name) plus an optional `:arch` qualifier.
	debNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$`)
	// Debian Policy §5.6.12: [epoch:]upstream[-revision], upstream starts
	// with a digit.
	debVersionPattern = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$`)
	// RPM package names, and a whole `name-[epoch:]version-release[.arch]`
	// token: rpm allows these characters and dnf parses the token itself.
	rpmTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_+][A-Za-z0-9_+.~^:-]*$`)
	rpmNamePattern  = regexp.MustCompile(`^[A-Za-z0-9_+][A-Za-z0-9_+.-]*$`)
	// systemd.unit(5) names without `\x` escapes; `@` for template
	// instances.
	unitPattern = regexp.MustCompile(`^[A-Za-z0-9:_.@-]+$`)
	unitSuffix  = regexp.MustCompile(`\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$`)
	// Plain names chosen by the user for repositories.
	repoNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	// One field of a deb source line other than the URL: suite, component
	// or an `[option=value ...]` group.
	sourceFieldPattern = regexp.MustCompile(`^[A-Za-z0-9._~/+=,:\[\]-]+$`)
)

// forbiddenInValues are rejected in every configuration value: they would
// end a heredoc, a command or a line in a generated file.
const forbiddenInValues = "\n\r\x00"

// shellMeta are characters that never occur in valid package names, units,
// suites or URLs we accept; their presence means an injection attempt or a
// typo, and either way the value is refused.
const shellMeta = ";&|`$<>\\\"'(){}*?! \t"

func checkNoControl(field, value string) error {
	if strings.ContainsAny(value, forbiddenInValues) {
		return fmt.Errorf("%s: %q contains a newline or NUL character", field, MaskURLs(value))
	}
	return nil
}

// validDebName reports whether s is a Debian package name.
func validDebName(s string) bool { return len(s) <= 255 && debNamePattern.MatchString(s) }

// validDebVersion reports whether s is a Debian version string.
func validDebVersion(s string) bool { return len(s) <= 255 && debVersionPattern.MatchString(s) }

// normalizeUnit validates a systemd unit name and adds `.service` when the
// name has no unit-type suffix, which is what systemctl assumes too.
func normalizeUnit(field, s string) (string, error) {
	if err := checkNoControl(field, s); err != nil {
		return "", err
	}
	if s == "" || len(s) > 255 || !unitPattern.MatchString(s) || strings.HasPrefix(s, "-") {
		return "", fmt.Errorf("%s: %q is not a valid systemd unit name", field, s)
	}
	if !unitSuffix.MatchString(s) {
		s += ".service"
	}
	return s, nil
}

// parseRepoURL validates a repository URL. Only schemes apt and dnf fetch
// from are accepted, and the URL must be free of shell metacharacters once
// percent-encoded characters are left encoded.
func parseRepoURL(field, raw string) (*url.URL, error) {
	if err := checkNoControl(field, raw); err != nil {
		return nil, err
	}
	if strings.ContainsAny(raw, "`$;&|<>\\\"' \t(){}") {
		return nil, fmt.Errorf("%s: %q contains characters that are not allowed in a repository URL (percent-encode them)", field, MaskURLs(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a URL: %w", field, MaskURLs(raw), maskErr(err))
	}
	switch u.Scheme {
	case "http", "https", "ftp", "file", "s3", "tor+http", "tor+https", "mirror", "mirror+http", "mirror+https":
	default:
		return nil, fmt.Errorf("%s: %q has scheme %q; want http, https, ftp or file", field, MaskURLs(raw), u.Scheme)
	}
	if u.Scheme != "file" && u.Host == "" {
		return nil, fmt.Errorf("%s: %q has no host", field, MaskURLs(raw))
	}
	return u, nil
}

// maskErr removes credentials from errors produced by net/url, which quote
// the URL they failed on.
func maskErr(err error) error {
	return fmt.Errorf("%s", MaskURLs(err.Error()))
}
