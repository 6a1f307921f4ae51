package ebs

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/bakerequest"
)

// unknownValue is what Packer puts in a string it cannot compute yet:
// `packer validate` does not run data sources, so a bake_key taken from
// data "spinnaker-bake" (or a bake input or source_ami taken from any data
// source) arrives as this, and is only checked by the build, which runs
// Prepare again with every value known.
const unknownValue = "<unknown>"

// defaultMaxRetries is amazon-ebs's default max_retries.
const defaultMaxRetries = 10

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
	if err := config.Decode(&b.config, &config.DecodeOpts{
		PluginType:         amazonebs.BuilderId,
		Interpolate:        true,
		InterpolateContext: &b.config.ictx,
		InterpolateFilter:  &interpolate.RenderFilter{Exclude: deferredFields},
	}, own...); err != nil {
		return nil, nil, err
	}
	if err := b.config.prepare(time.Now()); err != nil {
		return nil, nil, err
	}
	if b.config.buildID == "" {
		b.config.buildID = newBuildID()
	}
	b.raws = append([]interface{}(nil), raws...)
	return b.prepareInner()
}

// prepareInner prepares a new amazon-ebs builder from the raws without this
// builder's options, with the key and spec tags added to `tags` once known,
// the build id to `run_tags`, and source_ami pinned to the resolved source
// AMI once known (see innerRaws). Run calls it again when the key could only be computed
// after resolving source_ami_filter.
func (b *Builder) prepareInner() ([]string, []string, error) {
	c := &b.config
	// The key and the spec are written by finishBake, after amazon-ebs has
	// finished every region's image (shared, deprecated, tagged) and after
	// the inventory digest is known: an image is a cache hit only from then
	// on. In the run tags they would reach the image at CreateImage (and the
	// unencrypted intermediate image of encrypt_boot), making it a hit too
	// early. A user tag of the same name is still refused here. The run tags
	// carry this build's id, which clean-up needs on a failed image, and
	// MadeForTag, which tells a later run of the same key and spec that an
	// image holding ami_name is one this bake left unfinished.
	tags, runTags := c.AMIConfig.AMITags, c.RunTags
	var err error
	for name, value := range c.identityTags() {
		if _, err = withKeyTag("tags", tags, name, value); err != nil {
			return nil, nil, err
		}
	}
	if runTags, err = withKeyTag("run_tags", runTags, BuildIDTag, c.buildID); err != nil {
		return nil, nil, err
	}
	if c.BakeKey != "" && c.BakeKey != unknownValue && c.specDigest != "" {
		if runTags, err = withKeyTag("run_tags", runTags, MadeForTag, c.identity().madeFor()); err != nil {
			return nil, nil, err
		}
	}
	inner, err := innerRaws(b.raws, tags, runTags, c.sourceAMI)
	if err != nil {
		return nil, nil, err
	}
	ebs := new(amazonebs.Builder)
	generated, warnings, err := ebs.Prepare(inner...)
	if err != nil {
		return nil, warnings, err
	}
	b.inner = ebs
	return generated, warnings, nil
}

