//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,DatasourceOutput,FoundImage
//go:generate go tool packer-sdc struct-markdown

package bake

import (
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/bakerequest"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscoconfig"
)

// Config is a bake request (its inputs, shared with the spinnaker-ebs builder's `bake` block, and
// its regions) and how to find an existing image. The datasource computes what Rosco would compute
// for the same request: the bake key, the image name, the appversion and the packages parameter.
type Config struct {
	bakerequest.Inputs `mapstructure:",squash"`

	// AWS access: the amazon plugin's own options (`region`, `access_key`, `profile`,
	// `assume_role`, `custom_endpoint_ec2`, `max_retries` ...), which spinnaker-ebs and amazon's
	// amazon-ami data source take, so each option means the same in all of them. `region` is
	// required here: it is the region of the bake, which Rosco's key holds. AWS is only called
	// when something must be looked up in EC2: the existing image (see `lookup`) or a base AMI
	// given by name. `max_retries` bounds the image lookup; a base AMI looked up by name goes
	// through amazon's own AMI filter helper, which retries up to 11 attempts whatever it says, as
	// amazon-ebs does for its source AMI.
	awscommon.AccessConfig `mapstructure:",squash"`
	// Further regions. The datasource computes Rosco's key for each of them too, and looks the
	// image up there.
	Regions []string `mapstructure:"regions"`

	// How to find an existing image: `key` (default) looks for the strict key in the tag named by
	// `key_tag` and the image spec in the tag `spinnaker:image-spec`, as spinnaker-ebs does before
	// it reuses an image (it needs `base_ami` or `rosco_config`: the spec holds the source AMI);
	// `key_only` looks for the strict key alone, whatever the image spec; `rosco_key` looks for
	// the SHA-256 (hex) of Rosco's key of each region in the key tag, because Rosco's key is often
	// longer than the 256 characters a tag value may hold; `image_name` looks for an image named
	// exactly `image_name` (for images Rosco baked, which carry no key); `none` looks nothing up
	// and needs no AWS access.
	Lookup string `mapstructure:"lookup"`
	// The tag that carries the key. Default `spinnaker:bake-key`.
	KeyTag string `mapstructure:"key_tag"`
	// The accounts whose images are searched: `self`, account ids, or `amazon`. Default `["self"]`.
	// A base AMI given by name is only looked up when `owners` is set explicitly, as in the amazon
	// plugin, so that nobody else's public image can be picked by name.
	Owners []string `mapstructure:"owners"`
	// When a base AMI name matches several images, take the newest instead of failing, as
	// amazon-ebs's `source_ami_filter` takes it (see Base AMI resolution). Rosco's `mostRecent` in
	// `rosco_config` has the same effect for its region.
	MostRecent bool `mapstructure:"most_recent"`
	// Path to Rosco's `rosco.yml` (as Rosco ships it or as Halyard generates it). The base image
	// named by `base_os` and its settings for the region and `vm_type` then give `source_ami`,
	// `instance_type`, `ssh_username`, `package_type`, `template_file`, `repository` and the spot
	// price outputs, as Rosco would pass them to Packer.
	RoscoConfig string `mapstructure:"rosco_config"`
	// The amazon-ebs options that change what the image is, under amazon-ebs's names, so they can
	// be copied from the build's `source` block: `encrypt_boot`, `kms_key_id`,
	// `region_kms_key_ids`, `launch_block_device_mappings`, `ami_block_device_mappings`,
	// `imds_support`, `ena_support`, `sriov_support`, `ami_virtualization_type`,
	// `ami_product_codes` and `no_ephemeral`. With the source AMI they give the image spec
	// (`image_spec_digest`), which `lookup = "key"` matches as spinnaker-ebs does, so that `found`
	// and `ami_ids` name the images the builder would reuse for the same options. Without the
	// block: amazon-ebs's defaults.
	ImageSpec imagespec.Options `mapstructure:"image_spec"`

	ctx interpolate.Context
	// rosco holds rosco_config's settings per region, resolved by Configure.
	rosco map[string]roscoconfig.Settings
	// ownersSet records whether owners came from the template, before the default applies.
	ownersSet bool
	// sourceAMI is the primary region's resolved source AMI, for the strict key.
	sourceAMI string
}

