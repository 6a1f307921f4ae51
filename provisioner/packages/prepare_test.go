package packages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// hclRaw decodes an HCL2 provisioner body the way Packer does: through the
// provisioner's ConfigSpec into one cty object.
func hclRaw(t *testing.T, src string) cty.Value {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(src), "test.pkr.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var p Provisioner
	val, diags := hcldec.Decode(file.Body, p.ConfigSpec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return val
}

func TestPrepareHCL2(t *testing.T) {
	raw := hclRaw(t, `
package_type  = "deb"
package_list  = ["hello-svc=1.0.0-h5", "hello-lib"]
services      = ["hello-svc"]
install_order = "single_transaction"
repositories {
  url     = "http://10.213.7.1:8080/apt/"
  key_file = "testdata/repo.asc"
  name    = "fixtures"
}
repositories {
  line = "[trusted=yes] http://10.213.7.1:8080/unsigned ./"
}
`)
	var p Provisioner
	if err := p.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	r := p.req
	if r.Order != SingleTransaction || len(r.Packages) != 2 || r.Packages[0].Version != "1.0.0-h5" || len(r.Repositories) != 2 || r.Units[0] != "hello-svc.service" {
		t.Errorf("unexpected request %+v", r)
	}
	if !r.DisableServices || r.LockTimeout.String() != "5m0s" {
		t.Errorf("defaults not applied: %+v", r)
	}
}

func TestPrepareHCL2RoscoStrings(t *testing.T) {
	// Rosco's variables are strings, including booleans.
	raw := hclRaw(t, `
repository       = "'http://repo.example.com/apt trusty main'"
packages         = "'kato redis-server'"
package_type     = "deb"
upgrade          = ""
disable_services = "true"
`)
	var p Provisioner
	if err := p.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	if got := p.req.Packages; len(got) != 2 || got[0].Name != "kato" || got[1].Name != "redis-server" {
		t.Errorf("packages %+v", got)
	}
	if got := p.req.Repositories; len(got) != 1 || got[0].URL.String() != "http://repo.example.com/apt" || got[0].Distribution != "trusty" {
		t.Errorf("repositories %+v", got)
	}
}

func TestPrepareLegacyJSON(t *testing.T) {
	dir := t.TempDir()
	artifacts := filepath.Join(dir, "artifacts.json")
	if err := os.WriteFile(artifacts, []byte(`[{"type":"deb","name":"artpkg","reference":"http://art.example.com/apt trusty main artpkg=1.0-h3"},{"reference":"solo"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	raw := map[string]interface{}{
		"repository":     "http://repo.example.com/apt trusty main",
		"packages":       []interface{}{"kato", "nginx=1.18.0-0ubuntu1"},
		"package_type":   "deb",
		"upgrade":        "false",
		"services":       "hello-svc,hello-auto",
		"artifacts_file": artifacts,
		"repositories":   []interface{}{"http://other.example.com/apt ./"},
	}
	var p Provisioner
	if err := p.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	var toks []string
	for _, pk := range p.req.Packages {
		toks = append(toks, pk.Token(Deb))
	}
	if got := strings.Join(toks, " "); got != "kato nginx=1.18.0-0ubuntu1 artpkg=1.0-h3 solo" {
		t.Errorf("packages = %q", got)
	}
	if len(p.req.Repositories) != 3 || len(p.req.Units) != 2 {
		t.Errorf("repositories %d, units %q", len(p.req.Repositories), p.req.Units)
	}
}

// TestPrepareRefusesInjection covers every field that reaches a command or
// a file; Prepare has no communicator, so a refusal here means nothing ran.
func TestPrepareRefusesInjection(t *testing.T) {
	for _, bad := range injections {
		cases := map[string]map[string]interface{}{
			"packages":     {"packages": bad, "package_type": "deb"},
			"package_list": {"package_list": []interface{}{bad}, "package_type": "rpm"},
			"services":     {"services": []interface{}{bad}, "package_type": "deb"},
			"repository":   {"repository": "http://repo/apt " + bad + " main", "package_type": "deb"},
			"repositories": {"repositories": []interface{}{map[string]interface{}{"url": "http://repo/" + bad}}, "package_type": "rpm"},
		}
		for field, raw := range cases {
			var p Provisioner
			err := p.Prepare(raw)
			if err == nil {
				t.Errorf("%s = %q accepted", field, bad)
				continue
			}
			if !strings.Contains(err.Error(), strings.TrimSuffix(field, "_list")) && !strings.Contains(err.Error(), "packages") {
				t.Errorf("%s = %q: error does not name the field: %v", field, bad, err)
			}
		}
	}
}

func TestPrepareErrors(t *testing.T) {
	cases := map[string]map[string]interface{}{
		`package_type: "nupkg"`:     {"package_type": "nupkg"},
		`install_order: "random"`:   {"install_order": "random"},
		`lock_timeout: "soon"`:      {"lock_timeout": "soon"},
		`upgrade: "maybe"`:          {"upgrade": "maybe"},
		"entry 2":                   {"repository": "http://a/apt x main;;http://b/apt x main", "package_type": "deb"},
		"unknown configuration key": {"bake_key": "x"},
		`apt_update: "sometimes"`:   {"apt_update": "sometimes"},
	}
	for want, raw := range cases {
		var p Provisioner
		err := p.Prepare(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Prepare(%v) = %v, want an error containing %q", raw, err, want)
		}
	}
}

func TestPrepareDetectedType(t *testing.T) {
	var p Provisioner
	if err := p.Prepare(map[string]interface{}{"packages": "hello-svc-1.0.0-h5"}); err != nil {
		t.Fatalf("valid rpm token refused when the type is detected: %v", err)
	}
	if p.req != nil {
		t.Error("request built before the type is known")
	}
	if err := p.Prepare(map[string]interface{}{"repository": "http://repo/apt stable main", "packages": "x;y"}); err == nil {
		t.Error("invalid input accepted with a detected type")
	}
}
