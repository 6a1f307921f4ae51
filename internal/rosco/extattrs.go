package rosco

import "strconv"

// UnrollExtendedAttributes applies a bake request's extended attributes to
// Rosco's parameter map, returning a new list. copy_to and share_with are
// comma lists: split on ',', empty pieces dropped, each piece trimmed (so " "
// becomes an empty value, later dropped from the command), numbered from 1 as
// copy_to_1, copy_to_2, ... Their entries are inserted in java.util.HashMap
// iteration order, because that is the map Rosco collects them in; the order
// decides the -var order (copy_to_2 may come before copy_to_1). Every other
// attribute is put verbatim. A key that already exists is overridden in
// place, keeping its position, as with Java's LinkedHashMap.put.
func UnrollExtendedAttributes(params []Param, attrs []Attribute) []Param {
	out := append([]Param(nil), params...)
	for _, a := range attrs {
		switch a.Key {
		case "copy_to", "share_with":
			for _, p := range unrollList(a) {
				out = putParam(out, p)
			}
		default:
			out = putParam(out, Param{Key: a.Key, Value: StringValue(a.Value)})
		}
	}
	return out
}

// unrollList numbers the pieces of a comma list and orders them as a Java
// HashMap would.
func unrollList(a Attribute) []Param {
	pieces := groovyTokenize(a.Value, ",")
	keys := make([]string, len(pieces))
	values := make(map[string]string, len(pieces))
	for i, piece := range pieces {
		keys[i] = a.Key + "_" + strconv.Itoa(i+1)
		values[keys[i]] = javaTrim(piece)
	}
	ordered := javaHashMapOrder(keys)
	params := make([]Param, len(ordered))
	for i, k := range ordered {
		params[i] = Param{Key: k, Value: StringValue(values[k])}
	}
	return params
}

// putParam is LinkedHashMap.put: replace in place or append.
func putParam(params []Param, p Param) []Param {
	for i := range params {
		if params[i].Key == p.Key {
			params[i].Value = p.Value
			return params
		}
	}
	return append(params, p)
}
