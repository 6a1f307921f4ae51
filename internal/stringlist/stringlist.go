// Package stringlist lets a legacy JSON template give Rosco's string attributes as lists.
//
// Rosco passes packages as a single string ("kato redis-server"), while users expect lists. In
// HCL2 one attribute cannot take both: Packer encodes a component's spec as protobuf, which knows
// only primitive, list and map types, so components declare the string attribute and a separate
// list attribute. Legacy JSON configurations arrive as plain maps, so there Normalize moves a list
// given for the string attribute to the list attribute, keeps a string where it is, and rejects
// anything else with an error that names the attribute and the value.
package stringlist

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Attr names the attribute that takes a string or a list (From) and the list-typed attribute that
// receives list values (To).
type Attr struct {
	From string
	To   string
}

// Normalize rewrites raws in place. HCL2 raws are cty object values, legacy JSON raws are maps
// (map[string]interface{}, or map[interface{}]interface{} after Packer's RPC).
func Normalize(raws []interface{}, attrs ...Attr) error {
	for i, raw := range raws {
		var err error
		switch r := raw.(type) {
		case cty.Value:
			raws[i], err = normalizeCty(r, attrs)
		case map[string]interface{}:
			err = normalizeMap(func(k string) (interface{}, bool) { v, ok := r[k]; return v, ok },
				func(k string, v interface{}) { r[k] = v }, func(k string) { delete(r, k) }, attrs)
		case map[interface{}]interface{}:
			err = normalizeMap(func(k string) (interface{}, bool) { v, ok := r[k]; return v, ok },
				func(k string, v interface{}) { r[k] = v }, func(k string) { delete(r, k) }, attrs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func normalizeCty(v cty.Value, attrs []Attr) (cty.Value, error) {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return v, nil
	}
	values := v.AsValueMap()
	for _, a := range attrs {
		val, ok := values[a.From]
		if !ok || val.IsNull() || !val.IsKnown() {
			continue
		}
		ty := val.Type()
		switch {
		case ty == cty.String:
			continue
		case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
			list, err := ctyStrings(a.From, val)
			if err != nil {
				return v, err
			}
			if existing, ok := values[a.To]; ok && !existing.IsNull() && existing.LengthInt() > 0 {
				return v, fmt.Errorf("%s: a list here conflicts with %s; set only one of them", a.From, a.To)
			}
			values[a.To] = list
			values[a.From] = cty.NullVal(cty.String)
		default:
			return v, fmt.Errorf("%s: must be a string or a list of strings, got %s", a.From, ty.FriendlyName())
		}
	}
	return cty.ObjectVal(values), nil
}

func ctyStrings(attr string, list cty.Value) (cty.Value, error) {
	var out []cty.Value
	for it := list.ElementIterator(); it.Next(); {
		_, el := it.Element()
		if el.IsNull() || el.Type() != cty.String {
			return cty.NilVal, fmt.Errorf("%s: every element must be a string, got %s", attr, el.Type().FriendlyName())
		}
		out = append(out, el)
	}
	if len(out) == 0 {
		return cty.ListValEmpty(cty.String), nil
	}
	return cty.ListVal(out), nil
}

func normalizeMap(get func(string) (interface{}, bool), set func(string, interface{}), del func(string), attrs []Attr) error {
	for _, a := range attrs {
		val, ok := get(a.From)
		if !ok || val == nil {
			continue
		}
		switch typed := val.(type) {
		case string:
			continue
		case []interface{}:
			list := make([]string, 0, len(typed))
			for _, el := range typed {
				s, ok := el.(string)
				if !ok {
					return fmt.Errorf("%s: every element must be a string, got %v", a.From, el)
				}
				list = append(list, s)
			}
			if existing, ok := get(a.To); ok && existing != nil {
				return fmt.Errorf("%s: a list here conflicts with %s; set only one of them", a.From, a.To)
			}
			set(a.To, list)
			del(a.From)
		case []string:
			if existing, ok := get(a.To); ok && existing != nil {
				return fmt.Errorf("%s: a list here conflicts with %s; set only one of them", a.From, a.To)
			}
			set(a.To, typed)
			del(a.From)
		default:
			return fmt.Errorf("%s: must be a string or a list of strings, got %v", a.From, strings.TrimSpace(fmt.Sprint(val)))
		}
	}
	return nil
}
