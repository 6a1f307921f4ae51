package rosco

import (
	"fmt"
	"regexp"
	"strings"
)

// appVersionPattern is frigga 0.24.0's AppVersion pattern, which Rosco uses
// through AppVersion.parseName. parseName calls Matcher.matches(), so the
// whole string must match; \w is ASCII in both Java and Go.
var appVersionPattern = regexp.MustCompile(`^(?:([-a-zA-Z0-9._~^]+)-([0-9.a-zA-Z~]+)-(\w+)(?:[.](\w+))?(?:/([-a-zA-Z0-9._~^]+)/([0-9]+))?)\z`)

// AppVersion is the appversion tag Rosco derives from the first package of
// PackageList: name, then, when the package has a version, the version, the
// build number with its commit hash, and "/job/build" with '/' in the job
// replaced by '-'. Commit hash and job count only with a build number. ok is
// false where Rosco gives null: no packages, or a string frigga cannot parse
// (then Rosco passes no appversion variable at all).
func AppVersion(t PackageType, r Request) (appVersion string, ok bool, err error) {
	sep, err := t.separators()
	if err != nil {
		return "", false, fmt.Errorf("appversion: %w", err)
	}
	packages, err := PackageList(t, r)
	if err != nil {
		return "", false, fmt.Errorf("appversion: %w", err)
	}
	if len(packages) == 0 {
		return "", false, nil
	}
	first := packages[0]
	name, named := first.LookupName()
	if !named {
		return "", false, nil // Rosco's null name; its version is null too
	}
	appVersion = name
	if v := first.Version(); v != "" {
		appVersion += sep.version + v
		if r.BuildNumber != "" {
			appVersion += sep.buildNumber + r.BuildNumber
			if r.CommitHash != "" {
				appVersion += sep.commitHash + r.CommitHash
			}
			if r.Job != "" {
				appVersion += "/" + strings.ReplaceAll(r.Job, "/", "-") + "/" + r.BuildNumber
			}
		}
	}
	if !appVersionPattern.MatchString(appVersion) {
		return "", false, nil
	}
	return appVersion, true, nil
}
