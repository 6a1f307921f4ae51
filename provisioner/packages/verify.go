package packages

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
)

// installedPackage is one `package` line of the verify step.
type installedPackage struct {
	Name      string
	Installed bool
	Version   string
}

// unitState is one `unit` line of the verify step.
type unitState struct {
	Unit    string
	Enabled string
	Active  string // "not-booted" in a chroot
}

// installedSet is the verify step's package output: every installed
// instance of the requested packages, keyed name:architecture as the
// target prints them, and for deb the target's native architecture.
type installedSet struct {
	byKey map[string]installedPackage
	// byName lists the keys of each package name: lookups stay cheap on
	// lists of thousands of packages.
	byName map[string][]string
	native string
}

// parseVerifyOutput reads `@@arch <native>`, `@@package <name:arch>
// <status>|<version>` and `@@unit <name> <enabled> <active>` lines (the
// "@@" keeps them out of the UI; the summary table shows them).
func parseVerifyOutput(out string) (installedSet, map[string]unitState) {
	pkgs := installedSet{byKey: map[string]installedPackage{}, byName: map[string][]string{}}
	units := map[string]unitState{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, archMarker):
			pkgs.native = strings.TrimSpace(strings.TrimPrefix(line, archMarker))
		case strings.HasPrefix(line, packageMarker):
			rest := strings.TrimPrefix(line, packageMarker)
			name, state, _ := strings.Cut(rest, " ")
			status, version, _ := strings.Cut(state, "|")
			if _, seen := pkgs.byKey[name]; !seen {
				base, _, _ := strings.Cut(name, ":")
				pkgs.byName[base] = append(pkgs.byName[base], name)
			}
			pkgs.byKey[name] = installedPackage{Name: name, Installed: strings.HasPrefix(strings.TrimSpace(status), "ii") && version != "", Version: strings.TrimSpace(version)}
		case strings.HasPrefix(line, unitMarker):
			f := strings.Fields(line)
			if len(f) == 4 {
				units[f[1]] = unitState{Unit: f[1], Enabled: f[2], Active: f[3]}
			}
		}
	}
	return pkgs, units
}

// find returns the installed instance that answers the request p: the one
// the package manager installed for it, or, when none, a reason to say it
// is missing.
func (s installedSet) find(t PackageType, p PackageSpec) (installedPackage, bool) {
	if t == RPM {
		return s.findRPM(p)
	}
	return s.findDeb(p.Name)
}

// findDeb follows apt: `name` means the native architecture's instance, or
// the Architecture: all one; a foreign instance answers only when there is
// neither. `name:arch` means that architecture, and `name:<native>` also
// the all instance (apt installs it for that request).
func (s installedSet) findDeb(request string) (installedPackage, bool) {
	name, arch, qualified := strings.Cut(request, ":")
	candidates := []string{request}
	switch {
	case !qualified:
		candidates = []string{name + ":" + s.native, name + ":all", name}
	case arch == s.native:
		candidates = append(candidates, name+":all")
	}
	for _, key := range candidates {
		if got, ok := s.byKey[key]; ok {
			return got, true
		}
	}
	if qualified {
		return installedPackage{}, false
	}
	var foreign []installedPackage
	for _, key := range s.byName[name] {
		foreign = append(foreign, s.byKey[key])
	}
	return firstInstalled(foreign)
}

// findRPM matches as rpm -q does. A pinned request (name, version, maybe
// an architecture) takes the instances of that name and architecture, and
// the one of the requested version if there is one. Any other token is a
// label rpm matches against name, name.arch, name-version,
// name-version-release and name-version-release.arch (with or without the
// epoch, name-epoch:version too).
func (s installedSet) findRPM(p PackageSpec) (installedPackage, bool) {
	var matches []installedPackage
	for _, key := range s.rpmCandidates(p) {
		got := s.byKey[key]
		name, arch, _ := strings.Cut(key, ":")
		switch {
		case p.Pinned():
			if name == p.Name && (p.Arch == "" || arch == p.Arch) {
				if got.Installed && versionsEqual(RPM, p.Version, got.Version) {
					return got, true
				}
				matches = append(matches, got)
			}
		case (p.Arch == "" || arch == p.Arch) && slices.Contains(rpmLabels(name, arch, got.Version), p.Name):
			matches = append(matches, got)
		}
	}
	return firstInstalled(matches)
}

// rpmCandidates are the keys whose name can answer p: its name, or, for a
// token such as name-version, each prefix of it that ends before a '-' or
// a '.' (every label starts with the package name).
func (s installedSet) rpmCandidates(p PackageSpec) []string {
	keys := s.byName[p.Name]
	if p.Pinned() {
		return keys
	}
	for i := 1; i < len(p.Name); i++ {
		if p.Name[i] == '-' || p.Name[i] == '.' {
			keys = append(slices.Clip(keys), s.byName[p.Name[:i]]...)
		}
	}
	return keys
}

// rpmLabels are the spellings rpm -q accepts for an installed package
// (version is epoch:version-release).
func rpmLabels(name, arch, version string) []string {
	labels := []string{name}
	if arch != "" {
		labels = append(labels, name+"."+arch)
	}
	epoch, vr, hasEpoch := strings.Cut(version, ":")
	if !hasEpoch {
		vr, epoch = version, ""
	}
	v, _, _ := strings.Cut(vr, "-")
	for _, evr := range []string{v, vr, epoch + ":" + v, epoch + ":" + vr} {
		if evr == "" || strings.HasPrefix(evr, ":") {
			continue
		}
		labels = append(labels, name+"-"+evr)
		if arch != "" {
			labels = append(labels, name+"-"+evr+"."+arch)
		}
	}
	return labels
}

// firstInstalled picks an installed instance among several, or the first
// by name: the answer does not depend on map order.
func firstInstalled(found []installedPackage) (installedPackage, bool) {
	if len(found) == 0 {
		return installedPackage{}, false
	}
	slices.SortFunc(found, func(a, b installedPackage) int { return strings.Compare(a.Name, b.Name) })
	for _, got := range found {
		if got.Installed {
			return got, true
		}
	}
	return found[0], true
}

// checkPackages compares the installed state with the request and names
// every mismatch.
func checkPackages(t PackageType, requested []PackageSpec, installed installedSet) error {
	var problems []string
	for _, p := range requested {
		got, ok := installed.find(t, p)
		switch {
		case !ok || !got.Installed:
			problems = append(problems, fmt.Sprintf("package %s is not installed", p.Name))
		case p.Pinned() && !versionsEqual(t, p.Version, got.Version):
			problems = append(problems, fmt.Sprintf("package %s: installed version %s, requested %s", p.Name, got.Version, p.Version))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("verification failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkUnits requires every unit to be enabled and, when systemd runs,
// inactive: the image must start them at boot, not the bake.
func checkUnits(units []string, states map[string]unitState, booted bool) error {
	var problems []string
	for _, u := range units {
		s, ok := states[u]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unit %s: no state reported", u))
		case s.Enabled != "enabled":
			problems = append(problems, fmt.Sprintf("unit %s is %s, want enabled", u, s.Enabled))
		case booted && s.Active != "inactive":
			problems = append(problems, fmt.Sprintf("unit %s is %s, want inactive (it was started during the bake)", u, s.Active))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("verification failed: %s", strings.Join(problems, "; "))
	}
	return nil
}
