package ebs

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/lineage"
)

// lineageParts are what a lineage takes from the request; the account is the images' owner.
type lineageParts struct {
	BaseOS, AMIName string
	Packages        []string
}

// identity returns the lineage of images owned by account.
func (p *lineageParts) identity(account string) (lineage.Identity, error) {
	return lineage.New(account, p.BaseOS, p.AMIName, p.Packages)
}

// prepareLifecycle checks sbom_file, deprecate_superseded, keep_latest and the dry run, and
// takes the lineage's parts from the bake block (prepared by prepareKey).
func (c *Config) prepareLifecycle() []error {
	var errs []error
	if c.KeepLatest < 0 {
		errs = append(errs, fmt.Errorf("keep_latest %d: want at least 1 (0 or unset means 1)", c.KeepLatest))
	}
	if c.KeepLatest == 0 {
		c.KeepLatest = 1
	}
	if c.Bake != nil && !slices.Contains(c.Bake.Strings(), unknownValue) {
		if names, err := c.Bake.PackageNames(); err == nil && len(names) > 0 {
			c.lineageParts = &lineageParts{BaseOS: c.Bake.BaseOS, AMIName: c.Bake.AMIName, Packages: names}
		}
	}
	if c.DeprecateSuperseded == "" || c.DeprecateSuperseded == unknownValue {
		if c.DeprecateSupersededDryRun {
			errs = append(errs, errors.New("deprecate_superseded_dry_run needs deprecate_superseded"))
		}
		return errs
	}
	d, err := time.ParseDuration(c.DeprecateSuperseded)
	if err != nil {
		return append(errs, fmt.Errorf(`deprecate_superseded %q is not a duration such as "24h"`, c.DeprecateSuperseded))
	}
	// The same limits EC2 applies, checked before anything is launched.
	if _, err := lineage.DeprecateAt(time.Now(), d); err != nil {
		errs = append(errs, err)
	}
	c.deprecateAfter = d
	if c.Bake == nil {
		errs = append(errs, errors.New(`deprecate_superseded needs the bake block: the lineage (package names, base_os, ami_name) is computed from it, and bake_key alone does not say what it was computed from`))
	}
	return errs
}
