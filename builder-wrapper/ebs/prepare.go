package ebs

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
)

// unknownValue is what Packer puts in a string it cannot compute yet:
// `packer validate` does not run data sources, so a bake_key taken from
// data "spinnaker-bake" arrives as this, and is only checked by the build.
const unknownValue = "<unknown>"

// strictKeyPattern is the shape of data "spinnaker-bake"'s `key` output.
var strictKeyPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// deferredFields are rendered by amazon-ebs at run time (they may use build
// data such as {{ .SourceAMI }}), so they are decoded here unrendered, as
// amazon-ebs decodes them.
var deferredFields = []string{
	"ami_description", "fleet_tags", "fleet_tag", "run_tags", "run_tag",
	"run_volume_tags", "run_volume_tag", "spot_tags", "spot_tag",
	"snapshot_tags", "snapshot_tag", "tags", "tag",
}

// Prepare decodes and checks this builder's options, then prepares the
// inner amazon-ebs builder with the remaining options and the key tag added
// to `tags` and `run_tags`. Errors name the option and the value.
func (b *Builder) Prepare(raws ...interface{}) ([]string, []string, error) {
	// Decode replaces cty values in the slice it is given; amazon-ebs must
	// get the originals, so decode a copy.
	own := append([]interface{}(nil), raws...)
	var ictx interpolate.Context
	if err := config.Decode(&b.config, &config.DecodeOpts{
		PluginType:         amazonebs.BuilderId,
		Interpolate:        true,
		InterpolateContext: &ictx,
		InterpolateFilter:  &interpolate.RenderFilter{Exclude: deferredFields},
	}, own...); err != nil {
		return nil, nil, err
	}
	if err := b.config.prepare(); err != nil {
		return nil, nil, err
	}

	tags, err := withKeyTag("tags", b.config.AMIConfig.AMITags, b.config.KeyTag, b.config.BakeKey)
	if err != nil {
		return nil, nil, err
	}
	runTags, err := withKeyTag("run_tags", b.config.RunTags, b.config.KeyTag, b.config.BakeKey)
	if err != nil {
		return nil, nil, err
	}
	inner, err := innerRaws(raws, tags, runTags)
	if err != nil {
		return nil, nil, err
	}
	b.inner = new(amazonebs.Builder)
	generated, warnings, err := b.inner.Prepare(inner...)
	if err != nil {
		return nil, warnings, err
	}
	return generated, warnings, nil
}

// prepare applies defaults and checks the builder's own options.
func (c *Config) prepare() error {
	var errs *packersdk.MultiError
	if c.KeyTag == "" {
		c.KeyTag = DefaultKeyTag
	}
	switch {
	case c.BakeKey == "":
		errs = packersdk.MultiErrorAppend(errs, errors.New(`bake_key is required: set it to data.spinnaker-bake.<name>.key`))
	case c.BakeKey == unknownValue:
	case !strictKeyPattern.MatchString(c.BakeKey):
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf(`bake_key %q is not a strict key ("sha256:" and 64 lowercase hex digits, the key output of data "spinnaker-bake")`, c.BakeKey))
	}
	if err := validTagKey(c.KeyTag); err != nil {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("key_tag %q: %w", c.KeyTag, err))
	}
	c.waitForInflight = DefaultWaitForInflight
	if c.WaitForInflight != "" {
		d, err := time.ParseDuration(c.WaitForInflight)
		switch {
		case err != nil:
			errs = packersdk.MultiErrorAppend(errs, fmt.Errorf(`wait_for_inflight %q is not a duration such as "30m"`, c.WaitForInflight))
		case d < 0:
			errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("wait_for_inflight %q must not be negative", c.WaitForInflight))
		default:
			c.waitForInflight = d
		}
	}
	if c.PackerForce {
		// Packer's -force means "build even if the output exists"; for a
		// bake cache that is a rebake.
		c.Rebake = true
	}
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

// validTagKey applies EC2's rules for tag keys.
func validTagKey(k string) error {
	switch {
	case k == "":
		return errors.New("must not be empty")
	case len([]rune(k)) > 128:
		return errors.New("is longer than the 128 characters EC2 allows in a tag key")
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return errors.New(`must not start with "aws:", which EC2 reserves`)
	}
	return nil
}

// withKeyTag returns a copy of tags with key set to value. A user tag of
// the same name with another value is an error rather than silently lost.
func withKeyTag(field string, tags map[string]string, key, value string) (map[string]string, error) {
	if old, ok := tags[key]; ok && old != value {
		return nil, fmt.Errorf("%s[%q] = %q conflicts with bake_key %q; remove it, the builder sets this tag", field, key, old, value)
	}
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	out[key] = value
	return out, nil
}
