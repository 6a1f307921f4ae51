package packages

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"
)

// Ordered installs on deb without paying one full apt resolution per
// package: one apt run resolves the whole request and downloads the
// solution into an empty directory of the bake (so the directory holds
// exactly the packages apt chose), then each requested package is installed
// with dpkg, together with those of its dependencies that are not installed
// yet, in the requested order. Each dpkg call is its own transaction, so
// package N is configured before package N+1 is unpacked and a failure stops
// the run, as in Rosco's one-`apt-get install`-per-package loop. A
// single_transaction bake installs the whole solution as one dpkg
// transaction instead. When apt's solution removes packages, dpkg cannot
// reproduce it: apt refuses such a solution (--no-remove) and the executor
// falls back to `apt-get install` (one per package, or one for all).

// debPackage is one package of apt's solution, read from the control
// fields of the file apt downloaded.
type debPackage struct {
	Name    string
	Version string
	Arch    string
	File    string
	// Requires holds the names of Pre-Depends, Depends and Recommends.
	Requires []string
	Provides []string
}

// removalRefused matches apt's error when its solution would remove
// packages and --no-remove forbids it.
var removalRefused = regexp.MustCompile(`Packages need to be removed but remove is disabled`)

// extractFields returns the "@@field" lines of the resolve step's output,
// without the marker.
func extractFields(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, fieldsMarker) || l == strings.TrimSpace(fieldsMarker) {
			b.WriteString(strings.TrimPrefix(strings.TrimPrefix(l, fieldsMarker), strings.TrimSpace(fieldsMarker)))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// parseSolution reads the resolve step's "@@field" blocks (dpkg-deb -f
// output, each block starting with a "File: <path>" line) into apt's
// solution, in the order printed. Every name, version, architecture and
// path is checked, since they become arguments of the install step.
func parseSolution(lines []string) ([]debPackage, error) {
	var pkgs []debPackage
	var cur debPackage
	var lastField string
	flush := func() error {
		defer func() { cur, lastField = debPackage{}, "" }()
		if cur.File == "" && cur.Name == "" {
			return nil
		}
		if !validDebName(cur.Name) || !validDebVersion(cur.Version) || cur.Arch == "" ||
			strings.ContainsAny(cur.Arch, shellMeta+"/") || !strings.HasPrefix(cur.File, "/") ||
			!strings.HasSuffix(cur.File, ".deb") || strings.ContainsAny(cur.File, shellMeta) {
			return fmt.Errorf("unexpected control fields of a downloaded package: file %q, package %q, version %q, architecture %q", cur.File, cur.Name, cur.Version, cur.Arch)
		}
		pkgs = append(pkgs, cur)
		return nil
	}
	addField := func(field, value string) {
		switch field {
		case "Package":
			cur.Name = strings.TrimSpace(value)
		case "Version":
			cur.Version = strings.TrimSpace(value)
		case "Architecture":
			cur.Arch = strings.TrimSpace(value)
		case "Pre-Depends", "Depends", "Recommends":
			cur.Requires = append(cur.Requires, relationNames(value)...)
		case "Provides":
			cur.Provides = append(cur.Provides, relationNames(value)...)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(extractFields(lines)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "File: "):
			if err := flush(); err != nil {
				return nil, err
			}
			cur.File = strings.TrimSpace(strings.TrimPrefix(line, "File: "))
		case line[0] == ' ' || line[0] == '\t':
			addField(lastField, line)
		default:
			field, value, ok := strings.Cut(line, ":")
			if ok {
				lastField = field
				addField(field, value)
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return pkgs, nil
}

// relationNames returns every package name of a Debian relation field,
// alternatives included, without versions, architectures or profiles.
func relationNames(field string) []string {
	var names []string
	for _, clause := range strings.Split(field, ",") {
		for _, alt := range strings.Split(clause, "|") {
			alt = strings.TrimSpace(alt)
			if end := strings.IndexAny(alt, " (:[<"); end >= 0 {
				alt = alt[:end]
			}
			if alt != "" {
				names = append(names, alt)
			}
		}
	}
	return names
}

// orderedGroups splits apt's solution into one dpkg transaction per
// requested package: the package plus everything it needs (directly or
// through other members of the solution) that an earlier group did not
// install. Members reachable from no requested package (they should not
// exist) join the last group. Groups keep the solution's order inside;
// dpkg orders a transaction itself.
func orderedGroups(solution []debPackage, requested []string) [][]debPackage {
	index := map[string]int{}
	for i, p := range solution {
		index[p.Name] = i
	}
	providers := map[string][]int{}
	for i, p := range solution {
		for _, v := range p.Provides {
			providers[v] = append(providers[v], i)
		}
	}
	done := make([]bool, len(solution))
	var groups [][]debPackage
	for _, name := range requested {
		start, ok := index[name]
		if !ok || done[start] {
			// Already installed, or pulled in by an earlier group.
			continue
		}
		member := make([]bool, len(solution))
		stack := []int{start}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if member[i] || done[i] {
				continue
			}
			member[i] = true
			for _, dep := range solution[i].Requires {
				if j, ok := index[dep]; ok {
					stack = append(stack, j)
				}
				stack = append(stack, providers[dep]...)
			}
		}
		var group []debPackage
		for i, in := range member {
			if in {
				group = append(group, solution[i])
				done[i] = true
			}
		}
		groups = append(groups, group)
	}
	var rest []debPackage
	for i, d := range done {
		if !d {
			rest = append(rest, solution[i])
		}
	}
	if len(rest) > 0 {
		if len(groups) == 0 {
			groups = append(groups, rest)
		} else {
			groups[len(groups)-1] = append(groups[len(groups)-1], rest...)
		}
	}
	return groups
}

// dpkgGroupsArgs are the arguments of the install step for the groups:
// (--group LABEL FILE...)... [--auto NAME...]. Dependencies are marked
// automatically installed, as apt would have done, so that `apt-get
// autoremove` behaves the same in the image.
func dpkgGroupsArgs(groups [][]debPackage, requested []string) []string {
	isRequested := map[string]bool{}
	for _, n := range requested {
		isRequested[n] = true
	}
	var args, deps []string
	for _, group := range groups {
		var labels []string
		for _, p := range group {
			label := p.Name + "=" + p.Version
			if !isRequested[p.Name] {
				deps = append(deps, p.Name)
				label += "(dependency)"
			}
			labels = append(labels, label)
		}
		args = append(args, "--group", strings.Join(labels, ","))
		for _, p := range group {
			args = append(args, p.File)
		}
	}
	if len(deps) > 0 {
		args = append(append(args, "--auto"), deps...)
	}
	return args
}

// debInstallStep installs apt's solution with dpkg: one transaction per
// requested package (ordered, see orderedGroups) or one for the whole
// solution (single_transaction: what apt-get install would run, without
// resolving a second time). One remote command installs every group, so
// the per-package cost is dpkg's own; the script announces each group
// with an "@@phase" line.
func debInstallStep(r *request, solution []debPackage) step {
	requested := r.packageNames()
	groups := orderedGroups(solution, requested)
	if r.Order == SingleTransaction {
		groups = [][]debPackage{solution}
	}
	return step{Phase: "install", Func: "dpkg_groups", Args: dpkgGroupsArgs(groups, requested), Kind: kindGroups}
}
