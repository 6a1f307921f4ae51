package bake

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/template/config"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestLookupKeyMatchesTheImageSpec: with images of one key and two specs
// (plain, encrypted) in both regions, lookup "key" finds the image of the
// spec the options give, as spinnaker-ebs's reuse does; key_only finds the
// newest image of the key whatever its spec.
func TestLookupKeyMatchesTheImageSpec(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"regions": []interface{}{"us-west-2"}})
	key := execute(t, withLookup(raw, "none"))["key"].AsString()
	encrypted := map[string]interface{}{"encrypt_boot": true}
	specOf := func(opts imagespec.Options) string { return opts.Spec(testBaseAMI).Digest() }
	plainSpec := specOf(imagespec.Options{})
	encryptedSpec := specOf(imagespec.Options{EncryptBoot: config.TriTrue})
	images := map[string]map[string]string{} // spec -> region -> id
	for i, spec := range []string{plainSpec, encryptedSpec} {
		images[spec] = map[string]string{}
		for _, region := range []string{"us-east-1", "us-west-2"} {
			images[spec][region] = fake.AddImage(region, ec2fake.Image{Name: "app-" + spec[7:15],
				CreationDate: time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC),
				Tags:         map[string]string{awslookup.DefaultKeyTag: key, imagespec.Tag: spec}}).ID
		}
	}

	for _, tc := range []struct {
		name     string
		extra    map[string]interface{}
		wantSpec string
		want     map[string]string // region -> id; nil: not found
	}{
		{name: "default options find the plain image", wantSpec: plainSpec, want: images[plainSpec]},
		{name: "encrypt_boot finds the encrypted image", extra: map[string]interface{}{"image_spec": encrypted}, wantSpec: encryptedSpec, want: images[encryptedSpec]},
		{name: "an options set nobody baked finds nothing", extra: map[string]interface{}{"image_spec": map[string]interface{}{"imds_support": "v2.0"}},
			wantSpec: specOf(imagespec.Options{IMDSSupport: "v2.0"})},
		{name: "another source AMI is another spec", extra: map[string]interface{}{"base_ami": "ami-0fedcba9876543210"},
			wantSpec: imagespec.Options{}.Spec("ami-0fedcba9876543210").Digest()},
		{name: "key_only finds the newest image of the key", extra: map[string]interface{}{"lookup": "key_only"}, wantSpec: plainSpec, want: images[encryptedSpec]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := withLookup(raw, "key")
			for k, v := range tc.extra {
				r[k] = v
			}
			out := execute(t, r)
			if got := out["image_spec_digest"].AsString(); got != tc.wantSpec {
				t.Errorf("image_spec_digest %s, want %s", got, tc.wantSpec)
			}
			if doc := out["image_spec_document"].AsString(); !strings.HasPrefix(doc, `{"source_ami":"ami-`) {
				t.Errorf("image_spec_document %s", doc)
			}
			got := strMap(out["ami_ids"])
			if tc.want == nil {
				if out["found"].True() || len(got) != 0 {
					t.Errorf("found %v ami_ids %v, want nothing", out["found"], got)
				}
				return
			}
			if !out["found"].True() || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("found %v ami_ids %v, want %v", out["found"], got, tc.want)
			}
		})
	}
}

// TestImageSpecBlockInHCL: the block crosses the HCL spec with amazon-ebs's
// own names, nested mapping blocks included, and gives the spec of the same
// options given as a Go value.
func TestImageSpecBlockInHCL(t *testing.T) {
	src := `
package_name = "kato"
region       = "us-east-1"
regions      = ["eu-west-1"]
base_ami     = "ami-0a1b2c3d4e5f60718"
lookup       = "none"
image_spec {
  encrypt_boot       = true
  kms_key_id         = "alias/app"
  region_kms_key_ids = { "eu-west-1" = "alias/eu" }
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 20
    volume_type           = "gp3"
    throughput            = 250
    delete_on_termination = true
  }
  imds_support = "v2.0"
  ena_support  = true
}
`
	out := execute(t, decodeHCL(t, src))
	want := `{"source_ami":"ami-0a1b2c3d4e5f60718","encrypt_boot":true,"kms_key_id":"alias/app","region_kms_key_ids":{"eu-west-1":"alias/eu"},` +
		`"launch_block_device_mappings":[{"device_name":"/dev/xvda","volume_type":"gp3","volume_size":20,"throughput":250,"delete_on_termination":true}],` +
		`"imds_support":"v2.0","ena_support":true}`
	if got := out["image_spec_document"].AsString(); got != want {
		t.Errorf("image_spec_document\n%s\nwant\n%s", got, want)
	}
}

// TestImageSpecWithoutSourceAMI: lookup "key" refuses to run without a source
// AMI rather than match the key alone; the other modes run and report no spec.
func TestImageSpecWithoutSourceAMI(t *testing.T) {
	_, raw := withFake(t, nil)
	delete(raw, "base_ami")
	err := configureErr(withLookup(raw, "key"))
	if err == nil || !strings.HasPrefix(err.Error(), `base_ami: required with lookup = "key", which matches the image spec`) {
		t.Errorf("lookup key without base_ami: err = %v", err)
	}
	for _, lookup := range []string{"key_only", "none"} {
		out := execute(t, withLookup(raw, lookup))
		if out["image_spec_digest"].AsString() != "" || out["image_spec_document"].AsString() != "" {
			t.Errorf("lookup %s without a source AMI: image_spec_digest %q", lookup, out["image_spec_digest"].AsString())
		}
	}
}

func TestImageSpecErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		spec map[string]interface{}
		want string
	}{
		{map[string]interface{}{"kms_key_id": "alias/app"}, `image_spec.kms_key_id "alias/app" needs encrypt_boot = true`},
		{map[string]interface{}{"encrypt_boot": true, "region_kms_key_ids": map[string]interface{}{"ap-south-1": "alias/a"}},
			`image_spec.region_kms_key_ids["ap-south-1"]: "ap-south-1" is not one of the regions of the bake [us-east-1]`},
		{map[string]interface{}{"imds_support": "required"}, `image_spec.imds_support "required": the only value is "v2.0"`},
		{map[string]interface{}{"launch_block_device_mappings": []interface{}{map[string]interface{}{"device_name": "/dev/xvda", "volume_type": "gp2", "throughput": 300}}},
			`image_spec.launch_block_device_mappings[0] (device_name "/dev/xvda"): Throughput is only valid for gp3 volumes`},
		{map[string]interface{}{"fast_launch": map[string]interface{}{"target_resource_count": 5, "max_parallel_launches": 3}},
			`image_spec.fast_launch: max_parallel_launches must be >= 6, provided value is 3`},
	} {
		_, raw := withFake(t, map[string]interface{}{"image_spec": tc.spec})
		if err := configureErr(raw); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.spec, err, tc.want)
		}
	}
}
