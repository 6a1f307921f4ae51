package ebs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// A bake whose sbom_file step fails leaves no image that a later build would take for a hit: the
// key is written only with the digest, and the images this build made are removed.
func TestBakeThatFailsOnItsInventoryLeavesNoHit(t *testing.T) {
	sbomPath := filepath.Join(t.TempDir(), "sbom.json")
	f := newCacheFixture(t, map[string]interface{}{"sbom_file": sbomPath})
	cl := f.cloud(t)
	// What amazon-ebs left: complete images with the user's tags and this build's id.
	amis := map[string]string{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		amis[region] = f.compute.AddImage(region, ec2fake.Image{Name: "app-1", Tags: map[string]string{BuildIDTag: f.builder.config.buildID, "appversion": "app-1.0-h1"}}).ID
	}
	start := time.Now()
	f.fake.ResetCalls()
	err := f.builder.finishBake(context.Background(), f.ui, cl, amis, start)
	if err == nil || !strings.Contains(err.Error(), "sbom_file") {
		t.Fatalf("finishing without the inventory: %v, want the sbom_file error", err)
	}
	if n := f.fake.CallCount("CreateTags"); n != 0 {
		t.Errorf("%d CreateTags calls: the key must not be written without the digest", n)
	}
	for region, id := range amis {
		if f.fake.UpdateImage(region, id, func(*ec2fake.Image) {}) {
			t.Errorf("%s %s is left after the failed inventory step", region, id)
		}
	}
	if !strings.Contains(f.out.String(), "Deregistered the images this failed build made in eu-west-1: "+amis["eu-west-1"]) {
		t.Errorf("the clean-up is not reported:\n%s", f.out.String())
	}

	// With the inventory written by this build: key, spec and digest in one CreateTags per region.
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		amis[region] = f.compute.AddImage(region, ec2fake.Image{Name: "app-2", Tags: map[string]string{BuildIDTag: f.builder.config.buildID}}).ID
	}
	if err := os.WriteFile(sbomPath, []byte(`{"bomFormat":"CycloneDX"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f.fake.ResetCalls()
	if err := f.builder.finishBake(context.Background(), f.ui, cl, amis, start); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.CallCount("CreateTags"); n != 2 {
		t.Errorf("%d CreateTags calls, want 1 per region", n)
	}
	for region, id := range amis {
		tags := f.image(t, region, id).Tags
		if tags[DefaultKeyTag] != testKey || tags[DefaultSpecTag] != f.builder.config.specDigest || tags[SBOMTag] == "" {
			t.Errorf("%s %s tags %v, want the key, the spec and the digest", region, id, tags)
		}
	}
}

// A hit for a request with sbom_file on an image without a digest (baked without sbom_file) says
// that the image has no inventory and how to get one; an image with one reports its digest.
func TestHitWithoutTheInventoryTheRequestAsksForIsReported(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"sbom_file": filepath.Join(t.TempDir(), "sbom.json")})
	us := f.addKeyImage("us-east-1", "app-1")
	eu := f.addKeyImage("eu-west-1", "app-1")
	f.fake.UpdateImage("eu-west-1", eu, func(img *ec2fake.Image) { img.Tags[SBOMTag] = "sha256:feed" })
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	out := f.out.String()
	if !strings.Contains(out, "Inventory of "+us+" in us-east-1: none; the image carries no "+SBOMTag+" tag (it was baked without sbom_file)") ||
		!strings.Contains(out, "Set rebake = true (or packer build -force) to bake an image with an inventory") {
		t.Errorf("the missing inventory is not reported:\n%s", out)
	}
	if !strings.Contains(out, "Inventory of "+eu+" in eu-west-1: "+SBOMTag+" sha256:feed") {
		t.Errorf("the digest is not reported:\n%s", out)
	}
}

// With skip_ami_run_tags the images carry no build id: the clean-up of a
// failed finish removes the images amazon-ebs returned all the same.
func TestFailedFinishRemovesImagesWithoutRunTags(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"sbom_file": filepath.Join(t.TempDir(), "sbom.json"), "skip_ami_run_tags": true})
	amis := map[string]string{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		amis[region] = f.compute.AddImage(region, ec2fake.Image{Name: "app-1"}).ID
	}
	if err := f.builder.finishBake(context.Background(), f.ui, f.cloud(t), amis, time.Now()); err == nil {
		t.Fatal("finishing without the inventory succeeded")
	}
	for region, id := range amis {
		if f.fake.UpdateImage(region, id, func(*ec2fake.Image) {}) {
			t.Errorf("%s %s, which carries no run tag, is left after the failed finish", region, id)
		}
	}
}
