package packages

import (
	"bufio"
	"fmt"
	"strings"
)

// Ordered installs on deb without paying one full apt resolution per
// package: apt resolves and downloads the whole request once (its
// simulation tells which packages and versions it chose), then each
// requested package is installed with dpkg, together with those of its
// dependencies that are not installed yet, in the requested order. Each dpkg
// call is its own transaction, so package N is configured before package N+1
// is unpacked and a failure stops the run, as in Rosco's one-`apt-get
// install`-per-package loop. When apt's solution removes packages, dpkg
// cannot reproduce it and the executor falls back to one `apt-get install`
// per package.

// simPackage is one `Inst` line of `apt-get -s install`.
type simPackage struct {
	Name    string // without an :arch qualifier
	Version string
	Arch    string
}

// debFile is where apt keeps the downloaded package.
func (p simPackage) debFile() string {
	return fmt.Sprintf("/var/cache/apt/archives/%s_%s_%s.deb", p.Name, strings.ReplaceAll(p.Version, ":", "%3a"), p.Arch)
}

// simulation is apt's plan for the whole request.
type simulation struct {
	Install []simPackage
	Removes bool
}

// parseSimulation reads `apt-get -s install` output, e.g.
// `Inst hello-svc [1.0.1-h6] (1.0.0-h5 . [all])`, with or without the
// "@@sim " prefix the resolve step adds.
func parseSimulation(out string) (simulation, error) {
	var sim simulation
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "@@sim "))
		switch {
		case strings.HasPrefix(line, "Remv "):
			sim.Removes = true
		case strings.HasPrefix(line, "Inst "):
			fields := strings.Fields(line)
			if len(fields) < 3 {
				return sim, fmt.Errorf("unexpected apt simulation line %q", line)
			}
			name, _, _ := strings.Cut(fields[1], ":")
			open := strings.Index(line, "(")
			closeIdx := strings.LastIndex(line, ")")
			if open < 0 || closeIdx < open {
				return sim, fmt.Errorf("unexpected apt simulation line %q", line)
			}
			inner := strings.Fields(line[open+1 : closeIdx])
			if len(inner) == 0 {
				return sim, fmt.Errorf("unexpected apt simulation line %q", line)
			}
			arch := ""
			if last := inner[len(inner)-1]; strings.HasPrefix(last, "[") && strings.HasSuffix(last, "]") {
				arch = strings.Trim(last, "[]")
			}
			if arch == "" || !validDebName(name) || !validDebVersion(inner[0]) || strings.ContainsAny(arch, shellMeta+"/") {
				return sim, fmt.Errorf("unexpected apt simulation line %q", line)
			}
			sim.Install = append(sim.Install, simPackage{Name: name, Version: inner[0], Arch: arch})
		}
	}
	return sim, nil
}

// debRelations are the fields of a downloaded package that order installs.
type debRelations struct {
	Package  string
	Requires []string // names from Pre-Depends, Depends and Recommends
	Provides []string
}

// fieldsMarker prefixes the relation blocks the resolve step prints.
const fieldsMarker = "@@field "

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

// parseDebFields reads dpkg-deb -f blocks, each starting with a
// "File: <path>" line, into relations keyed by file path.
func parseDebFields(out string) map[string]debRelations {
	result := map[string]debRelations{}
	var cur debRelations
	var file, lastField string
	flush := func() {
		if cur.Package != "" && file != "" {
			result[file] = cur
		}
		cur, lastField = debRelations{}, ""
	}
	addField := func(field, value string) {
		switch field {
		case "Package":
			cur.Package = strings.TrimSpace(value)
		case "Pre-Depends", "Depends", "Recommends":
			cur.Requires = append(cur.Requires, relationNames(value)...)
		case "Provides":
			cur.Provides = append(cur.Provides, relationNames(value)...)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
			file = ""
		case strings.HasPrefix(line, "File: "):
			flush()
			file = strings.TrimSpace(strings.TrimPrefix(line, "File: "))
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
	flush()
	return result
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

// relationsByName picks, for each package of the solution, the relations of
// exactly the file apt downloaded for it. ok is false when one is missing.
func relationsByName(sim simulation, byFile map[string]debRelations) (map[string]debRelations, bool) {
	rel := map[string]debRelations{}
	for _, p := range sim.Install {
		r, found := byFile[p.debFile()]
		if !found {
			return nil, false
		}
		rel[p.Name] = r
	}
	return rel, true
}

// orderedGroups splits apt's solution into one dpkg transaction per
// requested package: the package plus everything it needs (directly or
// through other members of the solution) that an earlier group did not
// install. Members reachable from no requested package (they should not
// exist) join the last group. Groups keep apt's order inside.
func orderedGroups(sim simulation, rel map[string]debRelations, requested []string) [][]simPackage {
	index := map[string]int{}
	for i, p := range sim.Install {
		index[p.Name] = i
	}
	providers := map[string][]int{}
	for i, p := range sim.Install {
		for _, v := range rel[p.Name].Provides {
			providers[v] = append(providers[v], i)
		}
	}
	done := make([]bool, len(sim.Install))
	var groups [][]simPackage
	for _, name := range requested {
		start, ok := index[name]
		if !ok || done[start] {
			// Already installed, or pulled in by an earlier group.
			continue
		}
		member := make([]bool, len(sim.Install))
		stack := []int{start}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if member[i] || done[i] {
				continue
			}
			member[i] = true
			for _, dep := range rel[sim.Install[i].Name].Requires {
				if j, ok := index[dep]; ok {
					stack = append(stack, j)
				}
				stack = append(stack, providers[dep]...)
			}
		}
		var group []simPackage
		for i, in := range member {
			if in {
				group = append(group, sim.Install[i])
				done[i] = true
			}
		}
		groups = append(groups, group)
	}
	var rest []simPackage
	for i, d := range done {
		if !d {
			rest = append(rest, sim.Install[i])
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
