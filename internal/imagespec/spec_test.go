package imagespec

import (
	"strings"
	"testing"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
)

const testAMI = "ami-0123456789abcdef0"

func int32p(v int32) *int32 { return &v }

// TestSpecDocumentIsPinned: images carry digests of these documents; a
// change of the struct, the JSON names or the normalisation would make every
// one of them miss.
func TestSpecDocumentIsPinned(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     Options
		document string
		digest   string
	}{
		{
			name:     "plain",
			document: `{"source_ami":"ami-0123456789abcdef0"}`,
			digest:   "sha256:2fb217e01587c9882b6df3382d0328a186712c337d9f52ab932cde86e91df3fc",
		},
		{
			name: "every option",
			opts: Options{
				EncryptBoot: config.TriTrue, KMSKeyID: "alias/app", RegionKMSKeyIDs: map[string]string{"eu-west-1": "alias/eu"},
				LaunchBlockDeviceMappings: awscommon.BlockDevices{
					{DeviceName: "/dev/xvdb", VolumeSize: 50, VolumeType: "io2", IOPS: int32p(5000), Encrypted: config.TriTrue, KmsKeyId: "alias/disk"},
					{DeviceName: "/dev/xvda", VolumeSize: 8, VolumeType: "gp3", Throughput: int32p(250), DeleteOnTermination: true},
				},
				AMIBlockDeviceMappings: awscommon.BlockDevices{
					{DeviceName: "/dev/sdc", VirtualName: "ephemeral0"},
					{DeviceName: "/dev/sdd", NoDevice: true, SnapshotId: "snap-0123456789abcdef0"},
				},
				IMDSSupport: "v2.0", ENASupport: config.TriTrue, SriovSupport: true, VirtualizationType: "hvm",
				ProductCodes: []string{"zz9", "abc123"}, NoEphemeral: true,
			},
			document: `{"source_ami":"ami-0123456789abcdef0","encrypt_boot":true,"kms_key_id":"alias/app","region_kms_key_ids":{"eu-west-1":"alias/eu"},"launch_block_device_mappings":[{"device_name":"/dev/xvda","volume_type":"gp3","volume_size":8,"throughput":250,"delete_on_termination":true},{"device_name":"/dev/xvdb","volume_type":"io2","volume_size":50,"iops":5000,"encrypted":true,"kms_key_id":"alias/disk"}],"ami_block_device_mappings":[{"device_name":"/dev/sdc","virtual_name":"ephemeral0"},{"device_name":"/dev/sdd","snapshot_id":"snap-0123456789abcdef0","no_device":true}],"imds_support":"v2.0","ena_support":true,"sriov_support":true,"ami_virtualization_type":"hvm","ami_product_codes":["abc123","zz9"],"no_ephemeral":true}`,
			digest:   "sha256:6d7dfed5d09b5907bfbdf72f6d7e633ff08dc0edc4dc9a37cbc7231303da07ad",
		},
		{
			name: "fast launch",
			opts: Options{FastLaunch: amazonebs.FastLaunchConfig{
				UseFastLaunch: true, LaunchTemplateName: "win", MaxParallelLaunches: 8, TargetResourceCount: 10,
				RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{
					{Region: "us-west-2", EnableFalseLaunch: config.TriFalse},
					{Region: "eu-west-1", LaunchTemplateID: "lt-0123456789abcdef0", LaunchTemplateVersion: 3},
				},
			}},
			document: `{"source_ami":"ami-0123456789abcdef0","fast_launch":{"enable_fast_launch":true,"template_name":"win","region_launch_templates":[{"region":"eu-west-1","template_id":"lt-0123456789abcdef0","template_version":3},{"region":"us-west-2","enable_fast_launch":false}],"max_parallel_launches":8,"target_resource_count":10}}`,
			digest:   "sha256:810637e68b24f725f1c5edf6613f6b411460337833313ba8a53ea55c4b5caae0",
		},
	} {
		s := tc.opts.Spec(testAMI)
		if got := s.Document(); got != tc.document {
			t.Errorf("%s: document\n%s\nwant\n%s", tc.name, got, tc.document)
		}
		if got := s.Digest(); got != tc.digest {
			t.Errorf("%s: digest %s, want %s", tc.name, got, tc.digest)
		}
	}
}

