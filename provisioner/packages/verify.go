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

// parseVerifyOutput reads `@@package <name> <status>|<version>` and
// `@@unit <name> <enabled> <active>` lines (the "@@" keeps them out of the
// UI; the summary table shows them). Packages are keyed as the target
// names them: deb as name:architecture, rpm by name (see findInstalled).
func parseVerifyOutput(out string) (map[string]installedPackage, map[string]unitState) {
	pkgs := map[string]installedPackage{}
	units := map[string]unitState{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, packageMarker):
			rest := strings.TrimPrefix(line, packageMarker)
			name, state, _ := strings.Cut(rest, " ")
			status, version, _ := strings.Cut(state, "|")
			pkgs[name] = installedPackage{Name: name, Installed: strings.HasPrefix(strings.TrimSpace(status), "ii") && version != "", Version: strings.TrimSpace(version)}
		case strings.HasPrefix(line, unitMarker):
			f := strings.Fields(line)
			if len(f) == 4 {
				units[f[1]] = unitState{Unit: f[1], Enabled: f[2], Active: f[3]}
			}
		}
	}
	return pkgs, units
}

// findInstalled finds a requested package in the verify output. A deb
// request names the package with or without its architecture, and dpkg
// prints both always; without one, any installed architecture counts (a
// Multi-Arch package can be installed for several), and the first one
// found otherwise, in name order, so that the answer does not depend on
// the map.
func findInstalled(installed map[string]installedPackage, name string) (installedPackage, bool) {
	if got, ok := installed[name]; ok {
		return got, true
	}
	if strings.Contains(name, ":") {
		return installedPackage{}, false
	}
	var found []installedPackage
	for key, got := range installed {
		if strings.HasPrefix(key, name+":") {
			found = append(found, got)
		}
	}
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
func checkPackages(t PackageType, requested []PackageSpec, installed map[string]installedPackage) error {
	var problems []string
	for _, p := range requested {
		got, ok := findInstalled(installed, p.Name)
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
