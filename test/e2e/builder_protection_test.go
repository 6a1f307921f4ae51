//go:build e2e

package e2e

import (
	"maps"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestEBSHitAppliesProtectionAndSnapshotTags: a bake that fails on its
// inventory after amazon-ebs protected and tagged the images leaves none (so
// no hit without the digest); after a plain bake, a hit with
// deregistration_protection and snapshot_tags applies them once, and the same
// hit again writes nothing.
func TestEBSHitAppliesProtectionAndSnapshotTags(t *testing.T) {
	e := newEBSEnv(t)
	regions := []string{buildRegion, copyRegion}

	t.Run("a bake failing on sbom_file leaves no image, protected or not", func(t *testing.T) {
		out, err := e.requestBuild(t, "-var", "deregistration_protection=true", "-var", "sbom_file="+t.TempDir()+"/never-written.json")
		mustFail(t, out, err, "never-written.json")
		if e.calls()["EnableImageDeregistrationProtection"] != 2 {
			t.Fatalf("amazon-ebs did not protect both images before the failure (calls %v): the case proves nothing", e.calls())
		}
		for _, region := range regions {
			for _, img := range e.fake.Images(region) {
				if img.ID != baseAMI {
					t.Errorf("%s: image %s (%s, tags %v) left by the failed bake", region, img.ID, img.State, img.Tags)
				}
			}
			if snaps := e.compute.Snapshots(region); len(snaps) != 0 {
				t.Errorf("%s: snapshots left by the failed bake: %v", region, snaps)
			}
		}
	})

	var baked map[string]string
	t.Run("plain bake", func(t *testing.T) {
		out, err := e.requestBuild(t)
		mustSucceed(t, out, err)
		imgs := e.keyImages(bakeKeyOf(t, out))
		if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
			t.Fatalf("images with the key: %+v", imgs)
		}
		baked = map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID}
		for region, id := range baked {
			if p := imageByID(t, e.fake, region, id).DeregistrationProtection; p.Enabled {
				t.Fatalf("%s %s is protected after a bake without deregistration_protection", region, id)
			}
		}
	})
	if baked == nil {
		t.FailNow()
	}

	request := []string{"-var", "deregistration_protection=true", "-var", `snapshot_tags={"cost":"payments"}`}
	t.Run("a hit applies deregistration_protection and snapshot_tags", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, request...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) || e.calls()["RunInstances"] != 0 {
			t.Fatalf("not a hit (calls %v):\n%s", e.calls(), out)
		}
		wantScraped(t, out, baked)
		if w := e.writeCalls(); w["EnableImageDeregistrationProtection"] != 2 || w["CreateTags"] != 2 || len(w) != 2 {
			t.Errorf("write calls %v, want per region one EnableImageDeregistrationProtection and one CreateTags (the snapshot)", w)
		}
		for region, id := range baked {
			img := imageByID(t, e.fake, region, id)
			if p := img.DeregistrationProtection; !p.Enabled || p.WithCooldown {
				t.Errorf("%s %s protection %+v, want enabled without cooldown", region, id, p)
			}
			tags := e.compute.SnapshotTags(img.BlockDevices[0].SnapshotID)
			if tags["cost"] != "payments" {
				t.Errorf("%s snapshot %s tags %v lack cost=payments", region, img.BlockDevices[0].SnapshotID, tags)
			}
		}
	})

	t.Run("the same hit again writes nothing", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, request...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) {
			t.Fatalf("not a hit:\n%s", out)
		}
		if w := e.writeCalls(); len(w) != 0 {
			t.Errorf("write calls on an identical hit: %v", w)
		}
		if reads := e.calls(); reads["DescribeSnapshots"] != 2 {
			t.Errorf("calls %v, want the snapshots read once per region", maps.Clone(reads))
		}
	})

	// Every call of the new steps fails twice with RequestLimitExceeded and
	// succeeds on its third attempt, as the fault matrix does for the others.
	t.Run("RequestLimitExceeded twice on every call adding the cooldown and a snapshot tag", func(t *testing.T) {
		for _, a := range []string{"DescribeImages", "DescribeSnapshots", "CreateTags", "EnableImageDeregistrationProtection"} {
			e.fake.InjectFault(ec2fake.Fault{Action: a, Code: "RequestLimitExceeded", Cycle: 3})
		}
		defer e.fake.ClearFaults()
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, "-var", "deregistration_protection=true", "-var", "deregistration_cooldown=true",
			"-var", `snapshot_tags={"cost":"payments","team":"checkout"}`)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) {
			t.Fatalf("not a hit:\n%s", out)
		}
		// Each successful write was preceded by two throttled attempts.
		if c := e.calls(); c["EnableImageDeregistrationProtection"] != 6 || c["CreateTags"] != 6 {
			t.Errorf("calls %v, want 3 attempts of each write per region", c)
		}
		for region, id := range baked {
			img := imageByID(t, e.fake, region, id)
			if p := img.DeregistrationProtection; !p.Enabled || !p.WithCooldown {
				t.Errorf("%s %s protection %+v, want enabled with the cooldown", region, id, p)
			}
			if tags := e.compute.SnapshotTags(img.BlockDevices[0].SnapshotID); tags["cost"] != "payments" || tags["team"] != "checkout" {
				t.Errorf("%s snapshot tags %v", region, tags)
			}
		}
	})
}
