//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Options
//go:generate go tool packer-sdc struct-markdown

package imagespec

import (
	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
)

// Options are the amazon-ebs v1.8.2 options that change what the AMI is, under amazon-ebs's names
// and types, so that they can be copied from a `source "spinnaker-ebs"` or `source "amazon-ebs"`
// block unchanged. Options that only shape the build (instance type, subnet, SSH) or that a cache
// hit applies itself (sharing, deprecation, tags) are not among them. amazon-ebs v1.8.2 has no
// `boot_mode` or `tpm_support` for EBS builds: both come from the source AMI, which the spec holds.
type Options struct {
	// amazon-ebs's `encrypt_boot`: the image's boot volume is encrypted.
	EncryptBoot config.Trilean `mapstructure:"encrypt_boot"`
	// amazon-ebs's `kms_key_id`: the KMS key of the encrypted boot volume. Needs
	// `encrypt_boot = true`.
	KMSKeyID string `mapstructure:"kms_key_id"`
	// amazon-ebs's `region_kms_key_ids`: the KMS key of each region's copy, as a map from region
	// to key. Needs `encrypt_boot = true`.
	RegionKMSKeyIDs map[string]string `mapstructure:"region_kms_key_ids"`
	// amazon-ebs's `launch_block_device_mappings` blocks: the build instance's volumes, which
	// become the image's. Their order does not matter.
	LaunchBlockDeviceMappings awscommon.BlockDevices `mapstructure:"launch_block_device_mappings"`
	// amazon-ebs's `ami_block_device_mappings` blocks: volumes added to the image's mapping.
	// Their order does not matter.
	AMIBlockDeviceMappings awscommon.BlockDevices `mapstructure:"ami_block_device_mappings"`
	// amazon-ebs's `imds_support`: `"v2.0"` makes instances of the image require IMDSv2.
	IMDSSupport string `mapstructure:"imds_support"`
	// amazon-ebs's `ena_support`: the image's ENA attribute.
	ENASupport config.Trilean `mapstructure:"ena_support"`
	// amazon-ebs's `sriov_support`: the image's SR-IOV attribute.
	SriovSupport bool `mapstructure:"sriov_support"`
	// amazon-ebs's `ami_virtualization_type`: `hvm` or `paravirtual`.
	VirtualizationType string `mapstructure:"ami_virtualization_type"`
	// amazon-ebs's `ami_product_codes`: the Marketplace product codes of the image. Their order
	// does not matter.
	ProductCodes []string `mapstructure:"ami_product_codes"`
	// amazon-ebs's `no_ephemeral`: the image maps no instance-store volumes.
	NoEphemeral bool `mapstructure:"no_ephemeral"`
	// amazon-ebs's `fast_launch` block, with its options and names (`enable_fast_launch`,
	// `template_id`, `template_name`, `template_version`, `region_launch_templates`,
	// `max_parallel_launches`, `target_resource_count`): Windows fast launch, which EC2 keeps on
	// the image with its launch template and snapshot settings. As in amazon-ebs, setting any of
	// its options enables it.
	FastLaunch amazonebs.FastLaunchConfig `mapstructure:"fast_launch"`
}
