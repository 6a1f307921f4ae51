//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/datasource/bake"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// bakeBlockTemplate bakes with the bake inputs in the builder's `bake`
// block instead of a bake_key from data "spinnaker-bake", and takes the
// source AMI from source_ami_filter, so the builder resolves the filter in
// EC2 and only then knows its key. Its variables are those of example/ebs
// that ebsEnv.varArgs sets.
const bakeBlockTemplate = ebsEnvVariables + `variable "source_ami_name" { type = string }

source "spinnaker-ebs" "app" {
  bake {
    packages     = ["hello-svc_1.0.1-h6_all"]
    base_os      = "debian"
    base_ami     = var.source_ami
    package_type = "deb"
    repositories = [var.repository_url]
    build_number = "7"
    package_artifacts {
      name      = "hello-svc_1.0.1-h6_all"
      reference = "${var.repository_url} ./ hello-svc"
    }
    extra_key_inputs = { services = "hello-svc" }
  }

  region      = "us-east-1"
  ami_regions = ["eu-west-1"]
  source_ami_filter {
    filters     = { name = var.source_ami_name }
    owners      = ["self"]
    most_recent = true
  }
  instance_type = "t3.micro"
  ami_name      = "hello-svc-block-{{timestamp}}"
  tags = {
    appversion     = "hello-svc-1.0.1-h6/hello-svc/7"
    build_host     = "https://ci.example.com"
    build_info_url = "https://ci.example.com/job/app/7"
  }
  run_tags = { Packages = "hello-svc=1.0.1-h6" }

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
      url             = var.repository_url
      key_url         = var.repository_key_url
      key_fingerprint = var.repository_key_fingerprint
      name            = "app"
    }
    package_list = ["hello-svc_1.0.1-h6_all"]
    services     = ["hello-svc"]
  }
}
`

