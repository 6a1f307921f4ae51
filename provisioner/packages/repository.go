package packages

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// sourceRepo is one validated repository of the bake, independent of where
// it was configured (Rosco string, block, artifacts file).
type sourceRepo struct {
	// Label names the repository in logs: the user's name or the masked URL.
	Label string
	// Options are apt options given inside `[...]` in a Rosco line,
	// e.g. "arch=amd64".
	Options []string
	URL     *url.URL
	// Distribution and Components are used for deb only.
	Distribution string
	Components   []string
	Trusted      bool
	// KeyURL is fetched by the Packer host when the bake starts.
	KeyURL string
	// Key is the checked key known at Prepare (inline key or key file).
	Key *repoKey
	// Fingerprint is the key_fingerprint every key must have ("" when not
	// set), upper-case hex.
	Fingerprint string
}

// weakSecurityOptions are apt options that loosen signature checking when
// set to a true value; they stay possible (Rosco's users rely on them) but
// each prints a warning. trusted is handled apart: it is Trusted.
var weakSecurityOptions = []string{"allow-insecure", "allow-weak", "allow-downgrade-to-insecure"}

// aptBool reads a boolean option value as apt does (StringToBool, any case):
// ok is false for a value apt reads as neither.
func aptBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "yes", "true", "with", "on", "enable", "1":
		return true, true
	case "no", "false", "without", "off", "disable", "0":
		return false, true
	}
	return false, false
}

// warnings name what weakens this repository's signature checking.
func (r sourceRepo) warnings(t PackageType) []string {
	var w []string
	if r.Trusted {
		if t == RPM {
			w = append(w, fmt.Sprintf("warning: repository %s is unsigned (gpgcheck=0): its packages are installed without a signature check", r.Label))
		} else {
			w = append(w, fmt.Sprintf("warning: repository %s is [trusted=yes]: apt installs its packages without a signature check", r.Label))
		}
	}
	for _, o := range r.Options {
		name, value, _ := strings.Cut(o, "=")
		for _, weak := range weakSecurityOptions {
			if on, _ := aptBool(value); name == weak && on {
				w = append(w, fmt.Sprintf("warning: repository %s sets %s: apt accepts it with weak or missing signatures", r.Label, o))
			}
		}
	}
	return w
}

// identity is what makes two repositories the same for deduplication.
func (r sourceRepo) identity() string {
	return strings.Join([]string{strings.Join(r.Options, " "), r.URL.String(), r.Distribution,
		strings.Join(r.Components, " "), fmt.Sprint(r.Trusted), r.KeyURL, string(r.Key.armored()), r.Fingerprint}, "\x00")
}

// hasKey reports whether a signing key was configured for the repository.
func (r sourceRepo) hasKey() bool { return r.KeyURL != "" || r.Key != nil }

// matchKey is the host and path of the repository as apt prints them in
// its `Err:` and `Failed to fetch` lines (without credentials).
func (r sourceRepo) matchKey() string {
	return r.URL.Host + strings.TrimSuffix(r.URL.EscapedPath(), "/")
}

// parseRoscoLine reads one entry of Rosco's `repository` string:
// `[options] URL suite [components...]` for deb, `[options] URL` for rpm.
// Rosco wrote the entry into the sources file verbatim; here it is parsed
// so that the URL can be validated and masked, and so that a key can be
// attached.
func parseRoscoLine(t PackageType, field, line string) (sourceRepo, error) {
	if err := checkNoControl(field, line); err != nil {
		return sourceRepo{}, err
	}
	if err := checkCredentialsWhole(field, line); err != nil {
		return sourceRepo{}, err
	}
	var repo sourceRepo
	rest := strings.TrimSpace(line)
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return sourceRepo{}, fmt.Errorf("%s: %q: unterminated [options]", field, maskValue(line))
		}
		for _, opt := range strings.Fields(rest[1:end]) {
			if !sourceFieldPattern.MatchString(opt) || !strings.Contains(opt, "=") {
				return sourceRepo{}, fmt.Errorf("%s: %q: option %q is not key=value", field, maskValue(line), opt)
			}
			// apt reads trusted=true, =1, =on or =YES as trusted=yes: each
			// switches signature checking off, so each is Trusted.
			if name, value, _ := strings.Cut(opt, "="); name == "trusted" || slices.Contains(weakSecurityOptions, name) {
				on, ok := aptBool(value)
				if !ok {
					return sourceRepo{}, fmt.Errorf("%s: %q: option %q: apt reads %s as yes or no only", field, maskValue(line), opt, name)
				}
				if name == "trusted" {
					repo.Trusted = repo.Trusted || on
					if on || t == RPM {
						continue
					}
				}
			}
			if t == RPM {
				return sourceRepo{}, fmt.Errorf("%s: %q: rpm entries accept only the [trusted=yes] option", field, maskValue(line))
			}
			repo.Options = append(repo.Options, opt)
		}
		rest = strings.TrimSpace(rest[end+1:])
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return sourceRepo{}, fmt.Errorf("%s: %q has no URL", field, maskValue(line))
	}
	u, err := parseRepoURL(t, field, fields[0])
	if err != nil {
		return sourceRepo{}, err
	}
	repo.URL = u
	if repo.Trusted && hasSignedBy(repo.Options) {
		return sourceRepo{}, fmt.Errorf("%s: %q: [trusted=yes] switches off the signature check that signed-by asks for; use one of them", field, maskValue(line))
	}
	switch t {
	case RPM:
		if len(fields) > 1 {
			return sourceRepo{}, fmt.Errorf("%s: %q: an rpm entry is a single baseurl", field, maskValue(line))
		}
	default:
		if len(fields) < 2 {
			return sourceRepo{}, fmt.Errorf("%s: %q: a deb entry needs a URL and a suite, e.g. \"http://repo/apt bookworm main\" or \"http://repo/apt ./\"", field, maskValue(line))
		}
		for _, f := range fields[1:] {
			if !sourceFieldPattern.MatchString(f) || strings.ContainsAny(f, "[]") {
				return sourceRepo{}, fmt.Errorf("%s: %q: %q is not a valid suite or component", field, maskValue(line), f)
			}
		}
		repo.Distribution, repo.Components = fields[1], fields[2:]
	}
	repo.Label = MaskURLs(u.String())
	return repo, nil
}

