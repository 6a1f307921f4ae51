package bake

import (
	"errors"
	"fmt"
)

// prepare applies defaults and validates the configuration: the bake inputs, then the regions. It
// collects every problem so a user fixes them in one go.
func (c *Config) prepare() error {
	errs := []error{c.Inputs.Prepare()}
	if c.RawRegion == "" {
		errs = append(errs, errors.New(`region: required: the region of the bake, such as "us-east-1" (Rosco's key holds it); further regions go in regions`))
	}
	for i, r := range c.Regions {
		if r == "" {
			errs = append(errs, fmt.Errorf("regions[%d]: empty region", i))
		}
	}
	return errors.Join(errs...)
}

// regions returns region first, then the others, without duplicates.
func (c *Config) regions() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range append([]string{c.RawRegion}, c.Regions...) {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
