package packages

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// installOrder selects how packages are handed to the package manager.
type installOrder string

// The install orders.
const (
	Ordered           installOrder = "ordered"
	SingleTransaction installOrder = "single_transaction"
)

// AptUpdateMode selects which sources `apt-get update` refreshes.
type AptUpdateMode string

// The apt update modes.
const (
	AptUpdateAuto   AptUpdateMode = "auto"
	AptUpdateFull   AptUpdateMode = "full"
	AptUpdateScoped AptUpdateMode = "scoped"
)

// request is the validated, typed form of Config for one package type. It
// is built by Prepare (for the configured type, or for both when the type is
// detected on the target) and again by Provision once the type is known.
type request struct {
	Type            PackageType
	Repositories    []sourceRepo
	Packages        []PackageSpec
	Order           installOrder
	Upgrade         bool
	DisableServices bool
	Units           []string
	KeepRepos       bool
	LockTimeout     time.Duration
	WaitCloudInit   *bool
	Sudo            *bool
	AptUpdate       AptUpdateMode
	ListsMaxAge     time.Duration
	// SBOMFile is where the inventory goes on the Packer host ("" for none).
	SBOMFile string
	// Header holds Rosco's four echo lines, credentials masked per URL.
	Header []string
	// Warnings name every repository whose signature checking is weakened
	// on purpose; the bake prints them.
	Warnings []string
	secrets  secretSet
}

// inputs are the raw values request building starts from: the config plus
// what the artifacts file contributed.
type inputs struct {
	cfg               *Config
	artifactRepoLines []string
	artifactPackages  []string
}

