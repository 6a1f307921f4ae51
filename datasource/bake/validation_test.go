package bake

import (
	"strings"
	"testing"
)

func TestStrictKeyCoversWhatRoscoKeyIgnores(t *testing.T) {
	base := execute(t, awsBakeHandlerRequest())
	for name, change := range map[string]func(map[string]interface{}){
		"repository":       func(r map[string]interface{}) { r["repository"] = "http://repo trusty main" },
		"repositories":     func(r map[string]interface{}) { r["repositories"] = []interface{}{"http://repo trusty main"} },
		"upgrade":          func(r map[string]interface{}) { r["upgrade"] = "true" },
		"extra_key_inputs": func(r map[string]interface{}) { r["extra_key_inputs"] = map[string]interface{}{"copy_to": "us-west-2"} },
	} {
		t.Run(name, func(t *testing.T) {
			raw := awsBakeHandlerRequest()
			change(raw)
			out := execute(t, raw)
			if !out["rosco_key"].RawEquals(base["rosco_key"]) {
				t.Errorf("Rosco's key changed; Rosco ignores %s", name)
			}
			if out["key"].AsString() == base["key"].AsString() {
				t.Errorf("strict key did not change with %s", name)
			}
		})
	}

	raw := awsBakeHandlerRequest()
	raw["ami_suffix"] = "20250101000000"
	if got := execute(t, raw)["key"].AsString(); got != base["key"].AsString() {
		t.Errorf("strict key changed with ami_suffix, which changes no content")
	}
}

// Credentials change nothing in the image, and key_document is printed by templates.
func TestKeyDocumentHasNoCredentials(t *testing.T) {
	withCreds := awsBakeHandlerRequest()
	withCreds["repository"] = "https://builder:s3cretpw@repo.example.com/apt stable main"
	rotated := awsBakeHandlerRequest()
	rotated["repository"] = "https://builder:other-pw@repo.example.com/apt stable main"

	a, b := execute(t, withCreds), execute(t, rotated)
	if doc := a["key_document"].AsString(); strings.Contains(doc, "s3cretpw") || !strings.Contains(doc, "repo.example.com") {
		t.Errorf("key_document = %s, want the repository without its credentials", doc)
	}
	if a["key"].AsString() != b["key"].AsString() {
		t.Errorf("rotating a repository password changed the strict key")
	}
}

func TestConfigureRejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		change  func(map[string]interface{})
		wantErr string
	}{
		"unknown package type":  {func(r map[string]interface{}) { r["package_type"] = "msi" }, `package_type: unknown value "msi"`},
		"unknown vm type":       {func(r map[string]interface{}) { r["vm_type"] = "xen" }, `vm_type: unknown value "xen"`},
		"package_name a number": {func(r map[string]interface{}) { r["package_name"] = 3 }, `package_name: must be a string or a list of strings, got 3`},
		"package_name a map":    {func(r map[string]interface{}) { r["package_name"] = map[string]interface{}{"a": "b"} }, `package_name: must be a string or a list of strings`},
		"list and packages": {func(r map[string]interface{}) {
			r["package_name"] = []interface{}{"a"}
			r["packages"] = []interface{}{"b"}
		}, `package_name: a list here conflicts with packages`},
		"spaces in a list item": {func(r map[string]interface{}) { delete(r, "package_name"); r["packages"] = []interface{}{"a b"} }, `packages[0]: "a b" must be one package name`},
		"no region":             {func(r map[string]interface{}) { delete(r, "region") }, `region: required`},
		"bad upgrade":           {func(r map[string]interface{}) { r["upgrade"] = "yes" }, `upgrade: unknown value "yes"`},
		"other cloud provider":  {func(r map[string]interface{}) { r["cloud_provider_type"] = "gce" }, `cloud_provider_type: unsupported value "gce"`},
		"unknown attribute":     {func(r map[string]interface{}) { r["bake_key"] = "x" }, `bake_key`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			raw := awsBakeHandlerRequest()
			tc.change(raw)
			err := (&Datasource{}).Configure(raw)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Configure error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// Rosco's string forms and HCL's typed forms of the same request give the same strict key.
func TestStrictKeyReadsRoscoStringsLikeTheProvisioner(t *testing.T) {
	plain := awsBakeHandlerRequest()
	plain["repository"] = "http://repo.example.com/apt trusty main"
	plain["upgrade"] = "true"
	rosco := awsBakeHandlerRequest()
	rosco["repository"] = "'http://repo.example.com/apt trusty main'"
	rosco["upgrade"] = "1"
	if a, b := execute(t, plain)["key"].AsString(), execute(t, rosco)["key"].AsString(); a != b {
		t.Errorf("quoted repository / upgrade=1 give another key: %s vs %s", a, b)
	}
}
