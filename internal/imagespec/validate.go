package imagespec

import (
	"fmt"
	"maps"
	"slices"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
)

// Validate checks the options as amazon-ebs checks them, for a component that takes them without
// amazon-ebs behind it (data "spinnaker-bake"); regions are the regions of the bake, which
// region_kms_key_ids must stay within. It returns every problem, each naming the option and the
// value. The block device checks are the amazon plugin's own (BlockDevice.Prepare), named by
// position.
func (o *Options) Validate(ctx *interpolate.Context, regions []string) []error {
	var errs []error
	encrypted := o.EncryptBoot.True()
	if o.KMSKeyID != "" {
		if !encrypted {
			errs = append(errs, fmt.Errorf("kms_key_id %q needs encrypt_boot = true, as in amazon-ebs", o.KMSKeyID))
		}
		if !awscommon.ValidateKmsKey(o.KMSKeyID) {
			errs = append(errs, fmt.Errorf("kms_key_id %q is not a KMS key id, alias or ARN", o.KMSKeyID))
		}
	}
	for _, region := range slices.Sorted(maps.Keys(o.RegionKMSKeyIDs)) {
		key := o.RegionKMSKeyIDs[region]
		if !slices.Contains(regions, region) {
			errs = append(errs, fmt.Errorf("region_kms_key_ids[%q]: %q is not one of the regions of the bake %v", region, region, regions))
		}
		if key == "" {
			continue // amazon-ebs: the region's default key
		}
		if !encrypted {
			errs = append(errs, fmt.Errorf("region_kms_key_ids[%q] = %q needs encrypt_boot = true, as in amazon-ebs", region, key))
		}
		if !awscommon.ValidateKmsKey(key) {
			errs = append(errs, fmt.Errorf("region_kms_key_ids[%q] = %q is not a KMS key id, alias or ARN", region, key))
		}
	}
	errs = append(errs, blockDeviceErrors("launch_block_device_mappings", o.LaunchBlockDeviceMappings, ctx)...)
	errs = append(errs, blockDeviceErrors("ami_block_device_mappings", o.AMIBlockDeviceMappings, ctx)...)
	if o.IMDSSupport != "" && o.IMDSSupport != "v2.0" {
		errs = append(errs, fmt.Errorf(`imds_support %q: the only value is "v2.0" (or leave it unset)`, o.IMDSSupport))
	}
	switch o.VirtualizationType {
	case "", "hvm", "paravirtual":
	default:
		errs = append(errs, fmt.Errorf(`ami_virtualization_type %q: use "hvm" or "paravirtual"`, o.VirtualizationType))
	}
	for i, code := range o.ProductCodes {
		if code == "" {
			errs = append(errs, fmt.Errorf("ami_product_codes[%d]: empty product code", i))
		}
	}
	return append(errs, fastLaunchErrors(o.FastLaunch, regions)...)
}

// fastLaunchErrors runs amazon-ebs's checks of the fast_launch block (FastLaunchConfig.Prepare,
// on a copy: it changes the block) and its builder's check that each region_launch_templates
// region is one of the bake's. amazon-ebs checks the top-level template as the build region's
// entry (regions[0]), which the copy gets here, as its Prepare does.
func fastLaunchErrors(c amazonebs.FastLaunchConfig, regions []string) []error {
	var errs []error
	for i, t := range c.RegionLaunchTemplates {
		if t.Region != "" && !slices.Contains(regions, t.Region) {
			errs = append(errs, fmt.Errorf("fast_launch.region_launch_templates[%d]: region %q is not one of the regions of the bake %v", i, t.Region, regions))
		}
	}
	check := c
	check.RegionLaunchTemplates = slices.Clone(c.RegionLaunchTemplates)
	if (c.LaunchTemplateID != "" || c.LaunchTemplateName != "" || c.LaunchTemplateVersion != 0) && len(regions) > 0 {
		check.RegionLaunchTemplates = append(check.RegionLaunchTemplates, amazonebs.FastLaunchTemplateConfig{
			Region: regions[0], LaunchTemplateID: c.LaunchTemplateID, LaunchTemplateName: c.LaunchTemplateName, LaunchTemplateVersion: c.LaunchTemplateVersion,
		})
		check.LaunchTemplateID, check.LaunchTemplateName, check.LaunchTemplateVersion = "", "", 0
	}
	for _, err := range check.Prepare() {
		errs = append(errs, fmt.Errorf("fast_launch: %w", err))
	}
	return errs
}

// blockDeviceErrors runs the amazon plugin's checks on each mapping.
func blockDeviceErrors(field string, devices awscommon.BlockDevices, ctx *interpolate.Context) []error {
	var errs []error
	for i := range devices {
		if err := devices[i].Prepare(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s[%d] (device_name %q): %w", field, i, devices[i].DeviceName, err))
		}
	}
	return errs
}
