package packages

import (
	"errors"
	"fmt"
	"log"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/stringlist"
)

// packagesAttr lets a legacy JSON `packages` be Rosco's string or a list; a
// list lands in `package_list`. HCL2 has `package_list` for lists (Packer's
// protobuf spec encoding cannot express "string or list").
var packagesAttr = stringlist.Attr{From: "packages", To: "package_list"}

// Provisioner is the `spinnaker-packages` provisioner.
type Provisioner struct {
	config Config
	inputs inputs
	// req is the validated request when package_type is configured; nil
	// when the type is detected on the target.
	req *request
}

// ConfigSpec returns the HCL2 spec.
func (p *Provisioner) ConfigSpec() hcldec.ObjectSpec {
	return p.config.FlatMapstructure().HCL2Spec()
}

// Prepare decodes and validates the whole configuration. Nothing reaches
// the target before every value has passed its grammar.
func (p *Provisioner) Prepare(raws ...interface{}) error {
	if err := stringlist.Normalize(raws, packagesAttr); err != nil {
		return err
	}
	if err := normalizeLegacyRepositories(raws); err != nil {
		return err
	}
	err := config.Decode(&p.config, &config.DecodeOpts{
		PluginType:         "spinnaker-packages",
		Interpolate:        true,
		InterpolateContext: &p.config.ctx,
	}, raws...)
	if err != nil {
		return err
	}
	p.inputs = inputs{cfg: &p.config}
	p.req = nil
	if field, ok := firstUnknown(&p.config); ok {
		// `packer validate` does not run data sources: their values arrive
		// as "<unknown>". The build runs Prepare again with every value
		// known; Provision checks again in case it did not.
		log.Printf("spinnaker-packages: %s is not known yet (data source); validated when the build runs", field)
		return nil
	}
	if p.config.ArtifactsFile != "" {
		repos, pkgs, err := readArtifactsFile(p.config.ArtifactsFile)
		if err != nil {
			return err
		}
		p.inputs.artifactRepoLines, p.inputs.artifactPackages = repos, pkgs
	}
	t, err := parsePackageType(p.config.PackageType)
	if err != nil {
		return err
	}
	if t != "" {
		if p.req, err = buildRequest(p.inputs, t); err == nil {
			hideFromPackerLog(p.req)
		}
		return err
	}
	// Detected on the target: the input has to make sense for one of the
	// two types now; the final check runs once the type is known.
	debReq, debErr := buildRequest(p.inputs, Deb)
	rpmReq, rpmErr := buildRequest(p.inputs, RPM)
	if debErr != nil && rpmErr != nil {
		return fmt.Errorf("package_type is empty (detect on the target), and the configuration is valid for neither deb nor rpm:\nas deb: %w\nas rpm: %w", debErr, rpmErr)
	}
	for _, r := range []*request{debReq, rpmReq} {
		if r != nil {
			hideFromPackerLog(r)
		}
	}
	return nil
}

// unknownValue is what Packer puts in a string it cannot compute yet,
// such as a data source's output during `packer validate`.
const unknownValue = "<unknown>"

// firstUnknown names the first field whose value is not known yet.
func firstUnknown(c *Config) (string, bool) {
	fields := map[string][]string{
		"repository": {c.Repository}, "package_type": {c.PackageType}, "packages": {c.Packages},
		"package_list": c.PackageList, "install_order": {c.InstallOrder}, "upgrade": {c.Upgrade},
		"disable_services": {c.DisableServices}, "services": c.Services, "artifacts_file": {c.ArtifactsFile},
		"lock_timeout": {c.LockTimeout}, "apt_update": {c.AptUpdate}, "apt_lists_max_age": {c.AptListsMaxAge},
		"sbom_file": {c.SBOMFile}, "sbom_bake_key": {c.SBOMBakeKey}, "sbom_image_name": {c.SBOMImageName},
	}
	for i, r := range c.Repositories {
		fields[fmt.Sprintf("repositories[%d]", i)] = append([]string{r.Line, r.URL, r.Distribution, r.KeyURL, r.Key, r.KeyFile, r.KeyFingerprint, r.Name}, r.Components...)
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range fields[name] {
			if strings.Contains(v, unknownValue) {
				return name, true
			}
		}
	}
	return "", false
}

// hideFromPackerLog registers the repository credentials with Packer's log filter. The
// provisioner never prints them itself; this also covers anything the SDK logs (PACKER_LOG=1).
func hideFromPackerLog(r *request) {
	packersdk.LogSecretFilter.Set(r.secrets.values...)
}

// normalizeLegacyRepositories lets legacy JSON templates write
// `repositories` entries as plain strings (the `line` form) and
// `repository` as a list, which HCL2 expresses with blocks and strings.
func normalizeLegacyRepositories(raws []interface{}) error {
	for _, raw := range raws {
		var get func(string) (interface{}, bool)
		var set func(string, interface{})
		switch m := raw.(type) {
		case map[string]interface{}:
			get = func(k string) (interface{}, bool) { v, ok := m[k]; return v, ok }
			set = func(k string, v interface{}) { m[k] = v }
		case map[interface{}]interface{}:
			get = func(k string) (interface{}, bool) { v, ok := m[k]; return v, ok }
			set = func(k string, v interface{}) { m[k] = v }
		default:
			continue
		}
		if v, ok := get("repositories"); ok {
			if list, ok := v.([]interface{}); ok {
				for i, el := range list {
					if s, ok := el.(string); ok {
						list[i] = map[string]interface{}{"line": s}
					}
				}
			}
		}
		if v, ok := get("repository"); ok {
			if list, ok := v.([]interface{}); ok {
				var joined string
				for i, el := range list {
					s, ok := el.(string)
					if !ok {
						return errors.New("repository: every list element must be a string")
					}
					if i > 0 {
						joined += ";"
					}
					joined += s
				}
				set("repository", joined)
			}
		}
	}
	return nil
}
