package ec2fake

import (
	"maps"
	"slices"
	"strings"
)

// describeAction is what every Describe action of a resource type shares:
// the ids the caller names (each must exist, else EC2's NotFound for that
// type), filters (a name the type does not know is InvalidParameterValue,
// whether or not any resource would be tested), and an answer with one item
// per resource found, in id order.
type describeAction[T, X any] struct {
	// IDs are the list parameters that name resources, checked in order:
	// a resource is listed when it is among the names of each one given.
	IDs []idParam[T]
	// Region is a resource's region; nil when the caller passes only
	// resources of the request's region.
	Region func(T) string
	// Fields are the filter names EC2 accepts here, each with the one value
	// a resource has for it.
	Fields map[string]func(T) string
	// Tags, when set, gives a resource's tags for the tag:<key> and tag-key
	// filters.
	Tags func(T) map[string]string
	// Set is the answer's element that holds the items, e.g. "vpcSet".
	Set string
	// Item is a resource as its answer shows it.
	Item func(*Request, T) X
}

// idParam is one list parameter naming resources, e.g. InstanceId.N.
type idParam[T any] struct {
	Param string
	Of    func(T) string
	// NotFound is the error for a named resource that does not exist.
	NotFound func(id string) error
}

// answer runs the request against all (keyed in answer order) and returns
// the Describe answer. Callers hold the lock that guards all.
func (a describeAction[T, X]) answer(r *Request, all map[string]T) (any, error) {
	found, err := a.find(r, all)
	if err != nil {
		return nil, err
	}
	resp := listResponse[X]{Action: r.Action, RequestID: r.RequestID, Set: a.Set}
	for _, t := range found {
		resp.Items = append(resp.Items, a.Item(r, t))
	}
	return resp, nil
}

// find returns the resources of all in the request's region that the
// request names and whose values pass every filter.
func (a describeAction[T, X]) find(r *Request, all map[string]T) ([]T, error) {
	var candidates []T
	for _, k := range slices.Sorted(maps.Keys(all)) {
		if a.Region == nil || a.Region(all[k]) == r.Region {
			candidates = append(candidates, all[k])
		}
	}
	filters, err := Filters(r.Form)
	if err != nil {
		return nil, err
	}
	for _, f := range filters {
		if !a.accepts(f.Name) {
			return nil, invalidFilter(f.Name)
		}
	}
	for _, p := range a.IDs {
		ids := ListParam(r.Form, p.Param)
		if len(ids) == 0 {
			continue
		}
		for _, id := range ids {
			if !slices.ContainsFunc(candidates, func(c T) bool { return p.Of(c) == id }) {
				return nil, p.NotFound(id)
			}
		}
		candidates = slices.DeleteFunc(candidates, func(c T) bool { return !slices.Contains(ids, p.Of(c)) })
	}
	var out []T
	for _, c := range candidates {
		ok, err := matchFilters(filters, func(name string) ([]string, bool) { return a.values(c, name) })
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func (a describeAction[T, X]) accepts(filter string) bool {
	if _, ok := a.Fields[filter]; ok {
		return true
	}
	return a.Tags != nil && (filter == "tag-key" || strings.HasPrefix(filter, "tag:"))
}

// values gives a resource's values for a filter name, or false for a name
// EC2 does not accept here.
func (a describeAction[T, X]) values(t T, filter string) ([]string, bool) {
	if field, ok := a.Fields[filter]; ok {
		return []string{field(t)}, true
	}
	if a.Tags == nil {
		return nil, false
	}
	return tagFilterValues(a.Tags(t), filter)
}
