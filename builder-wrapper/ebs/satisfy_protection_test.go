package ebs

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// protectedRequest asks for deregistration protection and snapshot tags.
func protectedRequest(cooldown bool) map[string]interface{} {
	return map[string]interface{}{
		"deregistration_protection": map[string]interface{}{"enabled": true, "with_cooldown": cooldown},
		"snapshot_tags":             map[string]interface{}{"cost": "payments", "where": "{{ .BuildRegion }}"},
	}
}

func (f *cacheFixture) image(t *testing.T, region, id string) ec2fake.Image {
	t.Helper()
	for _, img := range f.fake.Images(region) {
		if img.ID == id {
			return img
		}
	}
	t.Fatalf("no image %s in %s", id, region)
	return ec2fake.Image{}
}

// noWrites fails the test for every write call recorded since the last reset.
func (f *cacheFixture) noWrites(t *testing.T) {
	t.Helper()
	calls := f.callCounts()
	for _, a := range writeActions {
		if calls[a] != 0 {
			t.Errorf("second identical hit called %s %d times (all calls %v)", a, calls[a], calls)
		}
	}
}

func TestHitAppliesDeregistrationProtectionAndSnapshotTagsOnce(t *testing.T) {
	f := newCacheFixture(t, protectedRequest(false))
	ids := map[string]string{"us-east-1": f.addKeyImage("us-east-1", "app-1"), "eu-west-1": f.addKeyImage("eu-west-1", "app-1")}
	// The bake that made the Irish image tagged its snapshot with another cost centre: kept.
	euSnap := f.image(t, "eu-west-1", ids["eu-west-1"]).BlockDevices[0].SnapshotID
	if _, err := f.cloud(t).clients["eu-west-1"].CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{euSnap}, Tags: ec2Tags(map[string]string{"cost": "platform"})}); err != nil {
		t.Fatal(err)
	}
	f.fake.ResetCalls()
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	for region, id := range ids {
		img := f.image(t, region, id)
		if p := img.DeregistrationProtection; !p.Enabled || p.WithCooldown {
			t.Errorf("%s %s deregistration protection %+v, want enabled without cooldown", region, id, p)
		}
		tags := f.compute.SnapshotTags(img.BlockDevices[0].SnapshotID)
		wantCost := map[string]string{"us-east-1": "payments", "eu-west-1": "platform"}[region]
		if want := map[string]string{"cost": wantCost, "where": region}; !maps.Equal(tags, want) {
			t.Errorf("%s snapshot tags %v, want %v", region, tags, want)
		}
	}
	if !strings.Contains(f.out.String(), `eu-west-1 snapshot `+euSnap+` of `+ids["eu-west-1"]+` keeps tag cost = "platform" from the bake that made it (this request's snapshot_tags: "payments")`) {
		t.Errorf("the differing snapshot tag is not reported:\n%s", f.out.String())
	}
	calls := f.callCounts()
	if calls["EnableImageDeregistrationProtection"] != 2 || calls["CreateTags"] != 2 || calls["DescribeSnapshots"] != 2 {
		t.Errorf("first hit's calls %v, want per region 1 EnableImageDeregistrationProtection, 1 CreateTags (the snapshot), 1 DescribeSnapshots", calls)
	}

	// The same hit again reads and writes nothing.
	f.fake.ResetCalls()
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	f.noWrites(t)
	if calls := f.callCounts(); calls["DescribeImages"] != 4 || calls["DescribeSnapshots"] != 2 || len(calls) != 2 {
		t.Errorf("second hit's calls %v, want per region 2 DescribeImages and 1 DescribeSnapshots", calls)
	}
}

// A hit adds protection and never weakens it: the cooldown an image has is kept for a
// request without one (and said), and added for a request with one.
func TestHitNeverWeakensDeregistrationProtection(t *testing.T) {
	for _, tc := range []struct {
		name              string
		has               ec2fake.DeregistrationProtection
		askCooldown       bool
		wantEnable        int
		wantCooldown      bool
		logged, notLogged string
	}{
		{"cooldown kept", ec2fake.DeregistrationProtection{Enabled: true, WithCooldown: true}, false, 0, true, "keeps its deregistration protection with the 24-hour cooldown (this request: without)", ""},
		{"cooldown added", ec2fake.DeregistrationProtection{Enabled: true}, true, 2, true, "", "keeps its deregistration protection"},
		{"same", ec2fake.DeregistrationProtection{Enabled: true}, false, 0, false, "", "keeps its deregistration protection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCacheFixture(t, protectedRequest(tc.askCooldown))
			ids := map[string]string{}
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				ids[region] = f.addKeyImage(region, "app-1")
				f.fake.UpdateImage(region, ids[region], func(img *ec2fake.Image) { img.DeregistrationProtection = tc.has })
			}
			f.fake.ResetCalls()
			if _, err := f.run(t); err != nil {
				t.Fatal(err)
			}
			if n := f.fake.CallCount("EnableImageDeregistrationProtection"); n != tc.wantEnable {
				t.Errorf("%d EnableImageDeregistrationProtection calls, want %d", n, tc.wantEnable)
			}
			for region, id := range ids {
				if p := f.image(t, region, id).DeregistrationProtection; !p.Enabled || p.WithCooldown != tc.wantCooldown {
					t.Errorf("%s protection %+v, want enabled, cooldown %t", region, p, tc.wantCooldown)
				}
			}
			if tc.logged != "" && strings.Count(f.out.String(), tc.logged) != 2 {
				t.Errorf("want %q once per region:\n%s", tc.logged, f.out.String())
			}
			if tc.notLogged != "" && strings.Contains(f.out.String(), tc.notLogged) {
				t.Errorf("unexpected %q:\n%s", tc.notLogged, f.out.String())
			}
		})
	}
}