func TestSpecChangesWithEveryOption(t *testing.T) {
	disk := func(edit func(*awscommon.BlockDevice)) awscommon.BlockDevices {
		d := awscommon.BlockDevice{DeviceName: "/dev/xvda", VolumeSize: 8, VolumeType: "gp3"}
		if edit != nil {
			edit(&d)
		}
		return awscommon.BlockDevices{d}
	}
	cases := map[string]func(*Options, *string){
		"source AMI":                   func(_ *Options, ami *string) { *ami = "ami-0fedcba9876543210" },
		"encrypt_boot true":            func(o *Options, _ *string) { o.EncryptBoot = config.TriTrue },
		"encrypt_boot false":           func(o *Options, _ *string) { o.EncryptBoot = config.TriFalse },
		"kms_key_id":                   func(o *Options, _ *string) { o.EncryptBoot, o.KMSKeyID = config.TriTrue, "alias/x" },
		"region_kms_key_ids":           func(o *Options, _ *string) { o.RegionKMSKeyIDs = map[string]string{"eu-west-1": "alias/x"} },
		"launch_block_device_mappings": func(o *Options, _ *string) { o.LaunchBlockDeviceMappings = disk(nil) },
		"launch volume size": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.VolumeSize = 20 })
		},
		"launch volume type": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.VolumeType = "io2" })
		},
		"launch iops": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.IOPS = int32p(4000) })
		},
		"launch throughput": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.Throughput = int32p(250) })
		},
		"launch encrypted": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.Encrypted = config.TriTrue })
		},
		"launch kms": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.KmsKeyId = "alias/d" })
		},
		"launch snapshot": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.SnapshotId = "snap-1" })
		},
		"launch delete_on_termination": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.DeleteOnTermination = true })
		},
		"launch no_device": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.NoDevice = true })
		},
		"launch virtual_name": func(o *Options, _ *string) {
			o.LaunchBlockDeviceMappings = disk(func(d *awscommon.BlockDevice) { d.VirtualName = "ephemeral0" })
		},
		"ami_block_device_mappings": func(o *Options, _ *string) { o.AMIBlockDeviceMappings = disk(nil) },
		"imds_support":              func(o *Options, _ *string) { o.IMDSSupport = "v2.0" },
		"ena_support true":          func(o *Options, _ *string) { o.ENASupport = config.TriTrue },
		"ena_support false":         func(o *Options, _ *string) { o.ENASupport = config.TriFalse },
		"sriov_support":             func(o *Options, _ *string) { o.SriovSupport = true },
		"ami_virtualization_type":   func(o *Options, _ *string) { o.VirtualizationType = "hvm" },
		"ami_product_codes":         func(o *Options, _ *string) { o.ProductCodes = []string{"abc"} },
		"no_ephemeral":              func(o *Options, _ *string) { o.NoEphemeral = true },
		"fast_launch enabled":       func(o *Options, _ *string) { o.FastLaunch.UseFastLaunch = true },
		"fast_launch target_resource_count": func(o *Options, _ *string) {
			o.FastLaunch.UseFastLaunch, o.FastLaunch.TargetResourceCount = true, 10
		},
		"fast_launch max_parallel_launches": func(o *Options, _ *string) {
			o.FastLaunch.UseFastLaunch, o.FastLaunch.MaxParallelLaunches = true, 8
		},
		"fast_launch template_name": func(o *Options, _ *string) {
			o.FastLaunch.UseFastLaunch, o.FastLaunch.LaunchTemplateName = true, "win"
		},
		"fast_launch region template": func(o *Options, _ *string) {
			o.FastLaunch.RegionLaunchTemplates = []amazonebs.FastLaunchTemplateConfig{{Region: "eu-west-1", LaunchTemplateID: "lt-0123456789abcdef0"}}
		},
		"fast_launch off in a region": func(o *Options, _ *string) {
			o.FastLaunch.RegionLaunchTemplates = []amazonebs.FastLaunchTemplateConfig{{Region: "eu-west-1", EnableFalseLaunch: config.TriFalse}}
		},
	}
	seen := map[string]string{Options{}.Spec(testAMI).Digest(): "no options"}
	for name, edit := range cases {
		var o Options
		ami := testAMI
		edit(&o, &ami)
		d := o.Spec(ami).Digest()
		if !strings.HasPrefix(d, "sha256:") || len(d) != 71 {
			t.Fatalf("%s: digest %q", name, d)
		}
		if prev, dup := seen[d]; dup {
			t.Errorf("%s gives the same spec as %s", name, prev)
		}
		seen[d] = name
	}
}

