//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/lineage"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom/cdxschema"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// lifecycleTemplate bakes hello-svc with the bake block, writes the inventory and deprecates
// what it supersedes. lineage_name is the bake's ami_name (so it chooses the lineage);
// generation only changes the key, as a new build of the same application would.
const lifecycleTemplate = ebsEnvVariables + `variable "lineage_name" { type = string }
variable "generation" { type = string }
variable "sbom_file" { type = string }
variable "dry_run" {
  type    = bool
  default = false
}

source "spinnaker-ebs" "app" {
  bake {
    packages         = ["hello-svc_1.0.1-h6_all"]
    base_os          = "debian"
    base_ami         = var.source_ami
    package_type     = "deb"
    ami_name         = var.lineage_name
    repositories     = [var.repository_url]
    extra_key_inputs = { generation = var.generation }
  }
  sbom_file                    = var.sbom_file
  deprecate_superseded         = "24h"
  keep_latest                  = 1
  deprecate_superseded_dry_run = var.dry_run

  region                     = "us-east-1"
  ami_regions                = ["eu-west-1"]
  source_ami                 = var.source_ami
  instance_type              = "t3.micro"
  ami_name                   = "${var.lineage_name}-${var.generation}"
  communicator               = "ssh"
  ssh_username               = var.ssh_username
  ssh_keypair_name           = var.ssh_keypair_name
  ssh_private_key_file       = var.ssh_private_key_file
  ssh_timeout                = "5m"
  custom_endpoint_ec2        = var.ec2_endpoint
  skip_credential_validation = true
  aws_polling { delay_seconds = var.poll_delay_seconds }
}

build {
  sources = ["source.spinnaker-ebs.app"]
  provisioner "spinnaker-packages" {
    repositories {
      url     = var.repository_url
      key_url         = var.repository_key_url
      key_fingerprint = var.repository_key_fingerprint
    }
    package_list    = ["hello-svc_1.0.1-h6_all"]
    sbom_file       = var.sbom_file
    sbom_image_name = "${var.lineage_name}-${var.generation}"
  }
}
`

