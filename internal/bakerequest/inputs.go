//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Inputs,PackageArtifact
//go:generate go tool packer-sdc struct-markdown

package bakerequest

// Inputs mirrors the fields of Rosco's bake request (BakeRequest) in snake_case, plus the inputs
// that only the strict key uses. The region is not among them: data "spinnaker-bake" takes it
// separately, and the spinnaker-ebs builder bakes in its own region.
type Inputs struct {
	// Rosco's package string: package names or artifact file names separated by spaces, such as
	// `"kato nflx-djangobase-enhanced_0.1-h12.170cdbd_all mongodb"`. For a list, use `packages`.
	PackageName string `mapstructure:"package_name"`
	// The packages as a list, as an alternative to `package_name`. The entries are joined with a
	// space into Rosco's package string, so each entry must be one name without white space.
	Packages []string `mapstructure:"packages"`
	// The base operating system, as in Rosco's `base_os` (for example `ubuntu` or `centos`).
	BaseOS string `mapstructure:"base_os"`
	// The base AMI as requested: an AMI id or an image name. Part of Rosco's key as given.
	BaseAMI string `mapstructure:"base_ami"`
	// The name to start the image name with, instead of the first package's name.
	AMIName string `mapstructure:"ami_name"`
	// The release part of the image name. Spinnaker's Orca always sends a UTC timestamp
	// (`yyyyMMddHHmmss`); without it the current time in milliseconds is used, as Rosco does.
	AMISuffix string `mapstructure:"ami_suffix"`
	// The Packer template file name Rosco would use. Part of Rosco's key.
	TemplateFileName string `mapstructure:"template_file_name"`
	// The Packer variable file name Rosco would use. Part of Rosco's key.
	VarFileName string `mapstructure:"var_file_name"`
	// The virtualization type: `hvm` (default) or `pv`.
	VMType string `mapstructure:"vm_type"`
	// Whether enhanced networking (ENA) is requested. Part of Rosco's key.
	EnhancedNetworking bool `mapstructure:"enhanced_networking"`
	// The package format of the base image: `deb` (default), `rpm` or `nupkg`. It decides how
	// package names are parsed and how the packages parameter is written.
	PackageType string `mapstructure:"package_type"`
	// The CI build number. Used in the appversion only.
	BuildNumber string `mapstructure:"build_number"`
	// The commit hash. Used in the appversion only, and only with `build_number`.
	CommitHash string `mapstructure:"commit_hash"`
	// The CI job name. Used in the appversion only, and only with `build_number`.
	Job string `mapstructure:"job"`
	// The URL of the CI build. Rosco passes it to Packer for the `build_info_url` tag; it changes
	// no key.
	BuildInfoURL string `mapstructure:"build_info_url"`
	// The cloud provider. Only `aws` (the default) is supported.
	CloudProviderType string `mapstructure:"cloud_provider_type"`
	// Spinnaker artifacts of the bake request. Their names take part in the image name and the
	// appversion, their references in the key. Rosco never installs them on AWS.
	PackageArtifacts []PackageArtifact `mapstructure:"package_artifacts"`
	// Rosco's `repository` string: repositories separated by `;`. Used by the strict key only.
	Repository string `mapstructure:"repository"`
	// Repositories as a list. Used by the strict key only, in the order given.
	Repositories []string `mapstructure:"repositories"`
	// Whether the bake upgrades the base image's packages: `true` or `false`. Rosco's string form
	// (`"true"` or `""`) is accepted. Used by the strict key only.
	Upgrade string `mapstructure:"upgrade"`
	// Further inputs that change the image, such as Rosco's extended attributes. Used by the strict
	// key only.
	ExtraKeyInputs map[string]string `mapstructure:"extra_key_inputs"`
}

// PackageArtifact is one Spinnaker artifact of a bake request.
type PackageArtifact struct {
	// The artifact's name, parsed like a package name (for example `kato_1.0-h2.abc_all`).
	Name string `mapstructure:"name"`
	// The artifact's reference, for example `http://repo trusty main kato`.
	Reference string `mapstructure:"reference"`
}
