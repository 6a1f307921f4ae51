package ebs

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestClassifyNamed(t *testing.T) {
	id := identity{KeyTag: DefaultKeyTag, Key: testKey, Spec: "sha256:spec"}
	ours := []ec2types.Tag{{Key: aws.String(DefaultKeyTag), Value: aws.String(testKey)}, {Key: aws.String(DefaultSpecTag), Value: aws.String("sha256:spec")}}
	madeFor := []ec2types.Tag{{Key: aws.String(MadeForTag), Value: aws.String(id.madeFor())}}
	other := id
	other.Spec = "sha256:other"
	madeForOther := []ec2types.Tag{{Key: aws.String(MadeForTag), Value: aws.String(other.madeFor())}}
	otherSpec := []ec2types.Tag{{Key: aws.String(DefaultKeyTag), Value: aws.String(testKey)}, {Key: aws.String(DefaultSpecTag), Value: aws.String("sha256:other")}}
	for _, tc := range []struct {
		name  string
		state ec2types.ImageState
		tags  []ec2types.Tag
		want  nameUse
	}{
		{"ours available", ec2types.ImageStateAvailable, ours, nameReady},
		{"ours pending", ec2types.ImageStatePending, ours, namePending},
		{"ours transient", ec2types.ImageStateTransient, ours, namePending},
		{"ours failed", ec2types.ImageStateFailed, ours, nameDead},
		{"ours error", ec2types.ImageStateError, ours, nameDead},
		{"ours invalid", ec2types.ImageStateInvalid, ours, nameDead},
		{"deregistered", ec2types.ImageStateDeregistered, nil, nameFree},
		{"untagged pending", ec2types.ImageStatePending, nil, nameForeign},
		{"untagged failed", ec2types.ImageStateFailed, nil, nameForeign},
		{"same key, other spec, failed", ec2types.ImageStateFailed, otherSpec, nameForeign},
		{"made for ours, pending", ec2types.ImageStatePending, madeFor, nameUnfinished},
		{"made for ours, available", ec2types.ImageStateAvailable, madeFor, nameUnfinished},
		{"made for ours, failed", ec2types.ImageStateFailed, madeFor, nameUnfinished},
		{"made for another spec", ec2types.ImageStatePending, madeForOther, nameForeign},
		{"ours, with made-for", ec2types.ImageStateAvailable, append(slices.Clone(ours), madeFor...), nameReady},
	} {
		if got := classifyNamed(ec2types.Image{State: tc.state, Tags: tc.tags}, id); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// pendingKeyImage adds, in region, an image named like the fixture's
// ami_name with its key and spec, in state, as an earlier run that timed
// out leaves it (spinnaker/spinnaker#4498).
func (f *cacheFixture) pendingKeyImage(region, state string) ec2fake.Image {
	return f.compute.AddImage(region, ec2fake.Image{Name: f.builder.config.AMIName, State: state, Tags: map[string]string{
		DefaultKeyTag: testKey, DefaultSpecTag: f.builder.config.specDigest,
	}})
}

func TestBakeWaitsForAPendingImageOfItsNameAndUsesIt(t *testing.T) {
	f := newCacheFixture(t, nil)
	left := f.pendingKeyImage("us-east-1", "pending")
	go func() {
		time.Sleep(1500 * time.Millisecond)
		f.fake.UpdateImage("us-east-1", left.ID, func(i *ec2fake.Image) { i.State = "available" })
	}()
	art, err := f.run(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, f.out.String())
	}
	if !strings.Contains(art.Id(), "us-east-1:"+left.ID) || f.fake.CallCount("RunInstances") != 0 || f.fake.CallCount("CopyImage") != 1 {
		t.Errorf("artifact %s, calls %v: want the earlier image reused in us-east-1, copied to eu-west-1, nothing baked", art.Id(), f.callCounts())
	}
	if !strings.Contains(f.out.String(), "waiting up to") {
		t.Errorf("the build did not say it waits for the pending image:\n%s", f.out.String())
	}
}

func TestBakeTakesOverAFailedImageOfItsName(t *testing.T) {
	f := newCacheFixture(t, nil)
	dead := f.pendingKeyImage("eu-west-1", "failed")
	_, err := f.run(t)
	// Past the name check amazon-ebs bakes (and fails only for want of an
	// instance): it did not fail on the name.
	bakeAttempted(t, f, err)
	if len(f.fake.Images("eu-west-1")) != 0 || len(f.compute.Snapshots("eu-west-1")) != 0 {
		t.Errorf("the failed image or its snapshot is left: %+v, %v", f.fake.Images("eu-west-1"), f.compute.Snapshots("eu-west-1"))
	}
	if !strings.Contains(f.out.String(), "Deregistered "+dead.ID+" in eu-west-1") {
		t.Errorf("the build did not say what it removed:\n%s", f.out.String())
	}
}

func TestBakeTakesOverAnImageStillPendingAfterTheWait(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "1s"})
	stuck := f.pendingKeyImage("us-east-1", "pending")
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	for _, img := range f.fake.Images("us-east-1") {
		if img.ID == stuck.ID {
			t.Errorf("the stuck image %s is left", stuck.ID)
		}
	}
	if !strings.Contains(f.out.String(), "still pending after wait_for_inflight") {
		t.Errorf("the build did not say why it took over:\n%s", f.out.String())
	}
}