// TestEBSLifecycle: every bake tags its images with the inventory's digest and the lineage; a
// hit reports the digest; three bakes of one lineage with deprecate_superseded = "24h" and
// keep_latest = 1 leave the two older images deprecated in every build region and the newest
// not, another lineage untouched; the dry run and a later copy change nothing.
func TestEBSLifecycle(t *testing.T) {
	e := newEBSEnv(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lifecycle.pkr.hcl"), []byte(lifecycleTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	sbomFile := filepath.Join(t.TempDir(), "sbom.json")
	regions := []string{buildRegion, copyRegion}
	build := func(t *testing.T, lineageName, generation string, extra ...string) (string, string) {
		t.Helper()
		args := append(e.varArgs(), "-var", "lineage_name="+lineageName, "-var", "generation="+generation, "-var", "sbom_file="+sbomFile)
		e.fake.ResetCalls()
		out, err := e.packer.Build(t, dir, append(args, extra...)...)
		mustSucceed(t, out, err)
		return out, bakeKeyOf(t, out)
	}
	// images returns the one image with key in each build region.
	images := func(t *testing.T, key string) map[string]ec2fake.Image {
		t.Helper()
		out := map[string]ec2fake.Image{}
		for region, imgs := range e.keyImages(key) {
			if len(imgs) != 1 {
				t.Fatalf("%s: %d images with key %s", region, len(imgs), key)
			}
			out[region] = imgs[0]
		}
		if len(out) != len(regions) {
			t.Fatalf("images with key %s in %d regions, want %d", key, len(out), len(regions))
		}
		return out
	}

	var a1, b1 string
	t.Run("a bake tags its inventory digest and lineage; a hit reports the digest", func(t *testing.T) {
		out, key := build(t, "hello-life", "1")
		a1 = key
		doc, err := os.ReadFile(sbomFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := cdxschema.Validate(doc); err != nil {
			t.Errorf("the bake's SBOM does not validate: %v", err)
		}
		digest := sbom.Digest(doc)
		lin := ""
		for region, img := range images(t, key) {
			if img.Tags[ebs.SBOMTag] != digest {
				t.Errorf("%s image %s: %s = %q, want %s", region, img.ID, ebs.SBOMTag, img.Tags[ebs.SBOMTag], digest)
			}
			if lin == "" {
				lin = img.Tags[lineage.TagKey]
			}
			if v := img.Tags[lineage.TagKey]; !strings.HasPrefix(v, "v1-") || v != lin {
				t.Errorf("%s image %s: lineage tag %q", region, img.ID, v)
			}
		}
		if !strings.Contains(out, "nothing to deprecate") {
			t.Errorf("the first bake of a lineage should find nothing to deprecate:\n%s", out)
		}
		hit, _ := build(t, "hello-life", "1")
		if !strings.Contains(hit, ebs.ReusedMessage) {
			t.Fatalf("second build is not a hit:\n%s", hit)
		}
		for region, img := range images(t, key) {
			if want := fmt.Sprintf("Inventory of %s in %s: %s %s", img.ID, region, ebs.SBOMTag, digest); !strings.Contains(hit, want) {
				t.Errorf("the hit does not report %q:\n%s", want, hit)
			}
		}
		if e.calls()["EnableImageDeprecation"] != 0 {
			t.Error("a hit deprecated images")
		}
	})
	if a1 == "" {
		t.FailNow()
	}

	t.Run("another lineage", func(t *testing.T) {
		_, b1 = build(t, "hello-other", "1")
	})

	var a2 string
	t.Run("the dry run prints and changes nothing", func(t *testing.T) {
		out, key := build(t, "hello-life", "2", "-var", "dry_run=true")
		a2 = key
		if n := e.calls()["EnableImageDeprecation"]; n != 0 {
			t.Errorf("EnableImageDeprecation calls in a dry run = %d, want 0", n)
		}
		for region, img := range images(t, a1) {
			if want := fmt.Sprintf("%s: would deprecate %s (hello-life-1)", region, img.ID); !strings.Contains(out, want) {
				t.Errorf("the dry run does not print %q:\n%s", want, out)
			}
			if !img.DeprecationTime.IsZero() {
				t.Errorf("%s: the dry run deprecated %s", region, img.ID)
			}
		}
	})

	var a3 string
	t.Run("the third bake deprecates the two older images in every region", func(t *testing.T) {
		before := time.Now()
		out, key := build(t, "hello-life", "3")
		after := time.Now()
		a3 = key
		t.Logf("third bake:\n%s", out)
		if n := e.calls()["EnableImageDeprecation"]; n != 4 {
			t.Errorf("EnableImageDeprecation calls = %d, want 4 (two images in two regions)", n)
		}
		lo, hi := before.Add(24*time.Hour).Add(-time.Minute), after.Add(24*time.Hour).Add(time.Minute)
		for _, key := range []string{a1, a2} {
			for region, img := range images(t, key) {
				d := img.DeprecationTime
				if d.IsZero() || d.Before(lo) || d.After(hi) || d.Second() != 0 {
					t.Errorf("%s image %s (%s): deprecation time %v, want now+24h to the minute", region, img.ID, img.Name, d)
				}
			}
		}
		for region, img := range images(t, a3) {
			if !img.DeprecationTime.IsZero() {
				t.Errorf("%s: the newest image %s is deprecated", region, img.ID)
			}
		}
		for region, img := range images(t, b1) {
			if !img.DeprecationTime.IsZero() {
				t.Errorf("%s: the other lineage's image %s is deprecated", region, img.ID)
			}
		}
	})

	t.Run("a copy deprecates again only what is not yet deprecated", func(t *testing.T) {
		gone := images(t, a3)[copyRegion]
		if !e.fake.RemoveImage(copyRegion, gone.ID) {
			t.Fatal("no image to remove")
		}
		out, _ := build(t, "hello-life", "3")
		if e.calls()["CopyImage"] != 1 || e.calls()["RunInstances"] != 0 {
			t.Fatalf("not a copy: %v\n%s", e.calls(), out)
		}
		if n := e.calls()["EnableImageDeprecation"]; n != 0 {
			t.Errorf("EnableImageDeprecation calls = %d, want 0: the older images already carry a time", n)
		}
		if !strings.Contains(out, "left as it is") {
			t.Errorf("output does not name the images already deprecated:\n%s", out)
		}
	})
}
