package ebs

import (
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/datasource/bake"
)

// prepared returns the builder's config after Prepare with minimal() and set.
func prepared(t *testing.T, set map[string]interface{}) *Config {
	t.Helper()
	m := minimal()
	for k, v := range set {
		m[k] = v
	}
	b := &Builder{}
	if _, _, err := b.Prepare(m); err != nil {
		t.Fatalf("Prepare(%v): %v", set, err)
	}
	return &b.config
}

func TestImageSpecChangesWithEveryOptionThatShapesTheImage(t *testing.T) {
	base := prepared(t, nil).specDigest
	if !strings.HasPrefix(base, "sha256:") || len(base) != 71 {
		t.Fatalf("spec digest %q", base)
	}
	disk := func(extra map[string]interface{}) []interface{} {
		d := map[string]interface{}{"device_name": "/dev/xvda", "volume_size": 8, "volume_type": "gp3", "delete_on_termination": true}
		for k, v := range extra {
			d[k] = v
		}
		return []interface{}{d}
	}
	seen := map[string]string{base: "base"}
	for name, set := range map[string]map[string]interface{}{
		"source_ami":                        {"source_ami": "ami-0fedcba9876543210"},
		"encrypt_boot":                      {"encrypt_boot": true},
		"encrypt_boot with kms_key_id":      {"encrypt_boot": true, "kms_key_id": "alias/app"},
		"region_kms_key_ids":                {"encrypt_boot": true, "ami_regions": []interface{}{"eu-west-1"}, "region_kms_key_ids": map[string]interface{}{"eu-west-1": "alias/a"}},
		"launch_block_device_mappings":      {"launch_block_device_mappings": disk(nil)},
		"launch mapping volume size":        {"launch_block_device_mappings": disk(map[string]interface{}{"volume_size": 20})},
		"launch mapping iops":               {"launch_block_device_mappings": disk(map[string]interface{}{"iops": 4000})},
		"launch mapping throughput":         {"launch_block_device_mappings": disk(map[string]interface{}{"throughput": 250})},
		"launch mapping encrypted":          {"launch_block_device_mappings": disk(map[string]interface{}{"encrypted": true})},
		"ami_block_device_mappings":         {"ami_block_device_mappings": disk(nil)},
		"imds_support":                      {"imds_support": "v2.0"},
		"ena_support":                       {"ena_support": false},
		"sriov_support":                     {"sriov_support": true},
		"ami_virtualization_type":           {"ami_virtualization_type": "hvm"},
		"ami_product_codes":                 {"ami_product_codes": []interface{}{"abc123"}},
		"no_ephemeral":                      {"no_ephemeral": true},
		"fast_launch":                       {"fast_launch": map[string]interface{}{"enable_fast_launch": true}},
		"fast_launch target_resource_count": {"fast_launch": map[string]interface{}{"target_resource_count": 10}},
	} {
		got := prepared(t, set).specDigest
		if prev, dup := seen[got]; dup {
			t.Errorf("%s gives the same image spec as %s", name, prev)
		}
		seen[got] = name
	}
	// What does not shape the image leaves it alone.
	for name, set := range map[string]map[string]interface{}{
		"instance_type": {"instance_type": "c5.large"},
		"ami_users":     {"ami_users": []interface{}{"210987654321"}},
		"ami_regions":   {"ami_regions": []interface{}{"eu-west-1"}},
		"deprecate_at":  {"deprecate_at": "2030-01-01T00:00:00Z"},
		"tags":          {"tags": map[string]interface{}{"team": "a"}},
	} {
		if got := prepared(t, set).specDigest; got != base {
			t.Errorf("%s changes the image spec", name)
		}
	}
	// The order of block device mappings does not change the image.
	two := []interface{}{
		map[string]interface{}{"device_name": "/dev/xvda", "volume_size": 8},
		map[string]interface{}{"device_name": "/dev/xvdb", "volume_size": 50},
	}
	reversed := []interface{}{two[1], two[0]}
	if prepared(t, map[string]interface{}{"launch_block_device_mappings": two}).specDigest !=
		prepared(t, map[string]interface{}{"launch_block_device_mappings": reversed}).specDigest {
		t.Error("the order of launch_block_device_mappings changes the image spec")
	}
}

