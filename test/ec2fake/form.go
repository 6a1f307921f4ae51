package ec2fake

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Filter is one Filter.N of a request: a name and the values any of which may match.
type Filter struct {
	Name   string
	Values []string
}

// ListParam returns the values of a Query-protocol list, prefix.1, prefix.2, …,
// ordered by index. EC2 lists are 1-based and need not be dense.
func ListParam(form url.Values, prefix string) []string {
	type entry struct {
		i int
		v string
	}
	var entries []entry
	for k, vs := range form {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok || len(vs) == 0 {
			continue
		}
		i, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		entries = append(entries, entry{i, vs[0]})
	}
	sort.Slice(entries, func(a, b int) bool { return entries[a].i < entries[b].i })
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.v
	}
	return out
}

// Filters returns Filter.N.Name / Filter.N.Value.M, ordered by N.
func Filters(form url.Values) ([]Filter, error) {
	byIndex := map[int]*Filter{}
	for k, vs := range form {
		rest, ok := strings.CutPrefix(k, "Filter.")
		if !ok || len(vs) == 0 {
			continue
		}
		idx, field, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil {
			return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Invalid filter parameter %q.", k)}
		}
		f := byIndex[n]
		if f == nil {
			f = &Filter{}
			byIndex[n] = f
		}
		if field == "Name" {
			f.Name = vs[0]
		}
	}
	indexes := make([]int, 0, len(byIndex))
	for n := range byIndex {
		indexes = append(indexes, n)
	}
	sort.Ints(indexes)
	out := make([]Filter, 0, len(indexes))
	for _, n := range indexes {
		f := byIndex[n]
		if f.Name == "" {
			return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("Filter.%d has no Name.", n)}
		}
		f.Values = ListParam(form, fmt.Sprintf("Filter.%d.Value", n))
		if len(f.Values) == 0 {
			return nil, &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The filter '%s' has no values.", f.Name)}
		}
		out = append(out, *f)
	}
	return out, nil
}

// matchWildcard reports whether value matches pattern, where EC2 filters
// treat * as any sequence, ? as one character, and \ as an escape.
// path.Match is not used because its * stops at '/', which image names and
// tag values may contain.
func matchWildcard(pattern, value string) bool {
	p, v := []rune(pattern), []rune(value)
	// Iterative glob matching with one backtrack point for the last *.
	pi, vi, star, mark := 0, 0, -1, 0
	for vi < len(v) {
		if pi < len(p) {
			switch {
			case p[pi] == '*':
				star, mark = pi, vi
				pi++
				continue
			case p[pi] == '?':
				pi++
				vi++
				continue
			case p[pi] == '\\' && pi+1 < len(p) && p[pi+1] == v[vi]:
				pi += 2
				vi++
				continue
			case p[pi] != '\\' && p[pi] == v[vi]:
				pi++
				vi++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		vi = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchFilters reports whether a resource passes every filter. values gives the resource's
// values for a filter name, or false for a name EC2 does not accept for this kind of resource.
func matchFilters(filters []Filter, values func(name string) ([]string, bool)) (bool, error) {
	for _, f := range filters {
		vs, known := values(f.Name)
		if !known {
			return false, invalidFilter(f.Name)
		}
		if !matchAny(f, vs...) {
			return false, nil
		}
	}
	return true, nil
}

// tagFilterValues answers the `tag:<key>` and `tag-key` filters from a resource's tags.
func tagFilterValues(tags map[string]string, name string) ([]string, bool) {
	if name == "tag-key" {
		return slices.Collect(maps.Keys(tags)), true
	}
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		if v, found := tags[key]; found {
			return []string{v}, true
		}
		return nil, true
	}
	return nil, false
}

func invalidFilter(name string) *APIError {
	return &APIError{Code: "InvalidParameterValue", Message: fmt.Sprintf("The filter '%s' is invalid", name)}
}
