package ebs

import (
	"fmt"
	"maps"

	"github.com/zclconf/go-cty/cty"
)

// ownKeys are the options amazon-ebs does not know. They are removed from
// the raw configuration before amazon-ebs decodes it, since it refuses
// unknown keys.
var ownKeys = []string{"bake_key", "bake", "rebake", "key_tag", "wait_for_inflight", "claim_ttl",
	"sbom_file", "deprecate_superseded", "keep_latest", "deprecate_superseded_dry_run"}

// innerRaws returns the raw configurations for amazon-ebs: copies of raws
// without ownKeys, followed by one more raw that sets tags and run_tags to
// the given maps (the user's tags with the key tag added) and, once known,
// source_ami to the AMI the key and the image spec were computed from. The
// inputs are not modified.
//
// amazon-ebs resolves source_ami_filter again when it runs, after the
// cache's waits (claim, in-flight, name checks): a newer base image that
// appears meanwhile would be launched while the result is tagged with the
// key of the old one. With source_ami set as well, amazon-ebs asks EC2 for
// that id with the filter, owners and include_deprecated added (its
// documented way of pinning the filter's AMI): the AMI the filter resolved
// to still matches them, and most_recent has one image to choose from.
//
// Packer hands a plugin its configuration in three shapes: an HCL2 object
// (cty.Value), and legacy JSON maps, which arrive as map[string]interface{}
// in process and as map[interface{}]interface{} after the RPC round trip.
func innerRaws(raws []interface{}, tags, runTags map[string]string, sourceAMI string) ([]interface{}, error) {
	out := make([]interface{}, 0, len(raws)+1)
	for i, raw := range raws {
		stripped, err := withoutOwnKeys(raw)
		if err != nil {
			return nil, fmt.Errorf("raw configuration %d: %w", i, err)
		}
		out = append(out, stripped)
	}
	// A later raw wins over an earlier one for the keys it sets, and
	// amazon-ebs renders tags at run time, so the maps go in uninterpolated.
	last := map[string]interface{}{
		"tags":     stringMapToInterface(tags),
		"run_tags": stringMapToInterface(runTags),
	}
	if sourceAMI != "" {
		last["source_ami"] = sourceAMI
	}
	return append(out, last), nil
}

func withoutOwnKeys(raw interface{}) (interface{}, error) {
	switch v := raw.(type) {
	case cty.Value:
		return ctyWithout(v, ownKeys)
	case map[string]interface{}:
		m := maps.Clone(v)
		for _, k := range ownKeys {
			delete(m, k)
		}
		return m, nil
	case map[interface{}]interface{}:
		m := maps.Clone(v)
		for _, k := range ownKeys {
			delete(m, k)
		}
		return m, nil
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("unsupported configuration type %T", raw)
	}
}

// ctyWithout rebuilds an HCL2 object without the named attributes. The
// value must be a known, non-null object, which is what Packer decodes a
// source block's body into.
func ctyWithout(v cty.Value, names []string) (cty.Value, error) {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return cty.NilVal, fmt.Errorf("expected a known HCL2 object, got %s", v.GoString())
	}
	attrs := v.AsValueMap()
	for _, n := range names {
		delete(attrs, n)
	}
	if len(attrs) == 0 {
		return cty.EmptyObjectVal, nil
	}
	return cty.ObjectVal(attrs), nil
}

func stringMapToInterface(m map[string]string) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
