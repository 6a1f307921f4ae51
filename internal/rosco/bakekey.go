package rosco

import "strings"

// BakeKey is the key under which Rosco caches a bake, so a plugin can predict
// whether Rosco would have reused an image:
//
//	bake:<provider>[:base_os][:base_ami][:ami_name][:template][:var_file]:<packages>[:<artifact refs>]:<region>:<vm_type>:<enhancedNWEnabled|enhancedNWDisabled>
//
// Optional segments are dropped when empty, the package segment is always
// present (packages split on any whitespace, joined by '|', possibly empty),
// and the artifact segment appears when there are artifacts. Nothing is
// escaped, so different requests can collide ("a|b" and "a b").
//
// An empty CloudProviderType is taken as "aws", as Rosco's controller does
// before keying. An empty VMType falls back to defaultVMType (rosco.yml's
// aws.bakeryDefaults.defaultVirtualizationType, "hvm" when shipped); when
// both are empty Rosco renders Groovy's null as "null", and so does this.
func BakeKey(r Request, region, defaultVMType string) string {
	provider := r.CloudProviderType
	if provider == "" {
		provider = "aws"
	}
	segments := []string{"bake"}
	for _, s := range []string{provider, r.BaseOS, r.BaseAMI, r.AMIName, r.TemplateFileName, r.VarFileName} {
		if s != "" {
			segments = append(segments, s)
		}
	}
	segments = append(segments, strings.Join(groovyTokenize(r.PackageName, stringTokenizerWhitespace), "|"))
	if len(r.PackageArtifacts) > 0 {
		refs := make([]string, len(r.PackageArtifacts))
		for i, a := range r.PackageArtifacts {
			refs[i] = a.Reference
		}
		segments = append(segments, strings.Join(refs, "|"))
	}
	vmType := r.VMType
	if vmType == "" {
		vmType = defaultVMType
	}
	if vmType == "" {
		vmType = "null"
	}
	networking := "enhancedNWDisabled"
	if r.EnhancedNetworking {
		networking = "enhancedNWEnabled"
	}
	segments = append(segments, region+":"+vmType+":"+networking)
	return strings.Join(segments, ":")
}