// DatasourceOutput is what templates read from `data.spinnaker-bake.<name>`.
type DatasourceOutput struct {
	// Rosco's bake key for each region, as a map from region to key.
	RoscoKey map[string]string `mapstructure:"rosco_key"`
	// The strict key: `sha256:` and the hex SHA-256 of the canonical key document. It covers the
	// inputs Rosco's key misses (repositories, upgrade, extra inputs) and leaves out the region.
	Key string `mapstructure:"key"`
	// The canonical JSON document the strict key hashes, for debugging a cache miss.
	KeyDocument string `mapstructure:"key_document"`
	// The image spec: `sha256:` and the hex SHA-256 of `image_spec_document`, the value of the tag
	// `spinnaker:image-spec` that spinnaker-ebs puts on an image built with the same `image_spec`
	// options from the primary region's source AMI. `lookup = "key"` matches it. Empty when there
	// is no source AMI (neither `base_ami` nor `rosco_config`).
	ImageSpecDigest string `mapstructure:"image_spec_digest"`
	// The canonical JSON document the image spec digest hashes: the source AMI and the options
	// set, for debugging a miss.
	ImageSpecDocument string `mapstructure:"image_spec_document"`
	// The image name Rosco would give the AMI.
	ImageName string `mapstructure:"image_name"`
	// The appversion tag value, or an empty string where Rosco would set none.
	AppVersion string `mapstructure:"appversion"`
	// Rosco's packages parameter: the string passed to Packer as the `packages` variable.
	Packages string `mapstructure:"packages"`
	// The packages to install, one entry per package, as a list.
	PackageList []string `mapstructure:"package_list"`
	// The package type used: `deb`, `rpm` or `nupkg`.
	PackageType string `mapstructure:"package_type"`
	// The region of the bake: `region`.
	Region string `mapstructure:"region"`

	// Whether an existing image was found in every region. With `lookup = "key"` (the default)
	// an image must carry the key and the image spec, so `found` is true exactly when
	// spinnaker-ebs with the same key, options and source AMI would reuse rather than bake or
	// copy. Always false with `lookup = "none"`.
	Found bool `mapstructure:"found"`
	// The id of the existing image of each region where one was found, as a map from region to id.
	AMIIDs map[string]string `mapstructure:"ami_ids"`
	// The regions where no existing image was found, sorted.
	MissingRegions []string `mapstructure:"missing_regions"`
	// Why a lookup missed, one warning per region, when it is not the plain "nothing was baked":
	// with `lookup = "key"`, a region where images carry the key without this image spec
	// (tagged by a plain amazon-ebs template, or baked before the spec existed). Each names the
	// region, the images and the specs they carry, and `lookup = "key_only"` and `image_spec`.
	// The same lines go to Packer's log as `[WARN]` (seen with `PACKER_LOG=1`): Packer shows a
	// data source nothing else. Empty otherwise.
	LookupWarnings []string `mapstructure:"lookup_warnings"`
	// The id of the existing image of the primary region, or an empty string.
	AMIID string `mapstructure:"ami_id"`
	// The existing image of the primary region: `id`, `name`, `creation_date`, `owner_id`, `tags`.
	Image FoundImage `mapstructure:"image"`
	// The source AMI id of each region, as a map from region to id: `base_ami` or rosco_config's
	// `sourceAmi`, resolved in EC2 when it is an image name. Empty when neither is set.
	SourceAMI map[string]string `mapstructure:"source_ami"`
	// rosco_config's `instanceType` for the primary region.
	InstanceType string `mapstructure:"instance_type"`
	// rosco_config's `sshUserName` for the primary region.
	SSHUsername string `mapstructure:"ssh_username"`
	// rosco_config's `winRmUserName` for the primary region.
	WinRMUsername string `mapstructure:"winrm_username"`
	// The template file Rosco would use: `template_file_name`, else the base image's
	// `templateFile`, else `aws.bakeryDefaults.templateFile`.
	TemplateFile string `mapstructure:"template_file"`
	// The repository Rosco would pass: the base image's `customRepository`, else the repository
	// of its package type (`debianRepository`, `yumRepository`, `chocolateyRepository`).
	Repository string `mapstructure:"repository"`
	// rosco_config's `spotPrice`, as Rosco sends it (`"0"` included).
	SpotPrice string `mapstructure:"spot_price"`
	// rosco_config's `spotPriceAutoProduct`, only when `spotPrice` is `auto`.
	SpotPriceAutoProduct string `mapstructure:"spot_price_auto_product"`
}

// FoundImage describes an existing image.
type FoundImage struct {
	// The image id.
	ID string `mapstructure:"id"`
	// The image name.
	Name string `mapstructure:"name"`
	// The creation date, as EC2 gives it (ISO 8601, UTC).
	CreationDate string `mapstructure:"creation_date"`
	// The owning account.
	OwnerID string `mapstructure:"owner_id"`
	// The image's tags.
	Tags map[string]string `mapstructure:"tags"`
}