// TestEBSBakeBlock builds a template whose key comes from the builder's
// bake block through real Packer (the block's spec crosses Packer's
// protobuf boundary), then builds it again: the second build is a cache
// hit. The key is the one data "spinnaker-bake" computes for the same
// inputs and the source AMI the filter selects.
func TestEBSBakeBlock(t *testing.T) {
	e := newEBSEnv(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "block.pkr.hcl"), []byte(bakeBlockTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(e.varArgs(), "-var", "source_ami_name=debian-12-*")
	want := datasourceKeyFor(t, map[string]interface{}{
		"packages":          []interface{}{"hello-svc_1.0.1-h6_all"},
		"base_os":           "debian",
		"base_ami":          baseAMI,
		"package_type":      "deb",
		"repositories":      []interface{}{e.tg.Repos.AptSigned},
		"build_number":      "7",
		"package_artifacts": []interface{}{map[string]interface{}{"name": "hello-svc_1.0.1-h6_all", "reference": e.tg.Repos.AptSigned + " ./ hello-svc"}},
		"extra_key_inputs":  map[string]interface{}{"services": "hello-svc"},
	})

	t.Run("plain packer validate", func(t *testing.T) {
		if out, err := e.packer.Validate(t, dir, args...); err != nil {
			t.Fatalf("packer validate: %v\n%s", err, out)
		}
	})

	var baked map[string]string
	t.Run("first build bakes with the computed key", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.packer.Build(t, dir, args...)
		mustSucceed(t, out, err)
		if got := bakeKeyOf(t, out); got != want {
			t.Fatalf("bake key %s, want %s (data \"spinnaker-bake\" for the same inputs and source AMI %s)", got, want, baseAMI)
		}
		if !strings.Contains(out, "Source AMI "+baseAMI) {
			t.Errorf("output does not name the source AMI the filter selected:\n%s", out)
		}
		imgs := e.keyImages(want)
		if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
			t.Fatalf("images with the key: %+v", imgs)
		}
		for _, in := range e.compute.Instances() {
			if len(in.Tags[ebs.BuildIDTag]) != 16 {
				t.Errorf("instance %s run tags %v lack the build id", in.ID, in.Tags)
			}
		}
		if n := e.calls()["RunInstances"]; n != 1 {
			t.Errorf("RunInstances calls = %d, want 1", n)
		}
		wantVersion(t, e.tg, "hello-svc", "1.0.1-h6")
		baked = map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID}
		wantScraped(t, out, baked)
	})
	if baked == nil {
		t.FailNow()
	}

	t.Run("second build reuses", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.packer.Build(t, dir, args...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, "No changes detected; reused existing bake") {
			t.Errorf("output lacks Rosco's reuse message:\n%s", out)
		}
		// One DescribeImages for source_ami_filter, per region one for the
		// key and one to check the found image.
		if calls := e.calls(); calls["DescribeImages"] != 5 || len(calls) != 1 {
			t.Errorf("EC2 calls on a cache hit = %v, want five DescribeImages and nothing else", calls)
		}
		if strings.Contains(out, "package_type=") {
			t.Errorf("the provisioner ran on a cache hit:\n%s", out)
		}
		wantScraped(t, out, baked)
	})

	t.Run("a newer base image gives a new key and a bake from it, not from one that appears meanwhile", func(t *testing.T) {
		newer := e.fake.AddImage(buildRegion, ec2fake.Image{Name: "debian-12-amd64-newer"})
		// Another base image matching the filter appears right after the
		// builder resolved it for the key: amazon-ebs, which runs later,
		// must still launch the one the key and the spec were computed for.
		var newest ec2fake.Image
		var once sync.Once
		e.fake.AfterCall(func(r *ec2fake.Request) {
			if r.Action == "DescribeImages" && r.Region == buildRegion && r.Form.Get("Filter.1.Name") == "name" && r.Form.Get("Filter.1.Value.1") == "debian-12-*" {
				once.Do(func() {
					newest = e.fake.AddImage(buildRegion, ec2fake.Image{Name: "debian-12-amd64-newest", CreationDate: time.Now().UTC().Add(time.Hour)})
				})
			}
		})
		t.Cleanup(func() { e.fake.AfterCall(nil) })
		e.fake.ResetCalls()
		out, err := e.packer.Build(t, dir, args...)
		mustSucceed(t, out, err)
		if newest.ID == "" {
			t.Fatalf("the builder did not resolve source_ami_filter through the fake (no DescribeImages with the name filter)")
		}
		if !strings.Contains(out, "Source AMI "+newer.ID) {
			t.Errorf("the build did not select the newer base image %s:\n%s", newer.ID, out)
		}
		if got := bakeKeyOf(t, out); got == want {
			t.Errorf("the key did not change with the base image: %s", got)
		}
		if strings.Contains(out, "No changes detected") || e.calls()["RunInstances"] != 1 {
			t.Errorf("a changed base image was not baked (calls %v):\n%s", e.calls(), out)
		}
		instances := e.compute.Instances()
		if last := instances[len(instances)-1]; last.ImageID != newer.ID {
			t.Errorf("the bake launched %s from %s, want the newer base image %s the key was computed for (not %s, which appeared after)", last.ID, last.ImageID, newer.ID, newest.ID)
		}
	})
}

// datasourceKeyFor is the strict key data "spinnaker-bake" computes for
// inputs in us-east-1 (no lookup).
func datasourceKeyFor(t *testing.T, inputs map[string]interface{}) string {
	t.Helper()
	raw := map[string]interface{}{"region": buildRegion, "lookup": "none"}
	for k, v := range inputs {
		raw[k] = v
	}
	d := new(bake.Datasource)
	if err := d.Configure(raw); err != nil {
		t.Fatalf("datasource Configure: %v", err)
	}
	out, err := d.Execute()
	if err != nil {
		t.Fatalf("datasource Execute: %v", err)
	}
	return out.GetAttr("key").AsString()
}
