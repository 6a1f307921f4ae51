package bake

import (
	"errors"
	"fmt"
)

// prepare applies defaults and validates the configuration: the bake inputs, then the regions. It
// collects every problem so a user fixes them in one go.
func (c *Config) prepare() error {
	errs := []error{c.Inputs.Prepare()}
	if c.Region == "" && len(c.Regions) == 0 {
		errs = append(errs, errors.New("region: required (Rosco's key contains the region); set region or regions"))
	}
	for i, r := range c.Regions {
		if r == "" {
			errs = append(errs, fmt.Errorf("regions[%d]: empty region", i))
		}
	}
	return errors.Join(errs...)
}

// regions returns the primary region first, then the others, without duplicates.
func (c *Config) regions() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range append([]string{c.Region}, c.Regions...) {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