func TestCopyAppliesDeregistrationProtectionAndSnapshotTags(t *testing.T) {
	f := newCacheFixture(t, protectedRequest(true))
	us := f.addKeyImage("us-east-1", "app-1")
	art, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	created := art.(*cachedArtifact).created["eu-west-1"]
	if created == "" {
		t.Fatalf("no copy made: %s\n%s", art.Id(), f.out.String())
	}
	for region, id := range map[string]string{"us-east-1": us, "eu-west-1": created} {
		img := f.image(t, region, id)
		if p := img.DeregistrationProtection; !p.Enabled || !p.WithCooldown {
			t.Errorf("%s %s protection %+v, want enabled with the cooldown", region, id, p)
		}
		if tags := f.compute.SnapshotTags(img.BlockDevices[0].SnapshotID); tags["cost"] != "payments" || tags["where"] != region {
			t.Errorf("%s snapshot tags %v", region, tags)
		}
	}
	f.fake.ResetCalls()
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	f.noWrites(t)
}

// Our own deregistrations (a failed bake's images, a failed copy, Destroy of a copy) remove images
// this build made: protection without the cooldown is lifted; with the cooldown the image cannot
// go for 24 hours, which the error says, and nothing else is touched.
func TestCleanUpOfAProtectedImage(t *testing.T) {
	f := newCacheFixture(t, nil)
	cl := f.cloud(t)
	client := cl.clients["us-east-1"]
	ctx := context.Background()

	plain := f.compute.AddImage("us-east-1", ec2fake.Image{Name: "plain", DeregistrationProtection: ec2fake.DeregistrationProtection{Enabled: true}})
	if err := destroyImage(ctx, client, plain.ID, liftOwnProtection); err != nil {
		t.Fatalf("destroy an image protected without the cooldown: %v", err)
	}
	if f.fake.UpdateImage("us-east-1", plain.ID, func(*ec2fake.Image) {}) || f.compute.SnapshotTags(plain.BlockDevices[0].SnapshotID) != nil {
		t.Errorf("%s or its snapshot is left", plain.ID)
	}

	cool := f.compute.AddImage("us-east-1", ec2fake.Image{Name: "cool", DeregistrationProtection: ec2fake.DeregistrationProtection{Enabled: true, WithCooldown: true}})
	f.fake.ResetCalls()
	err := destroyImage(ctx, client, cool.ID, liftOwnProtection)
	if calls := f.callCounts(); calls["DeregisterImage"] != 0 || calls["DeleteSnapshot"] != 0 || calls["DisableImageDeregistrationProtection"] != 1 {
		t.Errorf("calls %v: want the protection disabled (its cooldown started) and nothing deregistered or deleted", calls)
	}
	// The error names the time DescribeImages reports, not a time of the
	// Disable call's answer (EC2 answers only "true").
	described, derr := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{cool.ID}})
	if derr != nil || len(described.Images) != 1 {
		t.Fatalf("describe %s: %v", cool.ID, derr)
	}
	reported := aws.ToString(described.Images[0].DeregistrationProtection)
	until, perr := time.Parse(time.RFC3339Nano, strings.TrimPrefix(reported, "disabled-after "))
	if perr != nil {
		t.Fatalf("protection %q, want disabled-after <time>: %v", reported, perr)
	}
	if want := "delete its snapshots after " + until.UTC().Format(time.RFC3339); !errors.Is(err, errProtected) ||
		!strings.Contains(err.Error(), cool.ID+" has deregistration protection with the 24-hour cooldown") || !strings.Contains(err.Error(), want) {
		t.Errorf("destroy an image protected with the cooldown: %v, want it to say %q", err, want)
	}
	// Asked again during the cooldown: the same answer, no further call.
	f.fake.ResetCalls()
	if err := destroyImage(ctx, client, cool.ID, liftOwnProtection); !errors.Is(err, errProtected) || f.fake.CallCount("DisableImageDeregistrationProtection") != 0 {
		t.Errorf("destroy during the cooldown: %v, calls %v", err, f.callCounts())
	}

	// A failed bake's protected image goes with the rest of the clean-up.
	own := f.compute.AddImage("us-east-1", ec2fake.Image{Name: "app-this-try", Tags: map[string]string{BuildIDTag: f.builder.config.buildID},
		DeregistrationProtection: ec2fake.DeregistrationProtection{Enabled: true}})
	removed, err := sweepFailedBake(cl, f.builder.config.buildID, nil)
	if err != nil || len(removed["us-east-1"]) != 1 || removed["us-east-1"][0] != own.ID {
		t.Errorf("sweep: removed %v, err %v", removed, err)
	}
}
