//go:build e2e

package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestEBSImageNameTakenBeforeABake reruns a build with a fixed ami_name
// (one ami_suffix) after an earlier run left an image of that name behind
// (spinnaker/spinnaker#4498: Rosco timed out while EC2 kept making the
// image). The rerun never fails on the duplicate name: it waits for an
// image of its key and spec and uses it, takes the name over from one that
// failed, and stops, naming it, at an image that is not the cache's. Each
// row ends with no key-tagged image outside available and nothing leaked.
func TestEBSImageNameTakenBeforeABake(t *testing.T) {
	e := newEBSEnv(t)
	fixed := []string{"-var", "ami_suffix=20261206080000"}
	out, err := e.build(t, fixed...)
	mustSucceed(t, out, err)
	key := bakeKeyOf(t, out)
	first := e.keyImages(key)
	if len(first[buildRegion]) != 1 || len(first[copyRegion]) != 1 {
		t.Fatalf("images with the key: %+v", first)
	}
	left, name := first[buildRegion][0].ID, first[buildRegion][0].Name

	// leaveBehind puts the build region's image back to pending with nothing
	// in the copy region, as a run that timed out during its bake leaves it;
	// a moment after the rerun's name check sees it, EC2 finishes it as to.
	leaveBehind := func(t *testing.T, to string) {
		e.fake.UpdateImage(buildRegion, left, func(i *ec2fake.Image) { i.State = "pending" })
		for _, img := range e.keyImages(key)[copyRegion] {
			e.compute.DeleteImage(copyRegion, img.ID)
		}
		var once sync.Once
		e.fake.AfterCall(func(r *ec2fake.Request) {
			if r.Action == "DescribeImages" && r.Region == buildRegion && r.Form.Get("Filter.1.Name") == "name" {
				once.Do(func() {
					go func() {
						time.Sleep(3 * time.Second)
						e.fake.UpdateImage(buildRegion, left, func(i *ec2fake.Image) { i.State = to })
					}()
				})
			}
		})
		t.Cleanup(func() { e.fake.AfterCall(nil) })
		e.fake.ResetCalls()
	}

	t.Run("pending, then available: the rerun waits and uses it", func(t *testing.T) {
		leaveBehind(t, "available")
		out, err := e.build(t, fixed...)
		mustSucceed(t, out, err)
		if calls := e.calls(); calls["RunInstances"] != 0 || calls["CopyImage"] != 1 {
			t.Errorf("calls %v, want the pending image used and copied, nothing baked", calls)
		}
		if !strings.Contains(out, "an image of the same key and spec that is pending") {
			t.Errorf("the build did not say it waits for the pending image:\n%s", out)
		}
		copies := e.keyImages(key)[copyRegion]
		if len(copies) != 1 {
			t.Fatalf("%s images with the key: %+v", copyRegion, copies)
		}
		wantScraped(t, out, map[string]string{buildRegion: left, copyRegion: copies[0].ID})
		e.wantNoLeaks(t)
	})

	t.Run("pending, then failed: the rerun takes the name over and bakes", func(t *testing.T) {
		leaveBehind(t, "failed")
		out, err := e.build(t, fixed...)
		mustSucceed(t, out, err)
		if n := e.calls()["RunInstances"]; n != 1 {
			t.Errorf("RunInstances calls = %d, want 1", n)
		}
		if !strings.Contains(out, "Deregistered "+left+" in "+buildRegion) {
			t.Errorf("the build did not say it removed the failed image:\n%s", out)
		}
		now := e.keyImages(key)[buildRegion]
		if len(now) != 1 || now[0].ID == left || now[0].Name != name || now[0].State != "available" {
			t.Fatalf("%s images with the key: %+v, want one new available image named %s", buildRegion, now, name)
		}
		wantScraped(t, out, map[string]string{buildRegion: now[0].ID})
		e.wantNoLeaks(t)
	})

	t.Run("an image a killed run left (its run tags, no key, hours old): the rerun takes it over", func(t *testing.T) {
		imgs := e.keyImages(key)
		if len(imgs[buildRegion]) != 1 {
			t.Fatalf("%s images with the key: %+v", buildRegion, imgs[buildRegion])
		}
		killed := imgs[buildRegion][0]
		// amazon-ebs's run tags reached the image at CreateImage: the bake
		// it was made for is named from then on.
		if v := killed.Tags["spinnaker:made-for"]; !strings.HasPrefix(v, "sha256:") || len(v) != 71 {
			t.Fatalf("the baked image carries spinnaker:made-for %q, want sha256: and 64 hex digits; tags %v", v, killed.Tags)
		}
		// What a run killed between CreateImage and its last CreateTags
		// leaves, found hours later: the run tags, no key or spec, still
		// pending, and nothing in the copy region. (The image is the real
		// bake's, its tags edited in the fake: no process is killed here;
		// TestEBSClaimOfAKilledBuildExpires kills one.)
		e.fake.UpdateImage(buildRegion, killed.ID, func(i *ec2fake.Image) {
			i.State = "pending"
			i.CreationDate = time.Now().Add(-3 * time.Hour).UTC()
			delete(i.Tags, "spinnaker:bake-key")
			delete(i.Tags, "spinnaker:image-spec")
		})
		for _, img := range imgs[copyRegion] {
			e.compute.DeleteImage(copyRegion, img.ID)
		}
		e.fake.ResetCalls()
		out, err := e.build(t, fixed...)
		mustSucceed(t, out, err)
		if n := e.calls()["RunInstances"]; n != 1 {
			t.Errorf("RunInstances calls = %d, want 1", n)
		}
		if !strings.Contains(out, "Deregistered "+killed.ID+" in "+buildRegion) || !strings.Contains(out, "never finished") {
			t.Errorf("the build did not say it removed the unfinished image:\n%s", out)
		}
		for _, img := range e.fake.Images(buildRegion) {
			if img.ID == killed.ID {
				t.Errorf("the unfinished image %s is left", killed.ID)
			}
		}
		now := e.keyImages(key)[buildRegion]
		if len(now) != 1 || now[0].Name != name || now[0].State != "available" {
			t.Fatalf("%s images with the key: %+v, want one new available image named %s", buildRegion, now, name)
		}
		e.wantNoLeaks(t)
	})

	t.Run("an image without the key holds the name: the build stops, naming it", func(t *testing.T) {
		for region, imgs := range e.keyImages(key) {
			for _, img := range imgs {
				e.compute.DeleteImage(region, img.ID)
			}
		}
		// In the copy region, which amazon-ebs's pre-validation does not
		// check: it would fail its region copy after the whole bake.
		other := e.compute.AddImage(copyRegion, ec2fake.Image{Name: name, Tags: map[string]string{"owner": "another-tool"}})
		e.fake.ResetCalls()
		out, err := e.build(t, fixed...)
		mustFail(t, out, err, `ami_name "`+name+`" is already used in `+copyRegion+` by `+other.ID)
		if calls := e.calls(); calls["RunInstances"] != 0 || calls["DeregisterImage"] != 0 {
			t.Errorf("calls %v, want nothing launched or removed", calls)
		}
		if len(e.fake.Images(copyRegion)) != 1 {
			t.Errorf("%s images: %+v, want the other tool's image kept", copyRegion, e.fake.Images(copyRegion))
		}
		e.wantNoLeaks(t)
	})
}