// Without the claim another build may be making the pending image: the
// build stops rather than deregister it.
func TestBakeWithoutTheClaimLeavesAPendingImageAlone(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "1s"})
	f.fake.InjectFault(ec2fake.Fault{Action: "CreateKeyPair", Code: "UnauthorizedOperation", Times: 1})
	stuck := f.pendingKeyImage("us-east-1", "pending")
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), stuck.ID) || !strings.Contains(err.Error(), "does not hold the claim") {
		t.Errorf("err = %v, want one naming %s and the missing claim", err, stuck.ID)
	}
	if len(f.fake.Images("us-east-1")) != 2 || f.fake.CallCount("RunInstances") != 0 || f.fake.CallCount("DeregisterImage") != 0 {
		t.Errorf("images %+v, calls %v: want nothing removed or launched", f.fake.Images("us-east-1"), f.callCounts())
	}
}

func TestBakeRefusesANameAnotherImageHolds(t *testing.T) {
	for name, tags := range map[string]map[string]string{
		"no key (skip_ami_run_tags, another tool)": nil,
		"another key": {DefaultKeyTag: "sha256:" + strings.Repeat("f", 64)},
	} {
		t.Run(name, func(t *testing.T) {
			f := newCacheFixture(t, nil)
			// In the copy region, which amazon-ebs's pre-validation does not check.
			other := f.compute.AddImage("eu-west-1", ec2fake.Image{Name: "app-1", State: "pending", Tags: tags})
			_, err := f.run(t)
			if err == nil || !strings.Contains(err.Error(), `ami_name "app-1" is already used in eu-west-1 by `+other.ID) {
				t.Fatalf("err = %v, want one naming the name, the region and %s", err, other.ID)
			}
			if f.fake.CallCount("RunInstances") != 0 || f.fake.CallCount("DeregisterImage") != 0 || len(f.fake.Images("eu-west-1")) != 1 {
				t.Errorf("calls %v: want nothing launched or removed", f.callCounts())
			}
			if kps := f.compute.KeyPairs(); len(kps) != 0 {
				t.Errorf("key pairs left: %v", kps)
			}
		})
	}
}

func TestBakeLeavesANameAnotherImageHoldsToForceDeregister(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"force_deregister": true})
	f.compute.AddImage("us-east-1", ec2fake.Image{Name: "app-1"})
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	if !strings.Contains(f.out.String(), "force_deregister is set") {
		t.Errorf("output:\n%s", f.out.String())
	}
}

// unfinishedImage adds, in region, an image named like the fixture's
// ami_name as a run of the same key and spec that was killed or timed out
// leaves it: its run tags (build id, MadeForTag), no key. age is how long
// ago it was created.
func (f *cacheFixture) unfinishedImage(region, state string, age time.Duration) ec2fake.Image {
	return f.compute.AddImage(region, ec2fake.Image{Name: f.builder.config.AMIName, State: state, CreationDate: time.Now().Add(-age).UTC(), Tags: map[string]string{
		BuildIDTag: "0123456789abcdef", MadeForTag: f.builder.config.identity().madeFor(),
	}})
}

