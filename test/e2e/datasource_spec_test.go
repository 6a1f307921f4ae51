//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
)

// specDatasourceTemplate is data "spinnaker-bake" with the bake inputs of
// testdata/request's bake block and its amazon-ebs encrypt_boot copied into
// the image_spec block; it prints every output.
const specDatasourceTemplate = `
variable "source_ami" { type = string }
variable "repository_url" { type = string }
variable "ec2_endpoint" { type = string }
variable "encrypt_boot" {
  type    = bool
  default = false
}

data "spinnaker-bake" "app" {
  packages         = ["hello-svc_1.0.1-h6_all"]
  base_os          = "debian"
  base_ami         = var.source_ami
  package_type     = "deb"
  repositories     = [var.repository_url]
  build_number     = "7"
  extra_key_inputs = { salt = "" }

  region  = "us-east-1"
  regions = ["eu-west-1"]
  image_spec {
    encrypt_boot = var.encrypt_boot
  }
  custom_endpoint_ec2        = var.ec2_endpoint
  skip_credential_validation = true
}
` + printDatasourceOutputs

// printDatasourceOutputs is a build that prints every output of
// data.spinnaker-bake.app, as one base64 line that printedOutputs reads.
const printDatasourceOutputs = `
source "null" "print" {
  communicator = "none"
}

build {
  sources = ["source.null.print"]
  provisioner "shell-local" {
    inline = ["echo 'outputs=${base64encode(jsonencode(data.spinnaker-bake.app))}'"]
  }
}
`

// printedOutputs returns the JSON of the outputs printDatasourceOutputs printed.
func printedOutputs(t testing.TB, out string) []byte {
	t.Helper()
	m := regexp.MustCompile(`(?m)outputs=([A-Za-z0-9+/=]+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no outputs printed:\n%s", out)
	}
	decoded, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return decoded
}

// specLookup is what the data source reported.
type specLookup struct {
	Key            string            `json:"key"`
	Spec           string            `json:"image_spec_digest"`
	Document       string            `json:"image_spec_document"`
	Found          bool              `json:"found"`
	AMIIDs         map[string]string `json:"ami_ids"`
	MissingRegions []string          `json:"missing_regions"`
}

// TestBakeDataSourceAgreesWithTheBuilder: for the same bake inputs, source
// AMI and amazon-ebs options, data "spinnaker-bake" reports found exactly when
// spinnaker-ebs reuses, through real packer builds against one EC2 fake: after
// a plain bake, default options find it and the builder reuses it; with
// encrypt_boot the data source finds nothing and the builder bakes; after that
// bake, encrypt_boot finds the encrypted image, and default options still the
// plain one.
func TestBakeDataSourceAgreesWithTheBuilder(t *testing.T) {
	e := newEBSEnv(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lookup.pkr.hcl"), []byte(specDatasourceTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	lookup := func(t *testing.T, encrypt bool) specLookup {
		t.Helper()
		out, err := e.packer.Build(t, dir, "-var", "source_ami="+baseAMI, "-var", "repository_url="+e.tg.Repos.AptSigned,
			"-var", "ec2_endpoint="+e.endpoint, "-var", "encrypt_boot="+map[bool]string{true: "true", false: "false"}[encrypt])
		mustSucceed(t, out, err)
		var got specLookup
		if err := json.Unmarshal(printedOutputs(t, out), &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	// onlyImage returns region -> the one image of the key with spec, failing otherwise.
	onlyImage := func(t *testing.T, key, spec string) map[string]string {
		t.Helper()
		out := map[string]string{}
		for region, imgs := range e.specImages(key, spec) {
			if len(imgs) != 1 {
				t.Fatalf("%s: %d images with the key and spec %s, want 1", region, len(imgs), spec)
			}
			out[region] = imgs[0].ID
		}
		if len(out) != 2 {
			t.Fatalf("images with the key and spec %s in %v, want %s and %s", spec, out, buildRegion, copyRegion)
		}
		return out
	}

	out, err := e.requestBuild(t)
	mustSucceed(t, out, err)
	key := bakeKeyOf(t, out)
	imgs := e.keyImages(key)
	if len(imgs[buildRegion]) != 1 {
		t.Fatalf("images with the key after the plain bake: %+v", imgs)
	}
	plainSpec := imgs[buildRegion][0].Tags[ebs.DefaultSpecTag]
	plain := onlyImage(t, key, plainSpec)

	t.Run("default options: found, and the builder reuses", func(t *testing.T) {
		got := lookup(t, false)
		if got.Key != key || got.Spec != plainSpec {
			t.Fatalf("data source key %s spec %s (%s), want the builder's %s and %s", got.Key, got.Spec, got.Document, key, plainSpec)
		}
		if !got.Found || !reflect.DeepEqual(got.AMIIDs, plain) || len(got.MissingRegions) != 0 {
			t.Errorf("data source found=%v ami_ids=%v missing=%v, want the plain images %v", got.Found, got.AMIIDs, got.MissingRegions, plain)
		}
		e.fake.ResetCalls()
		out, err := e.requestBuild(t)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) || e.calls()["RunInstances"] != 0 {
			t.Fatalf("the builder did not reuse (calls %v):\n%s", e.calls(), out)
		}
		wantScraped(t, out, plain)
	})

	var encryptedSpec string
	t.Run("encrypt_boot: not found, and the builder bakes", func(t *testing.T) {
		got := lookup(t, true)
		encryptedSpec = got.Spec
		if got.Key != key || got.Spec == plainSpec || !strings.Contains(got.Document, `"encrypt_boot":true`) {
			t.Fatalf("data source key %s spec %s (%s): want the same key, another spec", got.Key, got.Spec, got.Document)
		}
		if got.Found || len(got.AMIIDs) != 0 || !reflect.DeepEqual(got.MissingRegions, []string{copyRegion, buildRegion}) {
			t.Errorf("data source found=%v ami_ids=%v missing=%v, want nothing found", got.Found, got.AMIIDs, got.MissingRegions)
		}
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, "-var", "encrypt_boot=true")
		mustSucceed(t, out, err)
		if strings.Contains(out, ebs.ReusedMessage) || e.calls()["RunInstances"] != 1 {
			t.Fatalf("the builder did not bake (calls %v):\n%s", e.calls(), out)
		}
	})
	if encryptedSpec == "" {
		t.FailNow()
	}

	t.Run("after the encrypted bake, each options set finds its own image", func(t *testing.T) {
		// The builder tagged its encrypted images with the spec the data source computed.
		encrypted := onlyImage(t, key, encryptedSpec)
		for region, id := range encrypted {
			if img := imageByID(t, e.fake, region, id); len(img.BlockDevices) == 0 || !img.BlockDevices[0].Encrypted {
				t.Errorf("%s image %s is not encrypted: %+v", region, id, img.BlockDevices)
			}
		}
		if got := lookup(t, true); !got.Found || !reflect.DeepEqual(got.AMIIDs, encrypted) {
			t.Errorf("encrypt_boot: found=%v ami_ids=%v, want the encrypted images %v", got.Found, got.AMIIDs, encrypted)
		}
		if got := lookup(t, false); !got.Found || !reflect.DeepEqual(got.AMIIDs, plain) {
			t.Errorf("default options: found=%v ami_ids=%v, want the plain images %v (not the newer encrypted ones)", got.Found, got.AMIIDs, plain)
		}
	})
}
