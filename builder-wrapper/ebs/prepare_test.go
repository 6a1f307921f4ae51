package ebs

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

const testKey = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// minimal is the least amazon-ebs accepts, plus the bake key.
func minimal() map[string]interface{} {
	return map[string]interface{}{
		"region":        "us-east-1",
		"source_ami":    "ami-0123456789abcdef0",
		"instance_type": "t3.micro",
		"ssh_username":  "admin",
		"ami_name":      "app-1",
		"bake_key":      testKey,
	}
}

// hclRaw decodes an HCL body against the builder's spec, as Packer does
// before it hands the builder a cty.Value.
func hclRaw(t *testing.T, b *Builder, src string) cty.Value {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "source.pkr.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, b.ConfigSpec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

func TestPrepareAcceptsEveryRawShape(t *testing.T) {
	packerVars := map[string]interface{}{"packer_build_name": "app", "packer_builder_type": "spinnaker-ebs"}
	cases := map[string]func(b *Builder) []interface{}{
		"HCL2 object": func(b *Builder) []interface{} {
			return []interface{}{hclRaw(t, b, `
region        = "us-east-1"
source_ami    = "ami-0123456789abcdef0"
instance_type = "t3.micro"
ssh_username  = "admin"
ami_name      = "app-1"
bake_key      = "`+testKey+`"
rebake        = false
key_tag       = "team:bake"
wait_for_inflight = "2m"
tags     = { appversion = "app-1.0-h1", build_host = "https://ci", build_info_url = "https://ci/1" }
run_tags = { Packages = "app" }
`), packerVars}
		},
		"JSON map[string]interface{}": func(*Builder) []interface{} {
			m := minimal()
			m["key_tag"], m["wait_for_inflight"] = "team:bake", "2m"
			m["tags"] = map[string]interface{}{"appversion": "app-1.0-h1", "build_host": "https://ci", "build_info_url": "https://ci/1"}
			m["run_tags"] = map[string]interface{}{"Packages": "app"}
			return []interface{}{m, packerVars}
		},
		"JSON over RPC map[interface{}]interface{}": func(*Builder) []interface{} {
			m := map[interface{}]interface{}{}
			for k, v := range minimal() {
				m[k] = v
			}
			m["key_tag"], m["wait_for_inflight"] = "team:bake", "2m"
			m["tags"] = map[interface{}]interface{}{"appversion": "app-1.0-h1", "build_host": "https://ci", "build_info_url": "https://ci/1"}
			m["run_tags"] = map[interface{}]interface{}{"Packages": "app"}
			return []interface{}{m, packerVars}
		},
	}
	for name, raws := range cases {
		t.Run(name, func(t *testing.T) {
			b := new(Builder)
			if _, _, err := b.Prepare(raws(b)...); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			c := b.config
			if c.BakeKey != testKey || c.KeyTag != "team:bake" || c.waitForInflight != 2*time.Minute {
				t.Errorf("own options: key %q tag %q wait %s", c.BakeKey, c.KeyTag, c.waitForInflight)
			}
			if c.AMIName != "app-1" || c.RawRegion != "us-east-1" {
				t.Errorf("amazon options not decoded: ami_name %q region %q", c.AMIName, c.RawRegion)
			}
			// The tags amazon-ebs receives: the user's, plus the key.
			tags, _ := withKeyTag("tags", c.AMITags, c.KeyTag, c.BakeKey)
			for k, want := range map[string]string{"team:bake": testKey, "appversion": "app-1.0-h1", "build_host": "https://ci", "build_info_url": "https://ci/1"} {
				if tags[k] != want {
					t.Errorf("tags[%q] = %q, want %q", k, tags[k], want)
				}
			}
			runTags, _ := withKeyTag("run_tags", c.RunTags, c.KeyTag, c.BakeKey)
			if runTags["team:bake"] != testKey || runTags["Packages"] != "app" {
				t.Errorf("run_tags = %v", runTags)
			}
		})
	}
}

func TestPrepareDefaultsAndForce(t *testing.T) {
	b := new(Builder)
	m := minimal()
	if _, _, err := b.Prepare(m, map[string]interface{}{"packer_force": true}); err != nil {
		t.Fatal(err)
	}
	if b.config.KeyTag != DefaultKeyTag || b.config.waitForInflight != DefaultWaitForInflight {
		t.Errorf("defaults: key_tag %q wait %s", b.config.KeyTag, b.config.waitForInflight)
	}
	if !b.config.Rebake {
		t.Error("-force did not imply rebake")
	}
}

func TestPrepareErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]interface{}
		want string
	}{
		{"missing key", map[string]interface{}{"bake_key": ""}, "one of bake_key and bake is required"},
		{"not a strict key", map[string]interface{}{"bake_key": "sha256:XYZ"}, `bake_key "sha256:XYZ"`},
		{"Rosco key instead of strict key", map[string]interface{}{"bake_key": "bake:aws:hvm:centos:kato:us-east-1"}, `bake_key "bake:aws:hvm:centos:kato:us-east-1" is not a strict key`},
		{"reserved tag", map[string]interface{}{"key_tag": "aws:bake"}, `key_tag "aws:bake"`},
		{"bad duration", map[string]interface{}{"wait_for_inflight": "soon"}, `wait_for_inflight "soon"`},
		{"negative duration", map[string]interface{}{"wait_for_inflight": "-1m"}, `wait_for_inflight "-1m" must not be negative`},
		{"conflicting user tag", map[string]interface{}{"tags": map[string]interface{}{DefaultKeyTag: "other"}}, `tags["spinnaker:bake-key"] = "other" conflicts`},
		{"amazon's own errors still apply", map[string]interface{}{"ami_name": ""}, "ami_name must be specified"},
		{"unknown option", map[string]interface{}{"bake_keys": "x"}, "bake_keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := minimal()
			for k, v := range tc.set {
				m[k] = v
			}
			_, _, err := new(Builder).Prepare(m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Prepare error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestPrepareAcceptsAKeyPackerValidateCannotKnow(t *testing.T) {
	m := minimal()
	m["bake_key"] = "<unknown>"
	if _, _, err := new(Builder).Prepare(m); err != nil {
		t.Errorf("Prepare with the key unknown (packer validate): %v", err)
	}
}