// An image an unfinished bake left longer ago than wait_for_inflight:
// under the claim the build takes it over at once, whatever its state, and
// never fails on the duplicate name. A failed one is taken over at once
// however young.
func TestBakeTakesOverAnImageAnUnfinishedBakeLeft(t *testing.T) {
	for _, tc := range []struct {
		state string
		age   time.Duration
	}{{"pending", 3 * time.Hour}, {"available", 3 * time.Hour}, {"failed", 0}} {
		t.Run(tc.state, func(t *testing.T) {
			f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "1h"})
			left := f.unfinishedImage("us-east-1", tc.state, tc.age)
			_, err := f.run(t)
			bakeAttempted(t, f, err)
			for _, img := range f.fake.Images("us-east-1") {
				if img.ID == left.ID {
					t.Errorf("the unfinished image %s is left", left.ID)
				}
			}
			if !strings.Contains(f.out.String(), "Deregistered "+left.ID+" in us-east-1") || !strings.Contains(f.out.String(), "never finished") {
				t.Errorf("the build did not say what it removed and why:\n%s", f.out.String())
			}
			if strings.Contains(f.out.String(), "waiting up to") {
				t.Errorf("the build waited for an image older than wait_for_inflight:\n%s", f.out.String())
			}
		})
	}
}

// A young unfinished image may be one a live build makes (rebake and
// -force take no claim; a holder's claim may have expired): even under
// the claim the build waits for it first, and takes over only after
// wait_for_inflight since its creation.
func TestBakeWaitsForAYoungUnfinishedImageEvenUnderTheClaim(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "2s"})
	left := f.unfinishedImage("us-east-1", "pending", 0)
	start := time.Now()
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	if !strings.Contains(f.out.String(), "waiting up to") || time.Since(start) < time.Second {
		t.Errorf("the build did not wait for the young image (%s):\n%s", time.Since(start), f.out.String())
	}
	if !strings.Contains(f.out.String(), "Deregistered "+left.ID) {
		t.Errorf("the build did not take the image over after the wait:\n%s", f.out.String())
	}
}

// A protected image another run left is not the build's to unprotect: it
// stops naming it, and changes nothing.
func TestBakeLeavesTheProtectionOfAnImageItTakesOver(t *testing.T) {
	f := newCacheFixture(t, nil)
	left := f.unfinishedImage("us-east-1", "available", 3*time.Hour)
	f.fake.UpdateImage("us-east-1", left.ID, func(i *ec2fake.Image) { i.DeregistrationProtection.Enabled = true })
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), left.ID) || !strings.Contains(err.Error(), "deregistration protection") {
		t.Fatalf("err = %v, want one naming %s and its protection", err, left.ID)
	}
	for _, action := range []string{"DisableImageDeregistrationProtection", "DeregisterImage", "RunInstances"} {
		if n := f.fake.CallCount(action); n != 0 {
			t.Errorf("%s calls = %d, want 0", action, n)
		}
	}
}

// Every region is read before anything is removed: an image that is not
// the cache's in one region stops the build before a dead image of the key
// in another is taken over.
func TestBakeRefusesAForeignNameBeforeRemovingAnything(t *testing.T) {
	f := newCacheFixture(t, nil)
	dead := f.pendingKeyImage("us-east-1", "failed")
	other := f.compute.AddImage("eu-west-1", ec2fake.Image{Name: "app-1", Tags: map[string]string{"owner": "another-tool"}})
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), other.ID) {
		t.Fatalf("err = %v, want one naming %s", err, other.ID)
	}
	if n := f.fake.CallCount("DeregisterImage"); n != 0 {
		t.Errorf("DeregisterImage calls = %d, want 0: %s was removed before the refusal", n, dead.ID)
	}
}

