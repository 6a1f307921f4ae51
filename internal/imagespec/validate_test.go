package imagespec

import (
	"errors"
	"strings"
	"testing"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
)

func TestValidate(t *testing.T) {
	regions := []string{"us-east-1", "eu-west-1"}
	for _, tc := range []struct {
		name string
		opts Options
		want []string // substrings of the error; none: valid
	}{
		{name: "no options"},
		{name: "encryption with keys", opts: Options{EncryptBoot: config.TriTrue, KMSKeyID: "alias/app",
			RegionKMSKeyIDs: map[string]string{"eu-west-1": "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab", "us-east-1": ""}}},
		{name: "every attribute", opts: Options{IMDSSupport: "v2.0", ENASupport: config.TriFalse, SriovSupport: true, VirtualizationType: "paravirtual",
			ProductCodes: []string{"abc"}, NoEphemeral: true, LaunchBlockDeviceMappings: awscommon.BlockDevices{{DeviceName: "/dev/xvda", VolumeType: "gp3", VolumeSize: 20, Throughput: int32p(250)}}}},
		{name: "kms_key_id without encrypt_boot", opts: Options{KMSKeyID: "alias/app"},
			want: []string{`kms_key_id "alias/app" needs encrypt_boot = true`}},
		{name: "bad kms_key_id", opts: Options{EncryptBoot: config.TriTrue, KMSKeyID: "not a key"},
			want: []string{`kms_key_id "not a key" is not a KMS key id`}},
		{name: "region key without encrypt_boot", opts: Options{EncryptBoot: config.TriFalse, RegionKMSKeyIDs: map[string]string{"eu-west-1": "alias/eu"}},
			want: []string{`region_kms_key_ids["eu-west-1"] = "alias/eu" needs encrypt_boot = true`}},
		{name: "region key outside the bake", opts: Options{EncryptBoot: config.TriTrue, RegionKMSKeyIDs: map[string]string{"ap-south-1": "alias/ap"}},
			want: []string{`region_kms_key_ids["ap-south-1"]: "ap-south-1" is not one of the regions of the bake [us-east-1 eu-west-1]`}},
		{name: "bad region key", opts: Options{EncryptBoot: config.TriTrue, RegionKMSKeyIDs: map[string]string{"eu-west-1": "key?"}},
			want: []string{`region_kms_key_ids["eu-west-1"] = "key?" is not a KMS key id`}},
		{name: "imds_support", opts: Options{IMDSSupport: "v2"}, want: []string{`imds_support "v2": the only value is "v2.0"`}},
		{name: "ami_virtualization_type", opts: Options{VirtualizationType: "pv"}, want: []string{`ami_virtualization_type "pv": use "hvm" or "paravirtual"`}},
		{name: "empty product code", opts: Options{ProductCodes: []string{"abc", ""}}, want: []string{"ami_product_codes[1]: empty product code"}},
		{name: "mapping without device name", opts: Options{LaunchBlockDeviceMappings: awscommon.BlockDevices{{VolumeSize: 8}}},
			want: []string{`launch_block_device_mappings[0] (device_name ""): The ` + "`device_name`" + ` must be specified`}},
		{name: "throughput on gp2", opts: Options{AMIBlockDeviceMappings: awscommon.BlockDevices{{DeviceName: "/dev/xvda"}, {DeviceName: "/dev/xvdb", VolumeType: "gp2", Throughput: int32p(250)}}},
			want: []string{`ami_block_device_mappings[1] (device_name "/dev/xvdb"): Throughput is only valid for gp3 volumes`}},
		{name: "fast launch", opts: Options{FastLaunch: amazonebs.FastLaunchConfig{UseFastLaunch: true, LaunchTemplateName: "win", MaxParallelLaunches: 6,
			RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{{Region: "eu-west-1", LaunchTemplateID: "lt-0123456789abcdef0"}}}}},
		{name: "fast launch max_parallel_launches", opts: Options{FastLaunch: amazonebs.FastLaunchConfig{MaxParallelLaunches: 2}},
			want: []string{"fast_launch: max_parallel_launches must be >= 6, provided value is 2"}},
		{name: "fast launch region outside the bake", opts: Options{FastLaunch: amazonebs.FastLaunchConfig{
			RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{{Region: "ap-south-1", LaunchTemplateName: "win"}}}},
			want: []string{`fast_launch.region_launch_templates[0]: region "ap-south-1" is not one of the regions of the bake [us-east-1 eu-west-1]`}},
		{name: "fast launch top-level template and the build region's", opts: Options{FastLaunch: amazonebs.FastLaunchConfig{LaunchTemplateName: "win",
			RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{{Region: "us-east-1", LaunchTemplateName: "other"}}}},
			want: []string{`fast_launch: fast launch: launch template specified twice for region "us-east-1"`}},
		{name: "fast launch template id and name", opts: Options{FastLaunch: amazonebs.FastLaunchConfig{LaunchTemplateName: "win", LaunchTemplateID: "lt-0123456789abcdef0"}},
			want: []string{`fast_launch: fast_launch_template_config region "us-east-1": both template ID and name cannot be specified`}},
		{name: "several at once", opts: Options{KMSKeyID: "alias/app", IMDSSupport: "v1"},
			want: []string{"kms_key_id", "imds_support"}},
	} {
		err := errors.Join(tc.opts.Validate(&interpolate.Context{}, regions)...)
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
}
