package bakerequest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
)

// Prepare applies defaults and validates the inputs. It collects every problem so a user fixes
// them in one go. Callers that take defaults from elsewhere first (rosco.yml's vm type and package
// type) set them before calling it.
func (in *Inputs) Prepare() error {
	var errs []error
	if in.PackageType == "" {
		in.PackageType = string(rosco.Deb)
	}
	if t, err := rosco.ParsePackageType(in.PackageType); err != nil {
		errs = append(errs, fmt.Errorf("package_type: unknown value %q: use deb, rpm or nupkg", in.PackageType))
	} else {
		in.PackageType = string(t)
	}

	if in.VMType == "" {
		in.VMType = "hvm"
	}
	if in.VMType != "hvm" && in.VMType != "pv" {
		errs = append(errs, fmt.Errorf("vm_type: unknown value %q: use hvm or pv", in.VMType))
	}

	if in.CloudProviderType == "" {
		in.CloudProviderType = "aws"
	}
	if in.CloudProviderType != "aws" {
		errs = append(errs, fmt.Errorf("cloud_provider_type: unsupported value %q: only aws is supported", in.CloudProviderType))
	}

	if len(in.Packages) > 0 {
		if in.PackageName != "" {
			errs = append(errs, errors.New("package_name and packages: set only one of them"))
		}
		for i, p := range in.Packages {
			if p == "" || strings.ContainsAny(p, " \t\r\n\f") {
				errs = append(errs, fmt.Errorf("packages[%d]: %q must be one package name without white space", i, redact.URLCredentials(p)))
			}
		}
	}

	// Rosco passes "true" or ""; a JSON boolean decoded into this string arrives as "1" or "0".
	switch in.Upgrade {
	case "", "false", "0":
		in.Upgrade = "false"
	case "true", "1":
		in.Upgrade = "true"
	default:
		errs = append(errs, fmt.Errorf("upgrade: unknown value %q: use true or false", in.Upgrade))
	}

	for i, r := range in.Repositories {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, fmt.Errorf("repositories[%d]: empty repository", i))
		}
	}
	return errors.Join(errs...)
}

// PackageString is Rosco's package string for these inputs.
func (in *Inputs) PackageString() string {
	if len(in.Packages) > 0 {
		return strings.Join(in.Packages, " ")
	}
	return in.PackageName
}

// RepositoryList returns Rosco's `;`-separated string, then the list, in order, blank entries of
// the string dropped. Credentials are removed: they change nothing in the image, and the key
// document is an output that templates print. The string is masked before it is split, so that a
// `;` inside a password does not split it.
func (in *Inputs) RepositoryList() []string {
	var out []string
	for _, r := range strings.Split(redact.URLCredentials(stripOneQuotePair(in.Repository)), ";") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, redact.URLCredentials(r))
		}
	}
	for _, r := range in.Repositories {
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

// Strings returns every text value of the inputs, for callers that must tell whether Packer has
// left one undecided (`packer validate` passes values it cannot compute yet as a placeholder).
func (in *Inputs) Strings() []string {
	out := []string{in.PackageName, in.BaseOS, in.BaseAMI, in.AMIName, in.AMISuffix, in.TemplateFileName,
		in.VarFileName, in.VMType, in.PackageType, in.BuildNumber, in.CommitHash, in.Job, in.BuildInfoURL,
		in.CloudProviderType, in.Repository, in.Upgrade}
	out = append(out, in.Packages...)
	out = append(out, in.Repositories...)
	for _, a := range in.PackageArtifacts {
		out = append(out, a.Name, a.Reference)
	}
	for k, v := range in.ExtraKeyInputs {
		out = append(out, k, v)
	}
	return out
}
