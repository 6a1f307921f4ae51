//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestEBSBakeCache walks through the bake cache with one fake EC2 and one
// target, each step building on the previous one's images: a full bake, a
// cache hit, a copy to a region whose image went away, rebake and -force,
// and a failed bake.
func TestEBSBakeCache(t *testing.T) {
	e := newEBSEnv(t)
	var key string
	var baked map[string]string // region -> AMI of the first bake

	t.Run("first build bakes", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.build(t, "-var", "ami_suffix=20261121130000")
		mustSucceed(t, out, err)
		key = bakeKeyOf(t, out)
		imgs := e.keyImages(key)
		if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
			t.Fatalf("images with the key: %+v", imgs)
		}
		baked = map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID}
		for region, img := range map[string]ec2fake.Image{buildRegion: imgs[buildRegion][0], copyRegion: imgs[copyRegion][0]} {
			if img.State != "available" {
				t.Errorf("%s image %s is %s", region, img.ID, img.State)
			}
			// Rosco's tags as the user set them, the run tag Packages
			// (amazon-ebs puts run tags on the image) and the key.
			for _, k := range []string{"appversion", "build_host", "build_info_url", "Packages", keyTag} {
				if img.Tags[k] == "" {
					t.Errorf("%s image %s lacks tag %s: %v", region, img.ID, k, img.Tags)
				}
			}
		}
		if got := imgs[buildRegion][0].Tags["appversion"]; !strings.HasPrefix(got, "hello-svc") {
			t.Errorf("appversion tag = %q", got)
		}
		// The target was provisioned: package installed, service enabled, not started.
		wantVersion(t, e.tg, "hello-svc", "1.0.1-h6")
		wantUnit(t, e.tg, "hello-svc.service", "enabled", "inactive")
		wantNotStarted(t, e.tg)
		// amazon-ebs's whole life cycle went through the fake.
		calls := e.calls()
		for action, want := range map[string]int{"RunInstances": 1, "StopInstances": 1, "CreateImage": 1, "CopyImage": 1, "TerminateInstances": 1, "CreateSecurityGroup": 1, "DeleteSecurityGroup": 1} {
			if calls[action] != want {
				t.Errorf("%s calls = %d, want %d (all: %v)", action, calls[action], want, calls)
			}
		}
		var launched []ec2fake.Instance
		for _, in := range e.compute.Instances() {
			launched = append(launched, in)
			// The instance carries the build's id, not the key: the key
			// marks finished images only.
			if in.State != "terminated" || len(in.Tags[ebs.BuildIDTag]) != 16 || in.Tags[keyTag] != "" || in.Tags["Packages"] == "" {
				t.Errorf("instance %s: state %s, tags %v", in.ID, in.State, in.Tags)
			}
		}
		if len(launched) != 1 {
			t.Errorf("instances = %+v", launched)
		}
		if sgs := e.compute.SecurityGroups(); len(sgs) != 0 {
			t.Errorf("temporary security groups left: %v", sgs)
		}
		wantScraped(t, out, baked)
	})
	if baked == nil {
		t.FailNow()
	}

	t.Run("same build again reuses", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.build(t, "-var", "ami_suffix=20261121140000")
		mustSucceed(t, out, err)
		t.Logf("cache hit:\n%s", out)
		if !strings.Contains(out, "No changes detected; reused existing bake") {
			t.Errorf("output lacks Rosco's reuse message:\n%s", out)
		}
		// Per region: the lookup, and the check that the image is still
		// there and has what the request asks (nothing to apply here).
		calls := e.calls()
		if calls["DescribeImages"] != 4 || len(calls) != 1 {
			t.Errorf("EC2 calls on a cache hit = %v, want two DescribeImages per region and nothing else", calls)
		}
		// The provisioner did not run: its header never printed.
		if strings.Contains(out, "package_type=") {
			t.Errorf("the provisioner ran on a cache hit:\n%s", out)
		}
		wantScraped(t, out, baked)
	})

	t.Run("a region without the image gets a copy", func(t *testing.T) {
		if !e.fake.RemoveImage(copyRegion, baked[copyRegion]) {
			t.Fatalf("no %s in %s", baked[copyRegion], copyRegion)
		}
		e.fake.ResetCalls()
		out, err := e.build(t)
		mustSucceed(t, out, err)
		calls := e.calls()
		if calls["CopyImage"] != 1 || calls["RunInstances"] != 0 {
			t.Errorf("calls = %v, want one CopyImage and no RunInstances", calls)
		}
		imgs := e.keyImages(key)
		if len(imgs[copyRegion]) != 1 || imgs[copyRegion][0].State != "available" || imgs[copyRegion][0].Tags["appversion"] == "" {
			t.Fatalf("%s images with the key: %+v", copyRegion, imgs[copyRegion])
		}
		baked[copyRegion] = imgs[copyRegion][0].ID
		wantScraped(t, out, baked)
	})

	for name, args := range map[string][]string{
		"rebake bakes again": {"-var", "rebake=true", "-var", "ami_suffix=20261121150000"},
		"-force bakes again": {"-force", "-var", "ami_suffix=20261121160000"},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.keyImages(key)
			e.fake.ResetCalls()
			out, err := e.build(t, args...)
			mustSucceed(t, out, err)
			if n := e.calls()["RunInstances"]; n != 1 {
				t.Errorf("RunInstances calls = %d, want 1", n)
			}
			after := e.keyImages(key)
			if len(after[buildRegion]) != len(before[buildRegion])+1 {
				t.Errorf("images with the key in %s: %d before, %d after", buildRegion, len(before[buildRegion]), len(after[buildRegion]))
			}
			newest := after[buildRegion][len(after[buildRegion])-1].ID
			got := map[string]string{buildRegion: newest, copyRegion: after[copyRegion][len(after[copyRegion])-1].ID}
			wantScraped(t, out, got)
		})
	}

	t.Run("a failed bake leaves no image with its key", func(t *testing.T) {
		// Another package list is another key; its image fails in EC2 after
		// CreateImage put the key on it (through the run tags).
		e.compute.FailNextImage(buildRegion, 1)
		e.fake.ResetCalls()
		out, err := e.build(t, "-var", `packages=["hello-lib_1.0.0-h5_all"]`, "-var", "services=[]", "-var", "ami_suffix=20261121170000")
		mustFail(t, out, err, "Error waiting for AMI")
		failedKey := bakeKeyOf(t, out)
		if failedKey == key {
			t.Fatal("the failed build used the first build's key")
		}
		if e.calls()["CreateImage"] != 1 {
			t.Errorf("the bake did not get to CreateImage: %v", e.calls())
		}
		if left := e.keyImages(failedKey); len(left) != 0 {
			t.Errorf("images with the failed build's key remain: %+v", left)
		}
	})
}
