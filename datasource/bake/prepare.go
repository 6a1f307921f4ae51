package bake

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
)

// prepare applies defaults and validates the configuration. It collects every problem so a user
// fixes them in one go.
func (c *Config) prepare() error {
	var errs []error
	if c.PackageType == "" {
		c.PackageType = string(rosco.Deb)
	}
	if t, err := rosco.ParsePackageType(c.PackageType); err != nil {
		errs = append(errs, fmt.Errorf("package_type: unknown value %q: use deb, rpm or nupkg", c.PackageType))
	} else {
		c.PackageType = string(t)
	}

	if c.VMType == "" {
		c.VMType = "hvm"
	}
	if c.VMType != "hvm" && c.VMType != "pv" {
		errs = append(errs, fmt.Errorf("vm_type: unknown value %q: use hvm or pv", c.VMType))
	}

	if c.CloudProviderType == "" {
		c.CloudProviderType = "aws"
	}
	if c.CloudProviderType != "aws" {
		errs = append(errs, fmt.Errorf("cloud_provider_type: unsupported value %q: only aws is supported", c.CloudProviderType))
	}

	if len(c.Packages) > 0 {
		if c.PackageName != "" {
			errs = append(errs, errors.New("package_name and packages: set only one of them"))
		}
		for i, p := range c.Packages {
			if p == "" || strings.ContainsAny(p, " \t\r\n\f") {
				errs = append(errs, fmt.Errorf("packages[%d]: %q must be one package name without white space", i, p))
			}
		}
	}

	if c.Region == "" && len(c.Regions) == 0 {
		errs = append(errs, errors.New("region: required (Rosco's key contains the region); set region or regions"))
	}
	for i, r := range c.Regions {
		if r == "" {
			errs = append(errs, fmt.Errorf("regions[%d]: empty region", i))
		}
	}

	// Rosco passes "true" or ""; a JSON boolean decoded into this string arrives as "1" or "0".
	switch c.Upgrade {
	case "", "false", "0":
		c.Upgrade = "false"
	case "true", "1":
		c.Upgrade = "true"
	default:
		errs = append(errs, fmt.Errorf("upgrade: unknown value %q: use true or false", c.Upgrade))
	}

	for i, r := range c.Repositories {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, fmt.Errorf("repositories[%d]: empty repository", i))
		}
	}
	return errors.Join(errs...)
}

// packageString is Rosco's package string for this configuration.
func (c *Config) packageString() string {
	if len(c.Packages) > 0 {
		return strings.Join(c.Packages, " ")
	}
	return c.PackageName
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

// repositories returns Rosco's `;`-separated string and the list, in order, blank entries dropped.
// Credentials are removed: they change nothing in the image, and the key document is an output
// that templates print.
func (c *Config) repositories() []string {
	var out []string
	for _, r := range strings.Split(stripOneQuotePair(c.Repository), ";") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, redact.URLCredentials(r))
		}
	}
	for _, r := range c.Repositories {
		out = append(out, redact.URLCredentials(strings.TrimSpace(r)))
	}
	return out
}

// stripOneQuotePair removes one surrounding pair of `"` or `'`, as the provisioner does: Rosco's
// chroot templates wrap the repository in single quotes, which must not change the key.
func stripOneQuotePair(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