// buildRequest validates every input for package type t (which must be
// known) and returns the request. It touches nothing but the local files
// named by key_file.
func buildRequest(in inputs, t PackageType) (*request, error) {
	cfg := in.cfg
	var errs []error
	r := &request{Type: t, KeepRepos: cfg.KeepRepositories, WaitCloudInit: cfg.WaitForCloudInit, Sudo: cfg.Sudo}

	// Repositories: Rosco string, blocks, then artifacts; duplicates
	// dropped, first occurrence kept (Rosco sorted them; order is kept here).
	seen := map[string]bool{}
	addRepo := func(repo sourceRepo) {
		r.secrets.addURL(repo.URL)
		if repo.KeyURL != "" {
			if u, err := url.Parse(repo.KeyURL); err == nil {
				r.secrets.addURL(u)
			}
		}
		if id := repo.identity(); !seen[id] {
			seen[id] = true
			r.Repositories = append(r.Repositories, repo)
			r.Warnings = append(r.Warnings, repo.warnings(t)...)
			if cfg.KeepRepositories && repo.URL != nil && repo.URL.User != nil {
				r.Warnings = append(r.Warnings, fmt.Sprintf("warning: keep_repositories keeps the credentials of repository %s in the image (mode 0600, root only): whoever can launch the image can read them", repo.Label))
			}
		}
	}
	// Newlines would otherwise just separate words; they are refused
	// outright, as everywhere.
	if err := checkNoControl("repository", cfg.Repository); err != nil {
		errs = append(errs, err)
	}
	if err := checkNoControl("packages", cfg.Packages); err != nil {
		errs = append(errs, err)
	}
	for _, p := range cfg.PackageList {
		if err := checkNoControl("package_list", p); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range cfg.Services {
		if err := checkNoControl("services", s); err != nil {
			errs = append(errs, err)
		}
	}
	lines, splitErr := splitRoscoRepositories("repository", cfg.Repository)
	if splitErr != nil {
		errs = append(errs, splitErr)
	}
	for i, line := range lines {
		repo, err := parseRoscoLine(t, fmt.Sprintf("repository (entry %d)", i+1), line)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		addRepo(repo)
	}
	for i, rc := range cfg.Repositories {
		repo, err := repositoryFromConfig(t, fmt.Sprintf("repositories[%d]", i), rc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		addRepo(repo)
	}
	for i, line := range in.artifactRepoLines {
		repo, err := parseRoscoLine(t, fmt.Sprintf("artifacts_file (reference %d)", i+1), line)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		addRepo(repo)
	}

	// Packages: Rosco string, list, then artifact packages, in order.
	var tokens []string
	tokens = append(tokens, splitRoscoPackages(cfg.Packages)...)
	for _, p := range cfg.PackageList {
		tokens = append(tokens, splitRoscoPackages(p)...)
	}
	tokens = append(tokens, in.artifactPackages...)
	for _, tok := range tokens {
		spec, err := parsePackage(t, "packages", tok)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.Packages = append(r.Packages, spec)
	}
	var err error
	if r.Packages, err = dedupePackages(t, r.Packages); err != nil {
		errs = append(errs, err)
	}

	for _, s := range cfg.Services {
		for _, name := range strings.Split(s, ",") {
			unit, err := normalizeUnit("services", strings.TrimSpace(name))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			r.Units = appendUnique(r.Units, unit)
		}
	}

	switch o := installOrder(strings.TrimSpace(cfg.InstallOrder)); o {
	case "", Ordered:
		r.Order = Ordered
	case SingleTransaction:
		r.Order = SingleTransaction
	default:
		errs = append(errs, fmt.Errorf("install_order: %q is not ordered or single_transaction", cfg.InstallOrder))
	}
	if r.Upgrade, err = parseBoolString("upgrade", cfg.Upgrade, false); err != nil {
		errs = append(errs, err)
	}
	if r.DisableServices, err = parseBoolString("disable_services", cfg.DisableServices, true); err != nil {
		errs = append(errs, err)
	}
	if r.LockTimeout, err = parseDuration("lock_timeout", cfg.LockTimeout, 5*time.Minute); err != nil {
		errs = append(errs, err)
	} else if r.LockTimeout > 0 && r.LockTimeout < time.Second {
		// apt, dpkg and the script wait in whole seconds.
		errs = append(errs, fmt.Errorf("lock_timeout: %q is under a second; use 0 (do not wait) or at least 1s", cfg.LockTimeout))
	}
	if r.ListsMaxAge, err = parseDuration("apt_lists_max_age", cfg.AptListsMaxAge, 24*time.Hour); err != nil {
		errs = append(errs, err)
	}
	switch m := AptUpdateMode(strings.TrimSpace(cfg.AptUpdate)); m {
	case "":
		r.AptUpdate = AptUpdateAuto
	case AptUpdateAuto, AptUpdateFull, AptUpdateScoped:
		r.AptUpdate = m
	default:
		errs = append(errs, fmt.Errorf("apt_update: %q is not auto, full or scoped", cfg.AptUpdate))
	}
	if cfg.ArtifactsFile != "" {
		if err := checkNoControl("artifacts_file", cfg.ArtifactsFile); err != nil {
			errs = append(errs, err)
		}
	}
	if err := checkSBOMConfig(cfg); err != nil {
		errs = append(errs, err)
	}
	r.SBOMFile = cfg.SBOMFile
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.Header = roscoHeader(cfg, &r.secrets)
	return r, nil
}

// roscoHeader renders the four lines install_packages.sh echoes first;
// operators debug bakes from them. The values are shown as received, with
// credentials masked per URL.
func roscoHeader(cfg *Config, secrets *secretSet) []string {
	repos := cfg.Repository
	for _, rc := range cfg.Repositories {
		entry := rc.Line
		if entry == "" {
			entry = strings.TrimSpace(strings.Join(append([]string{rc.URL, rc.Distribution}, rc.Components...), " "))
		}
		if repos != "" {
			repos += ";"
		}
		repos += entry
	}
	packages := cfg.Packages
	if len(cfg.PackageList) > 0 {
		packages = strings.TrimSpace(packages + " " + strings.Join(cfg.PackageList, " "))
	}
	return []string{
		"repository=" + secrets.Mask(repos),
		"package_type=" + cfg.PackageType,
		"packages=" + packages,
		"upgrade=" + cfg.Upgrade,
	}
}

// dedupePackages drops repeated tokens and refuses two different requests
// for one package (`hello=1.0 hello=2.0`, `hello hello=2.0`, and the same
// with an architecture on one of them): the package manager would receive
// both and pick one by its own rules. Versions are compared with the
// package manager's rules, so `hello-1.0-1` and `hello-0:1.0-1` are one
// request.
func dedupePackages(t PackageType, specs []PackageSpec) ([]PackageSpec, error) {
	if t == "" {
		return specs, nil
	}
	var out []PackageSpec
	byName := map[string][]int{} // base name -> indexes in out
	var errs []error
	for _, p := range specs {
		base := p.baseName(t)
		keep := true
		for _, i := range byName[base] {
			have := out[i]
			if !have.sameArchitecture(t, p) {
				continue
			}
			if !sameRequestedVersion(t, have, p) {
				errs = append(errs, fmt.Errorf("packages: %q and %q request different versions of %s; keep one", have.Raw, p.Raw, base))
				keep = false
				break
			}
			if have.Name == p.Name && have.Arch == p.Arch {
				keep = false // the same request again
				break
			}
		}
		if keep {
			byName[base] = append(byName[base], len(out))
			out = append(out, p)
		}
	}
	return out, errors.Join(errs...)
}

func parseDuration(field, s string, def time.Duration) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return def, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s: %q is not a duration such as 90s or 5m", field, s)
	}
	return d, nil
}

func appendUnique(list []string, v string) []string {
	for _, have := range list {
		if have == v {
			return list
		}
	}
	return append(list, v)
}

// checkSBOMConfig refuses sbom_* values that cannot work, before anything runs.
func checkSBOMConfig(cfg *Config) error {
	var errs []error
	for field, v := range map[string]string{"sbom_file": cfg.SBOMFile, "sbom_bake_key": cfg.SBOMBakeKey, "sbom_image_name": cfg.SBOMImageName} {
		if err := checkNoControl(field, v); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.SBOMFile == "" {
		if cfg.SBOMBakeKey != "" || cfg.SBOMImageName != "" {
			errs = append(errs, errors.New("sbom_bake_key and sbom_image_name need sbom_file"))
		}
		return errors.Join(errs...)
	}
	if dir := filepath.Dir(cfg.SBOMFile); dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("sbom_file %q: directory %q does not exist on the machine running Packer", cfg.SBOMFile, dir))
		}
	}
	return errors.Join(errs...)
}

// packageNames are the requested packages' names without a deb
// architecture qualifier, in request order.
func (r *request) packageNames() []string {
	names := make([]string, len(r.Packages))
	for i, p := range r.Packages {
		names[i] = p.baseName(r.Type)
	}
	return names
}