// TestImageSpecDigestsArePinned pins the spec digest of a plain request and
// of one that sets every option in the spec: images already baked carry
// these tags, so a refactoring that changes a digest would make every one of
// them miss and bake again.
func TestImageSpecDigestsArePinned(t *testing.T) {
	for _, tc := range []struct {
		name     string
		set      map[string]interface{}
		document string
		digest   string
	}{
		{name: "plain", document: `{"source_ami":"ami-0123456789abcdef0"}`, digest: "sha256:2fb217e01587c9882b6df3382d0328a186712c337d9f52ab932cde86e91df3fc"},
		{
			name: "every option",
			set: map[string]interface{}{
				"encrypt_boot": true, "kms_key_id": "alias/app",
				"ami_regions": []interface{}{"eu-west-1"}, "region_kms_key_ids": map[string]interface{}{"eu-west-1": "alias/eu"},
				"launch_block_device_mappings": []interface{}{
					map[string]interface{}{"device_name": "/dev/xvdb", "volume_size": 50, "volume_type": "io2", "iops": 5000, "encrypted": true, "kms_key_id": "alias/disk"},
					map[string]interface{}{"device_name": "/dev/xvda", "volume_size": 8, "volume_type": "gp3", "throughput": 250, "delete_on_termination": true},
				},
				"ami_block_device_mappings": []interface{}{
					map[string]interface{}{"device_name": "/dev/sdc", "virtual_name": "ephemeral0"},
					map[string]interface{}{"device_name": "/dev/sdd", "no_device": true, "snapshot_id": "snap-0123456789abcdef0"},
				},
				"imds_support": "v2.0", "ena_support": true, "sriov_support": true, "ami_virtualization_type": "hvm",
				"ami_product_codes": []interface{}{"zz9", "abc123"}, "no_ephemeral": true,
			},
			document: `{"source_ami":"ami-0123456789abcdef0","encrypt_boot":true,"kms_key_id":"alias/app","region_kms_key_ids":{"eu-west-1":"alias/eu"},"launch_block_device_mappings":[{"device_name":"/dev/xvda","volume_type":"gp3","volume_size":8,"throughput":250,"delete_on_termination":true},{"device_name":"/dev/xvdb","volume_type":"io2","volume_size":50,"iops":5000,"encrypted":true,"kms_key_id":"alias/disk"}],"ami_block_device_mappings":[{"device_name":"/dev/sdc","virtual_name":"ephemeral0"},{"device_name":"/dev/sdd","snapshot_id":"snap-0123456789abcdef0","no_device":true}],"imds_support":"v2.0","ena_support":true,"sriov_support":true,"ami_virtualization_type":"hvm","ami_product_codes":["abc123","zz9"],"no_ephemeral":true}`,
			digest:   "sha256:6d7dfed5d09b5907bfbdf72f6d7e633ff08dc0edc4dc9a37cbc7231303da07ad",
		},
	} {
		c := prepared(t, tc.set)
		if c.specDocument != tc.document {
			t.Errorf("%s: document\n%s\nwant\n%s", tc.name, c.specDocument, tc.document)
		}
		if c.specDigest != tc.digest {
			t.Errorf("%s: digest %s, want %s", tc.name, c.specDigest, tc.digest)
		}
	}
}

// TestDataSourceComputesTheBuildersSpec: the same amazon-ebs options, copied
// from the source block into data "spinnaker-bake"'s image_spec block, with
// the same source AMI, give the spec digest the builder looks up and tags.
func TestDataSourceComputesTheBuildersSpec(t *testing.T) {
	disk := map[string]interface{}{"device_name": "/dev/xvda", "volume_size": 20, "volume_type": "gp3", "throughput": 250, "delete_on_termination": true}
	for name, opts := range map[string]map[string]interface{}{
		"defaults":     nil,
		"encrypt_boot": {"encrypt_boot": true},
		"every option": {
			"encrypt_boot": true, "kms_key_id": "alias/app", "region_kms_key_ids": map[string]interface{}{"eu-west-1": "alias/eu"},
			"launch_block_device_mappings": []interface{}{disk}, "ami_block_device_mappings": []interface{}{map[string]interface{}{"device_name": "/dev/sdc", "virtual_name": "ephemeral0"}},
			"imds_support": "v2.0", "ena_support": false, "sriov_support": true, "ami_virtualization_type": "hvm",
			"ami_product_codes": []interface{}{"abc123"}, "no_ephemeral": true,
		},
		"fast_launch": {"fast_launch": map[string]interface{}{
			"template_name": "win", "max_parallel_launches": 8, "target_resource_count": 10,
			"region_launch_templates": []interface{}{map[string]interface{}{"region": "eu-west-1", "template_id": "lt-0123456789abcdef0", "template_version": 2}},
		}},
		"fast_launch off in a copy region": {"fast_launch": map[string]interface{}{
			"enable_fast_launch": true, "region_launch_templates": []interface{}{map[string]interface{}{"region": "eu-west-1", "enable_fast_launch": false}},
		}},
	} {
		set := map[string]interface{}{"ami_regions": []interface{}{"eu-west-1"}}
		for k, v := range opts {
			set[k] = v
		}
		builder := prepared(t, set)
		d := new(bake.Datasource)
		if err := d.Configure(map[string]interface{}{
			"package_name": "app", "region": "us-east-1", "regions": []interface{}{"eu-west-1"},
			"base_ami": builder.SourceAmi, "lookup": "none", "image_spec": opts,
		}); err != nil {
			t.Fatalf("%s: data source: %v", name, err)
		}
		out, err := d.Execute()
		if err != nil {
			t.Fatalf("%s: data source: %v", name, err)
		}
		if got := out.GetAttr("image_spec_digest").AsString(); got != builder.specDigest {
			t.Errorf("%s: data source spec %s (%s), builder %s (%s)", name, got, out.GetAttr("image_spec_document").AsString(), builder.specDigest, builder.specDocument)
		}
	}
}
