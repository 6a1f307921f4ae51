package ebs

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestClassifyNamed(t *testing.T) {
	id := identity{KeyTag: DefaultKeyTag, Key: testKey, Spec: "sha256:spec"}
	ours := []ec2types.Tag{{Key: aws.String(DefaultKeyTag), Value: aws.String(testKey)}, {Key: aws.String(DefaultSpecTag), Value: aws.String("sha256:spec")}}
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