// prepare applies defaults and checks the builder's own options. now is the
// clock for the image name the bake block's check computes.
func (c *Config) prepare(now time.Time) error {
	var errs *packersdk.MultiError
	if c.KeyTag == "" {
		c.KeyTag = DefaultKeyTag
	}
	errs = packersdk.MultiErrorAppend(errs, c.prepareKey(now)...)
	if err := validTagKey(c.KeyTag); err != nil {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("key_tag %q: %w", c.KeyTag, err))
	}
	var err error
	if c.waitForInflight, err = parseDuration("wait_for_inflight", c.WaitForInflight, DefaultWaitForInflight, 0); err != nil {
		errs = packersdk.MultiErrorAppend(errs, err)
	}
	if c.claimTTL, err = parseDuration("claim_ttl", c.ClaimTTL, DefaultClaimTTL, 3*time.Second); err != nil {
		errs = packersdk.MultiErrorAppend(errs, err)
	}
	errs = packersdk.MultiErrorAppend(errs, c.prepareLifecycle()...)
	if c.SourceAmi != "" && c.SourceAmi != unknownValue {
		c.setSourceAMI(c.SourceAmi)
	}
	if c.MaxRetries == 0 {
		// amazon-ebs's own default, which its Prepare applies to its copy of
		// the options: max_retries means the same (attempts per call) in the
		// cache's calls as in the bake's.
		c.MaxRetries = defaultMaxRetries
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

// prepareKey checks that exactly one of bake_key and bake is set, and
// computes the key from the bake block when the source AMI is known.
func (c *Config) prepareKey(now time.Time) []error {
	switch {
	case c.Bake != nil && c.BakeKey != "":
		return []error{errors.New(`bake_key and bake: set only one of them (bake_key takes a precomputed key, the key output of data "spinnaker-bake"; the bake block takes the inputs to compute it from)`)}
	case c.Bake != nil:
		return c.keyFromBake(now)
	case c.BakeKey == "":
		return []error{errors.New(`one of bake_key and bake is required: set bake_key to data.spinnaker-bake.<name>.key, or give the bake inputs in a bake block`)}
	case c.BakeKey == unknownValue:
		return nil
	case !strictKeyPattern.MatchString(c.BakeKey):
		return []error{fmt.Errorf(`bake_key %q is not a strict key ("sha256:" and 64 lowercase hex digits, the key output of data "spinnaker-bake")`, c.BakeKey)}
	}
	return nil
}

// keyFromBake checks the bake block and computes the strict key from it and
// the source AMI, as data "spinnaker-bake" does. With source_ami_filter the
// AMI is only known once EC2 is asked, so the inputs are checked here and
// Run computes the key (keyFromFilter).
func (c *Config) keyFromBake(now time.Time) []error {
	in := c.Bake
	if c.SourceAmi == unknownValue || slices.Contains(in.Strings(), unknownValue) {
		// packer validate without -evaluate-datasources: the build, which
		// knows every value, computes the key.
		return nil
	}
	if err := in.Prepare(); err != nil {
		return prefixed("bake", err)
	}
	sourceAMI := c.SourceAmi
	if sourceAMI == "" && c.SourceAmiFilter.Empty() {
		return nil // amazon-ebs reports the missing source AMI
	}
	res, err := bakerequest.Compute(*in, sourceAMI, nil, now)
	if err != nil {
		return prefixed("bake", err)
	}
	if sourceAMI == "" {
		c.keyFromFilter = true
		return nil
	}
	c.BakeKey, c.keyDocument = res.Key, res.KeyDocument
	return nil
}

// parseDuration reads a duration option; empty gives def. Errors name the
// option and the value.
func parseDuration(option, value string, def, least time.Duration) (time.Duration, error) {
	if value == "" {
		return def, nil
	}
	d, err := time.ParseDuration(value)
	switch {
	case err != nil:
		return def, fmt.Errorf(`%s %q is not a duration such as "30m"`, option, value)
	case d < least && least == 0:
		return def, fmt.Errorf("%s %q must not be negative", option, value)
	case d < least:
		return def, fmt.Errorf("%s %q must be at least %s", option, value, least)
	}
	return d, nil
}

// prefixed puts "<prefix>: " before each of the (joined) errors, so that
// each names the block it comes from.
func prefixed(prefix string, err error) []error {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		out = append(out, fmt.Errorf("%s: %w", prefix, e))
	}
	return out
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

// identityTags are the tags that make an image a cache hit for this build:
// the key tag and the spec tag, each once its value is known.
func (c *Config) identityTags() map[string]string {
	out := map[string]string{}
	if c.BakeKey != "" {
		out[c.KeyTag] = c.BakeKey
	}
	if c.specDigest != "" {
		out[DefaultSpecTag] = c.specDigest
	}
	return out
}

// identity is what a hit must carry: the key (in its tag) and the spec.
func (c *Config) identity() identity {
	return identity{KeyTag: c.KeyTag, Key: c.BakeKey, Spec: c.specDigest}
}

// setSourceAMI records the resolved source AMI and computes the image spec.
func (c *Config) setSourceAMI(ami string) {
	spec := specOf(c, ami)
	c.sourceAMI, c.specDigest, c.specDocument = ami, spec.Digest(), spec.Document()
}

// withKeyTag returns a copy of tags with key set to value. A user tag of
// the same name with another value is an error rather than silently lost.
func withKeyTag(field string, tags map[string]string, key, value string) (map[string]string, error) {
	if old, ok := tags[key]; ok && old != value {
		return nil, fmt.Errorf("%s[%q] = %q conflicts with the builder's %q; remove it, the builder sets this tag", field, key, old, value)
	}
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	out[key] = value
	return out, nil
}
