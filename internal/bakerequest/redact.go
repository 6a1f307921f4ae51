package bakerequest

import (
	"maps"
	"slices"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
)

// redacted returns a copy of the inputs with the credentials of every URL in every text input
// masked (see redact.URLCredentials). Everything Compute derives from the request and that is
// printed, logged, tagged or hashed (Rosco's key, the key document, the image name, the
// appversion) comes from this copy: credentials change nothing in the image, and each of those
// values is an output that templates print. Text without credentials is left as it is, so
// Rosco's key stays Rosco's. Each value is masked whole, before Rosco's `;` splits a repository
// string, so a `;` inside a password cannot cut it in two.
func (in Inputs) redacted() Inputs {
	mask := redact.URLCredentials
	out := in
	for _, p := range []*string{&out.PackageName, &out.BaseOS, &out.BaseAMI, &out.AMIName, &out.AMISuffix,
		&out.TemplateFileName, &out.VarFileName, &out.VMType, &out.PackageType, &out.BuildNumber, &out.CommitHash,
		&out.Job, &out.BuildInfoURL, &out.CloudProviderType, &out.Repository, &out.Upgrade} {
		*p = mask(*p)
	}
	out.Packages = maskAll(in.Packages)
	out.Repositories = maskAll(in.Repositories)
	out.PackageArtifacts = nil
	for _, a := range in.PackageArtifacts {
		out.PackageArtifacts = append(out.PackageArtifacts, PackageArtifact{Name: mask(a.Name), Reference: mask(a.Reference)})
	}
	if in.ExtraKeyInputs != nil {
		out.ExtraKeyInputs = make(map[string]string, len(in.ExtraKeyInputs))
		for _, k := range sortedKeys(in.ExtraKeyInputs) {
			out.ExtraKeyInputs[mask(k)] = mask(in.ExtraKeyInputs[k])
		}
	}
	return out
}

func maskAll(values []string) []string {
	if values == nil {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = redact.URLCredentials(v)
	}
	return out
}

// sortedKeys makes the masking order fixed, so that keys that mask alike keep one value
// deterministically (the last in order).
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
