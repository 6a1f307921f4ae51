package bake

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// awsBakeHandlerRequest is the request of Rosco's AWSBakeHandlerSpec, as a JSON-template raw.
func awsBakeHandlerRequest() map[string]interface{} {
	return map[string]interface{}{
		"package_name": "kato nflx-djangobase-enhanced_0.1-h12.170cdbd_all mongodb",
		"base_os":      "centos",
		"vm_type":      "hvm",
		"region":       "us-east-1",
		"ami_suffix":   "20240131235959",
		"lookup":       "none", // these tests need no AWS; lookup_test.go covers the lookup
	}
}

func execute(t *testing.T, raws ...interface{}) map[string]cty.Value {
	t.Helper()
	d := &Datasource{now: func() time.Time { return time.UnixMilli(123456) }}
	if err := d.Configure(raws...); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	v, err := d.Execute()
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return v.AsValueMap()
}

func TestExecuteComputesRoscoOutputs(t *testing.T) {
	out := execute(t, awsBakeHandlerRequest())

	wantKey := "bake:aws:centos:kato|nflx-djangobase-enhanced_0.1-h12.170cdbd_all|mongodb:us-east-1:hvm:enhancedNWDisabled"
	if got := out["rosco_key"].AsValueMap()["us-east-1"].AsString(); got != wantKey {
		t.Errorf("rosco_key = %q, want %q", got, wantKey)
	}
	checks := map[string]string{
		"image_name":   "kato-all-20240131235959-centos",
		"packages":     "kato nflx-djangobase-enhanced=0.1-h12.170cdbd mongodb",
		"appversion":   "",
		"package_type": "deb",
		"region":       "us-east-1",
	}
	for attr, want := range checks {
		if got := out[attr].AsString(); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if key := out["key"].AsString(); !strings.HasPrefix(key, "sha256:") || len(key) != len("sha256:")+64 {
		t.Errorf("key = %q, want sha256:<64 hex>", key)
	}
	var list []string
	for _, v := range out["package_list"].AsValueSlice() {
		list = append(list, v.AsString())
	}
	if got := strings.Join(list, ","); got != "kato,nflx-djangobase-enhanced=0.1-h12.170cdbd,mongodb" {
		t.Errorf("package_list = %v", list)
	}
}

func TestImageNameUsesClockWithoutSuffix(t *testing.T) {
	raw := awsBakeHandlerRequest()
	delete(raw, "ami_suffix")
	out := execute(t, raw)
	if got := out["image_name"].AsString(); got != "kato-all-123456-centos" {
		t.Errorf("image_name = %q, want kato-all-123456-centos", got)
	}
}

func TestRoscoKeyPerRegion(t *testing.T) {
	raw := awsBakeHandlerRequest()
	raw["regions"] = []interface{}{"us-west-2", "us-east-1"}
	keys := execute(t, raw)["rosco_key"].AsValueMap()
	if len(keys) != 2 {
		t.Fatalf("rosco_key has %d regions, want 2: %v", len(keys), keys)
	}
	if got := keys["us-west-2"].AsString(); !strings.HasSuffix(got, ":us-west-2:hvm:enhancedNWDisabled") {
		t.Errorf("rosco_key[us-west-2] = %q", got)
	}
}

func TestPackageNameAcceptsAList(t *testing.T) {
	asString := execute(t, awsBakeHandlerRequest())
	raw := awsBakeHandlerRequest()
	raw["package_name"] = []interface{}{"kato", "nflx-djangobase-enhanced_0.1-h12.170cdbd_all", "mongodb"}
	asList := execute(t, raw)
	for _, attr := range []string{"key", "image_name", "packages"} {
		if a, b := asString[attr].AsString(), asList[attr].AsString(); a != b {
			t.Errorf("%s differs between string and list forms: %q vs %q", attr, a, b)
		}
	}
}

func TestHCLPackageNameAndPackagesAgree(t *testing.T) {
	a := execute(t, decodeHCL(t, `package_name = "kato mongodb"
base_os = "centos"
region = "us-east-1"
lookup = "none"`))
	b := execute(t, decodeHCL(t, `packages = ["kato", "mongodb"]
base_os = "centos"
region = "us-east-1"
lookup = "none"`))
	if a["rosco_key"].AsValueMap()["us-east-1"].AsString() != b["rosco_key"].AsValueMap()["us-east-1"].AsString() {
		t.Errorf("package_name and packages give different keys")
	}
}

// HCL2 cannot type one attribute as "string or list" (see internal/stringlist), so HCL itself
// refuses a list for package_name, naming the attribute.
func TestHCLRejectsAListForPackageName(t *testing.T) {
	file, diags := hclsyntax.ParseConfig([]byte(`package_name = ["kato"]`), "t.pkr.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = hcldec.Decode(file.Body, (&Datasource{}).ConfigSpec(), nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `"package_name"`) {
		t.Fatalf("decode diagnostics = %v, want an error naming package_name", diags)
	}
}

// decodeHCL decodes a datasource body with the datasource's ConfigSpec, as Packer does.
func decodeHCL(t *testing.T, src string) cty.Value {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(src), "test.pkr.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	v, diags := hcldec.Decode(file.Body, (&Datasource{}).ConfigSpec(), nil)
	if diags.HasErrors() {
		t.Fatalf("decode: %v", diags)
	}
	return v
}
