//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jsonTemplate writes a legacy JSON template with a spinnaker-ebs builder
// (its raw configuration reaches the plugin as map[interface{}]interface{})
// and a spinnaker-packages provisioner.
func (e *ebsEnv) jsonTemplate(t testing.TB, builder map[string]interface{}) string {
	t.Helper()
	b := map[string]interface{}{
		"type":                       "spinnaker-ebs",
		"region":                     buildRegion,
		"ami_regions":                []string{copyRegion},
		"source_ami":                 baseAMI,
		"instance_type":              "t3.micro",
		"ami_name":                   "hello-svc-json-{{timestamp}}",
		"communicator":               "ssh",
		"ssh_username":               "root",
		"ssh_keypair_name":           "harness",
		"ssh_private_key_file":       e.tg.KeyFile,
		"custom_endpoint_ec2":        e.endpoint,
		"skip_credential_validation": true,
		"aws_polling":                map[string]interface{}{"delay_seconds": 1},
		"tags":                       map[string]string{"appversion": "hello-svc-1.0.1-h1", "build_host": "https://ci.example.com"},
		"run_tags":                   map[string]string{"Packages": "hello-svc=1.0.1-h6"},
	}
	for k, v := range builder {
		b[k] = v
	}
	template := map[string]interface{}{
		"builders": []interface{}{b},
		"provisioners": []interface{}{map[string]interface{}{
			"type": "spinnaker-packages",
			"repositories": []interface{}{map[string]interface{}{
				"url": e.tg.Repos.AptSigned, "key_url": e.tg.Repos.KeyURL(e.tg.Repos.RepoKey), "name": "app",
				"key_fingerprint": e.tg.Repos.RepoKey.Fingerprint,
			}},
			"package_type": "deb",
			"packages":     "hello-svc_1.0.1-h6_all",
		}},
	}
	data, err := json.MarshalIndent(template, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bake.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEBSLegacyJSONAndValidation checks the raw shape Packer uses for JSON
// templates over RPC, and that bad input fails `packer validate` with an
// error naming the option.
func TestEBSLegacyJSONAndValidation(t *testing.T) {
	e := newEBSEnv(t)
	const key = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

	t.Run("JSON template bakes, then reuses", func(t *testing.T) {
		tmpl := e.jsonTemplate(t, map[string]interface{}{"bake_key": key, "key_tag": keyTag, "wait_for_inflight": "1m"})
		out, err := e.packer.Build(t, tmpl)
		mustSucceed(t, out, err)
		imgs := e.keyImages(key)
		if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
			t.Fatalf("images with the key: %+v", imgs)
		}
		e.fake.ResetCalls()
		out, err = e.packer.Build(t, tmpl)
		mustSucceed(t, out, err)
		t.Logf("cache hit:\n%s", out)
		if !strings.Contains(out, "No changes detected; reused existing bake") || e.calls()["RunInstances"] != 0 {
			t.Errorf("not a cache hit (calls %v):\n%s", e.calls(), out)
		}
		wantScraped(t, out, map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID})
	})

	for name, tc := range map[string]struct {
		builder map[string]interface{}
		want    string
	}{
		"missing bake_key":      {map[string]interface{}{}, "one of bake_key and bake is required"},
		"bake_key and bake":     {map[string]interface{}{"bake_key": key, "bake": map[string]interface{}{"packages": []string{"hello-svc"}}}, "bake_key and bake: set only one of them"},
		"bad bake input":        {map[string]interface{}{"bake": map[string]interface{}{"packages": []string{"hello-svc"}, "vm_type": "xen"}}, `bake: vm_type: unknown value "xen"`},
		"Rosco's key":           {map[string]interface{}{"bake_key": "bake:aws:hvm:debian:hello-svc:us-east-1"}, `bake_key "bake:aws:hvm:debian:hello-svc:us-east-1" is not a strict key`},
		"bad wait":              {map[string]interface{}{"bake_key": key, "wait_for_inflight": "later"}, `wait_for_inflight "later"`},
		"amazon-ebs's own rule": {map[string]interface{}{"bake_key": key, "ami_name": ""}, "ami_name must be specified"},
	} {
		t.Run("validate: "+name, func(t *testing.T) {
			out, err := e.packer.Validate(t, e.jsonTemplate(t, tc.builder))
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("packer validate: err %v, want output with %q:\n%s", err, tc.want, out)
			}
		})
	}

	t.Run("validate: HCL2 bad key", func(t *testing.T) {
		dir := t.TempDir()
		src := `
source "spinnaker-ebs" "app" {
  bake_key      = "sha256:NOT-HEX"
  region        = "us-east-1"
  source_ami    = "` + baseAMI + `"
  instance_type = "t3.micro"
  ami_name      = "app"
  ssh_username  = "root"
}
build { sources = ["source.spinnaker-ebs.app"] }
`
		if err := os.WriteFile(filepath.Join(dir, "bad.pkr.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := e.packer.Validate(t, dir)
		if err == nil || !strings.Contains(out, `bake_key "sha256:NOT-HEX"`) {
			t.Errorf("packer validate: err %v:\n%s", err, out)
		}
	})
}
