package packages

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
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
		return fmt.Errorf("%s: %q contains a newline or NUL character", field, maskValue(value))
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
	if strings.ContainsAny(s, " \t") {
		return "", fmt.Errorf("%s: %q: a systemd unit name cannot contain whitespace (list several units as separate elements)", field, s)
	}
	if s == "" || !unitPattern.MatchString(s) || strings.HasPrefix(s, "-") {
		return "", fmt.Errorf("%s: %q is not a valid systemd unit name", field, s)
	}
	if !unitSuffix.MatchString(s) {
		s += ".service"
	}
	// systemd's limit applies to the full name, suffix included.
	if len(s) > 255 {
		return "", fmt.Errorf("%s: %q is %d characters long as a unit name, over systemd's 255", field, s, len(s))
	}
	return s, nil
}

// repoSchemes are the URL schemes of repository URLs per package type:
// what apt's transports (with the usual methods packages) and dnf's
// librepo fetch from.
var repoSchemes = map[PackageType][]string{
	Deb: {"http", "https", "ftp", "file", "cdrom", "s3", "tor+http", "tor+https",
		"mirror", "mirror+http", "mirror+https", "mirror+ftp", "mirror+file"},
	RPM: {"http", "https", "ftp", "file"},
}

// dnfVariable matches dnf's `$name` substitutions (`$releasever`,
// `$basearch`, variables from /etc/dnf/vars); dnf expands them in a baseurl.
var dnfVariable = regexp.MustCompile(`\$[A-Za-z_][A-Za-z0-9_]*`)

// parseRepoURL validates a repository URL. Only schemes the package
// manager fetches from are accepted, and the URL must be free of shell
// metacharacters once percent-encoded characters are left encoded (rpm
// keeps dnf's `$name` variables). When the type is still unknown, either
// type's rules may accept it.
func parseRepoURL(t PackageType, field, raw string) (*url.URL, error) {
	if err := checkNoControl(field, raw); err != nil {
		return nil, err
	}
	check := raw
	if t == RPM || t == "" {
		check = dnfVariable.ReplaceAllString(raw, "")
	}
	if strings.ContainsAny(check, "`$;&|<>\\\"' \t(){}") {
		hint := "percent-encode them"
		if strings.Contains(check, "${") {
			hint = "write dnf variables as $name, without braces"
		}
		return nil, fmt.Errorf("%s: %q contains characters that are not allowed in a repository URL (%s)", field, maskValue(raw), hint)
	}
	u, err := parseURLWithCredentials(field, raw)
	if err != nil {
		return nil, err
	}
	schemes := repoSchemes[t]
	if t == "" {
		schemes = append(append([]string(nil), repoSchemes[Deb]...), repoSchemes[RPM]...)
	}
	if !slices.Contains(schemes, u.Scheme) {
		return nil, fmt.Errorf("%s: %q has scheme %q; want one of %s", field, maskValue(raw), u.Scheme, strings.Join(schemes, ", "))
	}
	if u.Host == "" && !strings.HasSuffix(u.Scheme, "file") && u.Scheme != "cdrom" {
		return nil, fmt.Errorf("%s: %q has no host", field, maskValue(raw))
	}
	if err := checkCredentials(t, field, raw, u.User); err != nil {
		return nil, err
	}
	return u, nil
}

// dnfVariableInValue matches what dnf (libdnf's ConfigParser) substitutes in
// every value of a .repo file, username and password included: `$name` or
// `${name}` with a name of letters, digits and '_'. dnf 4.14 has no escape
// for '$', and /etc/dnf/vars on the image can define any name, so a password
// holding one would silently become another password.
var dnfVariableInValue = regexp.MustCompile(`\$[A-Za-z0-9_{]`)

// checkCredentials refuses URL credentials that would change the file they
// are written to (repofiles.go: apt's auth.conf.d, dnf's username= and
// password=) instead of being carried as they are. The errors name the
// field and the masked URL, never the credentials or the offending
// character.
func checkCredentials(t PackageType, field, raw string, user *url.Userinfo) error {
	if user == nil {
		return nil
	}
	pass, _ := user.Password()
	for _, part := range []struct{ name, value string }{{"user", user.Username()}, {"password", pass}} {
		// A decoded newline starts a new line, and so a new option or
		// section, in a .repo or auth.conf file; NUL and the other
		// control characters cut or garble it.
		if strings.ContainsFunc(part.value, isControl) {
			return fmt.Errorf("%s: %q: the URL's %s contains a control character (percent-encoded or not), which would break the line it is written to", field, maskValue(raw), part.name)
		}
		switch t {
		case Deb:
			// apt's auth.conf separates its words by whitespace.
			if strings.ContainsFunc(part.value, unicode.IsSpace) {
				return fmt.Errorf("%s: %q: apt cannot use a %s that contains whitespace", field, maskValue(raw), part.name)
			}
		default:
			if dnfVariableInValue.MatchString(part.value) {
				return fmt.Errorf("%s: %q: the URL's %s holds '$' followed by a letter, digit, '_' or '{', which dnf replaces with a variable in a .repo file (and has no escape for)", field, maskValue(raw), part.name)
			}
			// dnf strips white space around a value.
			if strings.TrimSpace(part.value) != part.value {
				return fmt.Errorf("%s: %q: the URL's %s starts or ends with white space, which dnf strips", field, maskValue(raw), part.name)
			}
		}
	}
	return nil
}

// isControl reports the C0 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// parseKeyURL validates a key_url. The Packer host fetches keys itself,
// over https (or http when key_fingerprint pins the key: repositoryFromConfig);
// other schemes would fail only after the fetch retries, so they are
// refused here.
func parseKeyURL(field, raw string) (*url.URL, error) {
	if err := checkNoControl(field, raw); err != nil {
		return nil, err
	}
	u, err := parseURLWithCredentials(field, raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%s: %q has scheme %q; the Packer host fetches keys over https (or http with key_fingerprint)", field, maskValue(raw), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s: %q has no host", field, maskValue(raw))
	}
	return u, nil
}

// parseURLWithCredentials parses a URL and refuses an '@' outside the
// userinfo: it means a password holding '/', '?' or '#' that was not
// percent-encoded, which would make the rest of the password the path and
// print it unmasked.
func parseURLWithCredentials(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a URL: %w", field, maskValue(raw), maskErr(err))
	}
	if strings.Contains(u.Host, "@") || strings.Contains(u.Path, "@") || strings.Contains(u.RawQuery, "@") || strings.Contains(u.Fragment, "@") {
		return nil, fmt.Errorf("%s: %q has an '@' after its host; percent-encode '/', '?', '#' and '@' in a user or password (e.g. %%2F)", field, maskValue(raw))
	}
	return u, nil
}

// checkCredentialsWhole refuses a repository entry whose URL credentials
// contain whitespace: the entry would split inside the password, and the
// part after the split would be printed as a suite or component.
func checkCredentialsWhole(field, line string) error {
	i := strings.Index(line, "://")
	if i < 0 {
		return nil
	}
	rest := line[i+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 && strings.ContainsAny(rest[:at], " \t") {
		return fmt.Errorf("%s: %q: the URL's user or password contains whitespace; percent-encode it (%%20)", field, maskValue(line))
	}
	return nil
}

// maskErr removes credentials from errors produced by net/url, which quote
// the URL they failed on.
func maskErr(err error) error {
	return fmt.Errorf("%s", maskValue(err.Error()))
}