// TestSpecIgnoresWhatDoesNotShapeTheImage: the order of mappings and product
// codes, and empty collections against absent ones.
func TestSpecIgnoresWhatDoesNotShapeTheImage(t *testing.T) {
	a := awscommon.BlockDevice{DeviceName: "/dev/xvda", VolumeSize: 8}
	b := awscommon.BlockDevice{DeviceName: "/dev/xvdb", VolumeSize: 50}
	for name, pair := range map[string][2]Options{
		"launch mapping order": {{LaunchBlockDeviceMappings: awscommon.BlockDevices{a, b}}, {LaunchBlockDeviceMappings: awscommon.BlockDevices{b, a}}},
		"ami mapping order":    {{AMIBlockDeviceMappings: awscommon.BlockDevices{a, b}}, {AMIBlockDeviceMappings: awscommon.BlockDevices{b, a}}},
		"product code order":   {{ProductCodes: []string{"b", "a"}}, {ProductCodes: []string{"a", "b"}}},
		"empty collections":    {{LaunchBlockDeviceMappings: awscommon.BlockDevices{}, ProductCodes: []string{}, RegionKMSKeyIDs: map[string]string{}}, {}},
		"fast launch region order": {
			{FastLaunch: amazonebs.FastLaunchConfig{RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{{Region: "us-east-1"}, {Region: "eu-west-1", LaunchTemplateName: "win"}}}},
			{FastLaunch: amazonebs.FastLaunchConfig{RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{{Region: "eu-west-1", LaunchTemplateName: "win"}, {Region: "us-east-1"}}}},
		},
		// amazon-ebs enables fast launch when any option of the block is set.
		"fast launch implied": {
			{FastLaunch: amazonebs.FastLaunchConfig{TargetResourceCount: 10}},
			{FastLaunch: amazonebs.FastLaunchConfig{UseFastLaunch: true, TargetResourceCount: 10}},
		},
		// A region's template is ignored where fast launch is off, and on is the default.
		"fast launch region settings amazon-ebs ignores": {
			{FastLaunch: amazonebs.FastLaunchConfig{RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{
				{Region: "eu-west-1", EnableFalseLaunch: config.TriFalse, LaunchTemplateName: "win"}, {Region: "us-east-1", EnableFalseLaunch: config.TriTrue}}}},
			{FastLaunch: amazonebs.FastLaunchConfig{RegionLaunchTemplates: []amazonebs.FastLaunchTemplateConfig{
				{Region: "eu-west-1", EnableFalseLaunch: config.TriFalse}, {Region: "us-east-1"}}}},
		},
		"fast launch off": {{FastLaunch: amazonebs.FastLaunchConfig{UseFastLaunch: false}}, {}},
	} {
		if x, y := pair[0].Spec(testAMI).Digest(), pair[1].Spec(testAMI).Digest(); x != y {
			t.Errorf("%s changes the spec: %s, %s", name, pair[0].Spec(testAMI).Document(), pair[1].Spec(testAMI).Document())
		}
	}
}
