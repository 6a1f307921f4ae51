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
	// A bake block that does not name the whole lineage (a Rosco template without base_os, say)
	// bakes untagged; only deprecate_superseded needs the lineage, and says why below.
	var lineageErr error
	if c.Bake != nil && !slices.Contains(c.Bake.Strings(), unknownValue) {
		if names, err := c.Bake.PackageNames(); err == nil && len(names) > 0 {
			parts := &lineageParts{BaseOS: c.Bake.BaseOS, AMIName: c.Bake.AMIName, Packages: names}
			// The account is the images' owner, known after the bake; any valid one checks the rest.
			if _, lineageErr = parts.identity("000000000000"); lineageErr == nil {
				c.lineageParts = parts
			}
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
	switch {
	case c.Bake == nil:
		errs = append(errs, errors.New(`deprecate_superseded needs the bake block: the lineage (package names, base_os, ami_name) is computed from it, and bake_key alone does not say what it was computed from`))
	case lineageErr != nil:
		errs = append(errs, fmt.Errorf("deprecate_superseded needs the bake block's whole lineage: %w", lineageErr))
	}
	return errs
}
