package ec2fake

import (
	"maps"
	"slices"
)

// describeQuery is the part every Describe action shares: ids the caller
// names (each must exist, else EC2's NotFound for that resource type) and
// filters (a name the resource type does not know is InvalidParameterValue).
type describeQuery[T any] struct {
	// IDParam is the list parameter naming resources, e.g. "InstanceId".
	IDParam string
	// ID and Values describe a resource: its id, and its values for a
	// filter name (false for a name EC2 does not accept here).
	ID     func(T) string
	Region func(T) string
	Values func(T, string) ([]string, bool)
	// NotFound is the error for a named id that does not exist.
	NotFound func(id string) error
}

// run returns the resources of all (keyed in answer order) in the
// request's region that the request names and whose values pass every
// filter. Callers hold the lock that guards all.
func (q describeQuery[T]) run(r *Request, all map[string]T) ([]T, error) {
	var candidates []T
	for _, k := range slices.Sorted(maps.Keys(all)) {
		if q.Region(all[k]) == r.Region {
			candidates = append(candidates, all[k])
		}
	}
	form := r.Form
	filters, err := Filters(form)
	if err != nil {
		return nil, err
	}
	ids := ListParam(form, q.IDParam)
	byID := make(map[string]bool, len(candidates))
	for _, c := range candidates {
		byID[q.ID(c)] = true
	}
	named := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !byID[id] {
			return nil, q.NotFound(id)
		}
		named[id] = true
	}
	var out []T
	for _, c := range candidates {
		if len(ids) > 0 && !named[q.ID(c)] {
			continue
		}
		ok, err := matchFilters(filters, func(name string) ([]string, bool) { return q.Values(c, name) })
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}