// repositoryFromConfig validates a `repositories` entry.
func repositoryFromConfig(t PackageType, field string, rc RepositoryConfig) (sourceRepo, error) {
	if rc.Name != "" && !repoNamePattern.MatchString(rc.Name) {
		return sourceRepo{}, fmt.Errorf("%s.name: %q must be letters, digits, '-', '_' or '.'", field, rc.Name)
	}
	keys := 0
	for _, k := range []string{rc.KeyURL, rc.Key, rc.KeyFile} {
		if k != "" {
			keys++
		}
	}
	if keys > 1 {
		return sourceRepo{}, fmt.Errorf("%s: set only one of key_url, key and key_file", field)
	}
	if rc.KeyFingerprint != "" && keys == 0 {
		return sourceRepo{}, fmt.Errorf("%s: key_fingerprint needs one of key_url, key or key_file", field)
	}
	var repo sourceRepo
	switch {
	case rc.Line != "":
		if rc.URL != "" || rc.Distribution != "" || len(rc.Components) > 0 {
			return sourceRepo{}, fmt.Errorf("%s: line excludes url, distribution and components", field)
		}
		r, err := parseRoscoLine(t, field+".line", rc.Line)
		if err != nil {
			return sourceRepo{}, err
		}
		repo = r
	case rc.URL != "":
		u, err := parseRepoURL(t, field+".url", rc.URL)
		if err != nil {
			return sourceRepo{}, err
		}
		repo = sourceRepo{URL: u, Label: MaskURLs(u.String()), Distribution: rc.Distribution, Components: rc.Components}
		if t != RPM {
			if repo.Distribution == "" {
				repo.Distribution = "./"
			}
			for _, f := range append([]string{repo.Distribution}, repo.Components...) {
				if err := checkNoControl(field, f); err != nil {
					return sourceRepo{}, err
				}
				if !sourceFieldPattern.MatchString(f) || strings.ContainsAny(f, "[]=,") {
					return sourceRepo{}, fmt.Errorf("%s: %q is not a valid distribution or component", field, f)
				}
			}
			flat := strings.HasSuffix(repo.Distribution, "/")
			if flat && len(repo.Components) > 0 {
				return sourceRepo{}, fmt.Errorf("%s: distribution %q ends with '/' (a flat repository), so components must be empty", field, repo.Distribution)
			}
			if !flat && len(repo.Components) == 0 {
				return sourceRepo{}, fmt.Errorf("%s: distribution %q needs components, e.g. [\"main\"]", field, repo.Distribution)
			}
		} else if repo.Distribution != "" || len(repo.Components) > 0 {
			return sourceRepo{}, fmt.Errorf("%s: distribution and components are for deb repositories", field)
		}
	default:
		return sourceRepo{}, fmt.Errorf("%s: set either line or url", field)
	}
	repo.Trusted = repo.Trusted || rc.Trusted
	// A key with [trusted=yes] (or trusted = true) would be written and
	// then ignored: apt and dnf skip the signature check altogether.
	if repo.Trusted && keys > 0 {
		return sourceRepo{}, fmt.Errorf("%s: trusted (or [trusted=yes] in line) switches signature checking off, so it excludes key_url, key and key_file", field)
	}
	if rc.Name != "" {
		repo.Label = rc.Name
	}
	if rc.KeyFingerprint != "" {
		fp, err := parseFingerprint(field+".key_fingerprint", rc.KeyFingerprint)
		if err != nil {
			return sourceRepo{}, err
		}
		repo.Fingerprint = fp
	}
	switch {
	case rc.KeyURL != "":
		u, err := parseKeyURL(field+".key_url", rc.KeyURL)
		if err != nil {
			return sourceRepo{}, err
		}
		// Over plain http anyone on the path can replace the key, and
		// with it every signature check of the repository; a pinned
		// fingerprint makes the transport irrelevant.
		if u.Scheme == "http" && repo.Fingerprint == "" {
			return sourceRepo{}, fmt.Errorf("%s.key_url: %q is plain http, so anyone on the path could replace the key: use https, or pin the key with key_fingerprint", field, maskValue(rc.KeyURL))
		}
		repo.KeyURL = u.String()
	case rc.Key != "":
		key, err := checkKey(field+".key", []byte(rc.Key), repo.Fingerprint)
		if err != nil {
			return sourceRepo{}, err
		}
		repo.Key = key
	case rc.KeyFile != "":
		data, err := os.ReadFile(rc.KeyFile)
		if err != nil {
			return sourceRepo{}, fmt.Errorf("%s.key_file: %w", field, err)
		}
		key, err := checkKey(field+".key_file", data, repo.Fingerprint)
		if err != nil {
			return sourceRepo{}, err
		}
		repo.Key = key
	}
	if repo.hasKey() && hasSignedBy(repo.Options) {
		return sourceRepo{}, fmt.Errorf("%s: a key and a signed-by option exclude each other", field)
	}
	return repo, nil
}

func hasSignedBy(options []string) bool {
	for _, o := range options {
		if strings.HasPrefix(o, "signed-by=") {
			return true
		}
	}
	return false
}