// With skip_save_build_region the build region's image has a name of
// amazon-ebs's own: an image of the key named ami_name there is no concern
// of the name check (and the lookup, which covers only ami_regions, would
// never return it: the build would look up again for ever).
func TestBakeNameCheckSkipsTheBuildRegionItSavesNoImageIn(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"skip_save_build_region": true})
	f.pendingKeyImage("us-east-1", "available")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := f.builder.Run(ctx, f.ui, &packersdk.MockHook{})
	if ctx.Err() != nil {
		t.Fatalf("the build did not end: %v; DescribeImages calls %d", err, f.fake.CallCount("DescribeImages"))
	}
	bakeAttempted(t, f, err)
}

// Without the claim another build may be about to write the key of an
// unfinished image: the build waits, and once its key is written uses it.
func TestBakeWithoutTheClaimWaitsForAnUnfinishedImageKey(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.fake.InjectFault(ec2fake.Fault{Action: "CreateKeyPair", Code: "UnauthorizedOperation", Times: 1})
	left := f.unfinishedImage("us-east-1", "available", 0)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		f.fake.UpdateImage("us-east-1", left.ID, func(i *ec2fake.Image) {
			i.Tags[DefaultKeyTag] = testKey
			i.Tags[DefaultSpecTag] = f.builder.config.specDigest
		})
	}()
	art, err := f.run(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, f.out.String())
	}
	if !strings.Contains(art.Id(), "us-east-1:"+left.ID) || f.fake.CallCount("RunInstances") != 0 || f.fake.CallCount("DeregisterImage") != 0 {
		t.Errorf("artifact %s, calls %v: want the image reused once its key was written, nothing removed or baked", art.Id(), f.callCounts())
	}
}

// Without the claim, an unfinished image whose key never comes is left
// alone: the build stops naming it.
func TestBakeWithoutTheClaimLeavesAnUnfinishedImageAlone(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "1s"})
	f.fake.InjectFault(ec2fake.Fault{Action: "CreateKeyPair", Code: "UnauthorizedOperation", Times: 1})
	left := f.unfinishedImage("us-east-1", "pending", 0)
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), left.ID) || !strings.Contains(err.Error(), "does not hold the claim") {
		t.Errorf("err = %v, want one naming %s and the missing claim", err, left.ID)
	}
	if f.fake.CallCount("RunInstances") != 0 || f.fake.CallCount("DeregisterImage") != 0 {
		t.Errorf("calls %v: want nothing removed or launched", f.callCounts())
	}
}

// The build puts MadeForTag in amazon-ebs's run tags, which tag the
// instance (and the image from CreateImage on).
func TestRunTagsCarryMadeFor(t *testing.T) {
	f := newCacheFixture(t, nil)
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	want := f.builder.config.identity().madeFor()
	for _, c := range f.fake.Calls() {
		if c.Action != "RunInstances" {
			continue
		}
		for k, v := range c.Form {
			if strings.HasSuffix(k, ".Key") && v[0] == MadeForTag {
				if got := c.Form.Get(strings.TrimSuffix(k, ".Key") + ".Value"); got != want {
					t.Errorf("%s = %q, want %q", MadeForTag, got, want)
				}
				return
			}
		}
		t.Errorf("RunInstances carries no %s tag: %v", MadeForTag, c.Form)
	}
}

// While an image of the key is waited for in one region, nothing is
// removed in another: an old unfinished image in the build region may be
// the result of a live bake whose copy is still pending elsewhere.
func TestBakeRemovesNothingWhileAnotherRegionIsWaitedFor(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "1h"})
	old := f.unfinishedImage("us-east-1", "available", 3*time.Hour)
	copying := f.unfinishedImage("eu-west-1", "pending", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := f.builder.Run(ctx, f.ui, &packersdk.MockHook{})
	if err == nil {
		t.Fatal("the build ended without waiting for the pending image")
	}
	if n := f.fake.CallCount("DeregisterImage"); n != 0 {
		t.Errorf("DeregisterImage calls = %d while %s was waited for: %s was removed", n, copying.ID, old.ID)
	}
	if !strings.Contains(f.out.String(), "waiting up to") {
		t.Errorf("the build did not say it waits:\n%s", f.out.String())
	}
}
