package bake

import (
	"errors"
	"fmt"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscoconfig"
)

// applyRoscoConfig reads rosco_config and takes from it what Rosco takes
// from its configuration rather than from the request: the default vm_type,
// the package type of the base image and its repository. It runs before
// prepare, so that prepare's own defaults apply only without rosco_config.
func (c *Config) applyRoscoConfig() error {
	c.rosco = nil
	if c.RoscoConfig == "" {
		return nil
	}
	rc, err := roscoconfig.Load(c.RoscoConfig)
	if err != nil {
		return err
	}
	if c.BaseOS == "" {
		return errors.New("base_os: required with rosco_config, to choose the base image")
	}
	if c.VMType == "" {
		if c.VMType, err = rc.VMType(""); err != nil {
			return fmt.Errorf("rosco_config %q: defaultVirtualizationType: %w", c.RoscoConfig, err)
		}
	}
	regions := c.regions()
	if len(regions) == 0 {
		return nil // prepare reports the missing region
	}
	settings := make(map[string]roscoconfig.Settings, len(regions))
	for _, region := range regions {
		s, err := rc.Resolve(roscoconfig.Request{
			BaseOS:           c.BaseOS,
			Region:           region,
			VMType:           c.VMType,
			BaseAMI:          c.BaseAMI,
			TemplateFileName: c.TemplateFileName,
			Account:          strings.Join(c.effectiveOwners(), ","),
		})
		if err != nil {
			return fmt.Errorf("rosco_config %q: %w", c.RoscoConfig, err)
		}
		settings[region] = s
	}
	primary := settings[regions[0]]
	switch {
	case c.PackageType == "":
		c.PackageType = primary.PackageType
	case !strings.EqualFold(c.PackageType, primary.PackageType):
		return fmt.Errorf("package_type: %q differs from %q, the packageType of base image %q in rosco_config (Rosco takes the base image's)",
			c.PackageType, primary.PackageType, c.BaseOS)
	}
	if c.Repository == "" && len(c.Repositories) == 0 {
		c.Repository = primary.Repository
	}
	c.rosco = settings
	return nil
}

// prepareLookup applies the lookup defaults and validates the lookup, image spec and AWS options.
func (c *Config) prepareLookup() error {
	var errs []error
	if c.Lookup == "" {
		c.Lookup = awslookup.ModeKey
	}
	if err := awslookup.CheckMode(c.Lookup); err != nil {
		errs = append(errs, fmt.Errorf("lookup: %w", err))
	}
	for _, err := range c.ImageSpec.Validate(&c.ctx, c.regions()) {
		errs = append(errs, fmt.Errorf("image_spec.%w", err))
	}
	if regions := c.regions(); c.Lookup == awslookup.ModeKey && len(regions) > 0 {
		if base, _ := c.baseAMI(regions[0]); base == "" {
			// Matching the key alone would report images the builder does not reuse.
			errs = append(errs, errors.New(`base_ami: required with lookup = "key", which matches the image spec, and the spec holds the source AMI: `+
				`set base_ami to the AMI the build starts from (its source_ami), or rosco_config; lookup = "key_only" matches the key alone, lookup = "none" looks nothing up`))
		}
	}
	if c.Lookup == awslookup.ModeImageName && c.AMISuffix == "" {
		errs = append(errs, errors.New(`lookup "image_name" needs ami_suffix: without it the image name ends with the current time and never matches an existing image`))
	}
	if c.KeyTag == "" {
		c.KeyTag = awslookup.DefaultKeyTag
	}
	c.Owners = c.effectiveOwners()
	if len(c.Owners) == 0 && c.Lookup != awslookup.ModeNone {
		errs = append(errs, errors.New("owners: must not be empty: without owners EC2 also returns other accounts' public images"))
	}
	for i, o := range c.Owners {
		if strings.TrimSpace(o) == "" {
			errs = append(errs, fmt.Errorf("owners[%d]: empty owner", i))
		}
	}
	for _, base := range c.baseAMIs() {
		if !awslookup.IsAMIID(base) && !c.ownersSet {
			errs = append(errs, fmt.Errorf("base_ami: %q is an image name: set owners to the accounts that may own it (for security, as in the amazon plugin)", base))
			break
		}
	}
	errs = append(errs, c.AccessConfig.Prepare(nil)...)
	packersdk.LogSecretFilter.Set(c.AccessKey, c.SecretKey, c.Token)
	return errors.Join(errs...)
}

// effectiveOwners is owners as given, or the default ["self"].
func (c *Config) effectiveOwners() []string {
	if c.ownersSet {
		return c.Owners
	}
	return []string{"self"}
}

// baseAMI returns the base AMI of a region (an id, a name, or "" for none)
// and whether the newest of several matches may be taken.
func (c *Config) baseAMI(region string) (string, bool) {
	if s, ok := c.rosco[region]; ok {
		return s.SourceAMI, c.MostRecent || s.MostRecent
	}
	return c.BaseAMI, c.MostRecent
}

// baseAMIs lists the base AMI of every region that has one.
func (c *Config) baseAMIs() []string {
	var out []string
	for _, region := range c.regions() {
		if base, _ := c.baseAMI(region); base != "" {
			out = append(out, base)
		}
	}
	return out
}
