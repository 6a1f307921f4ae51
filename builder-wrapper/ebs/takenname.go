package ebs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// Before a bake the build checks that ami_name is free. EC2 allows one image
// of a name per account and region (InvalidAMIName.Duplicate); amazon-ebs's
// pre-validation checks the build region only, and a name taken in an
// ami_regions region fails its region copy after the whole bake. An image
// that already has the name is one of:
//
//   - an image of the same key and spec still pending: an earlier run that
//     timed out or was killed (spinnaker/spinnaker#4498) left it, and EC2
//     goes on making it. The build waits for it, up to wait_for_inflight,
//     and reuses it once it is available;
//   - an image of the same key and spec that failed, or that is still pending
//     after the wait while this build holds the claim (so no build that
//     follows the claim is making it): it is in the way and can never be
//     a hit, so the build deregisters it (and its snapshots) and bakes.
//     These are the only images the builder removes that it did not make;
//   - an image a bake of the same key and spec started and never finished:
//     it carries that bake's MadeForTag (a run tag, on the image from
//     CreateImage on) but not the key, which a bake writes last. A run that
//     timed out or was killed left it, pending, available or failed; it can
//     never be a hit. Under the claim no other build is making it, so the
//     build deregisters it (and its snapshots) and bakes. Without the claim
//     another build may be about to write its key: the build waits for
//     that, up to wait_for_inflight, and then stops naming it;
//   - anything else (no key tag and no MadeForTag, as with
//     skip_ami_run_tags or another tool; another key or spec): not the
//     cache's to touch. The build stops with
//     an error naming the image, unless force_deregister asks amazon-ebs to
//     replace it.

// nameUse is what an image that already has ami_name means for a bake.
type nameUse int

const (
	// nameFree: the image no longer holds the name (deregistered).
	nameFree nameUse = iota
	// nameReady: the same key and spec, available: the next lookup finds it.
	nameReady
	// namePending: the same key and spec, still being made.
	namePending
	// nameDead: the same key and spec, but it can never become available.
	nameDead
	// nameUnfinished: made by a bake of the same key and spec that never
	// wrote the key.
	nameUnfinished
	// nameForeign: not an image of this key and spec.
	nameForeign
)

// classifyNamed tells what an image named ami_name means for a bake of id.
func classifyNamed(img ec2types.Image, id identity) nameUse {
	if img.State == ec2types.ImageStateDeregistered {
		return nameFree
	}
	if tagValue(img.Tags, id.KeyTag) != id.Key || tagValue(img.Tags, DefaultSpecTag) != id.Spec {
		if tagValue(img.Tags, MadeForTag) == id.madeFor() {
			return nameUnfinished
		}
		return nameForeign
	}
	switch img.State {
	case ec2types.ImageStateAvailable:
		return nameReady
	case ec2types.ImageStatePending, ec2types.ImageStateTransient:
		return namePending
	default: // failed, error, invalid
		return nameDead
	}
}

// nameRegions are the regions where amazon-ebs gives an image ami_name:
// the regions the build leaves an image in. With skip_save_build_region
// the build region's image has a name of amazon-ebs's own, and amazon-ebs
// checks no name there.
func nameRegions(cl *cloud) []string { return cl.regions }

// namedImage is an image that holds ami_name in one of the bake's regions.
type namedImage struct {
	region string
	img    ec2types.Image
	use    nameUse
}

// readyRechecksMax bounds how often the build looks up again because an
// available image of its key and spec holds ami_name: the lookup should
// return it, and once EC2's tag index has caught up it does.
const readyRechecksMax = 30

// nameCheck makes sure ami_name is free before a bake. It keeps, across
// the lookups of one build, when it first saw each image it waits for and
// how often it looked up again.
type nameCheck struct {
	cl              *cloud
	id              identity
	ui              packersdk.Ui
	name            string
	forceDeregister bool
	waitForInflight time.Duration
	// poll is the pause between looks at an image it waits for.
	poll time.Duration

	// pendingSince is when each image waited for was first seen, or
	// created if EC2 says so.
	pendingSince map[string]time.Time
	// readyRechecks counts the lookups again for an available image of
	// the key that holds ami_name.
	readyRechecks int
}

// clear makes sure ami_name is free in every region of the bake; held
// says whether the build holds the claim. again
// is true when the build must look up again: an image of its key and spec
// holding the name became available, or is pending and was waited on. It
// reads every region before it changes anything, so that an image that is
// not the cache's stops the build before any image is removed.
func (r *nameCheck) clear(ctx context.Context, held bool) (again bool, err error) {
	name := r.name
	var named []namedImage
	for _, region := range nameRegions(r.cl) {
		out, err := r.cl.clients[region].DescribeImages(ctx, &ec2.DescribeImagesInput{
			Owners:  []string{"self"},
			Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{name}}},
		})
		if err != nil {
			return false, fmt.Errorf("%s: DescribeImages name=%s (is ami_name free?): %w", region, name, err)
		}
		for _, img := range out.Images {
			switch use := classifyNamed(img, r.id); use {
			case nameFree:
			case nameForeign:
				if !r.forceDeregister {
					return false, foreignNameError(name, region, img, r.id)
				}
				r.ui.Say(fmt.Sprintf("ami_name %s is used in %s by %s, which is not an image of %s; force_deregister is set, so amazon-ebs deregisters it", name, region, aws.ToString(img.ImageId), r.id))
			default:
				named = append(named, namedImage{region, img, use})
			}
		}
	}
	// First whatever may still become a hit, or be a live build's: while
	// one of them is waited for, nothing is removed in any region.
	for _, n := range named {
		id := aws.ToString(n.img.ImageId)
		switch {
		case n.use == nameReady:
			// The lookup before missed it: EC2's tag index lags its name
			// index. Look again after a pause, a bounded number of times.
			r.readyRechecks++
			if r.readyRechecks > readyRechecksMax {
				return false, fmt.Errorf("ami_name %q is held in %s by %s, an available image of %s, but the lookup by key and spec does not return it after %d tries: rerun, or deregister it",
					name, n.region, id, r.id, readyRechecksMax)
			}
			r.ui.Say(fmt.Sprintf("The image named %s in %s (%s) has %s and is available now; looking up again", name, n.region, id, r.id))
			return true, sleepCtx(ctx, claimRecheck)
		case n.use == namePending, n.use == nameUnfinished && mayBeLive(n.img.State):
			// An unfinished image may be one a live build still makes, or
			// whose key it is about to write: one started with rebake or
			// -force (which take no claim), or a holder whose claim
			// expired. It is waited for as a pending image of the key.
			again, err := r.awaitPending(ctx, n, held)
			if again || err != nil {
				return again, err
			}
		}
	}
	// Nothing is waited for any more: what holds the name goes.
	for _, n := range named {
		var why string
		switch n.use {
		case namePending:
			why = fmt.Sprintf("still %s after wait_for_inflight (%s)", n.img.State, r.waitForInflight)
		case nameDead:
			why = string(n.img.State)
		case nameUnfinished:
			why = fmt.Sprintf("%s and without %s: a bake of it that never finished (it carries %s) left it", n.img.State, r.id.KeyTag, MadeForTag)
		default:
			continue
		}
		if err := r.removeInTheWay(ctx, n, why); err != nil {
			return false, err
		}
	}
	return false, nil
}

// mayBeLive tells whether an image in state may still be a build's work
// in progress, or its result before the key is written.
func mayBeLive(state ec2types.ImageState) bool {
	return state == ec2types.ImageStatePending || state == ec2types.ImageStateTransient || state == ec2types.ImageStateAvailable
}

// describeNamed says what an image holding ami_name is, for the log.
func describeNamed(n namedImage) string {
	if n.use == nameUnfinished {
		return fmt.Sprintf("an image made for the same key and spec, %s, whose key is not written", n.img.State)
	}
	return fmt.Sprintf("an image of the same key and spec that is %s", n.img.State)
}

// awaitPending waits a while for an image of this key and spec (or made for
// it) that holds ami_name and may still become a hit: again is true after
// a pause (the caller looks up again). The wait runs for wait_for_inflight
// from the image's creation, or from when the build first saw it if EC2
// gives no creation date: a rerun long after a run that timed out takes
// over at once. Once the wait is over it returns false: the build takes
// over, but only when it holds the claim; without it another build may be
// making that image, and the build stops instead.
func (r *nameCheck) awaitPending(ctx context.Context, n namedImage, held bool) (again bool, err error) {
	id := aws.ToString(n.img.ImageId)
	if r.pendingSince == nil {
		r.pendingSince = map[string]time.Time{}
	}
	since, seen := r.pendingSince[id]
	if !seen {
		since = time.Now()
		if created, err := time.Parse(time.RFC3339, aws.ToString(n.img.CreationDate)); err == nil && created.Before(since) {
			since = created
		}
		r.pendingSince[id] = since
	}
	deadline := since.Add(r.waitForInflight)
	if left := time.Until(deadline); left > 0 {
		if !seen {
			r.ui.Say(fmt.Sprintf("The name %s is taken in %s by %s, %s (an earlier run left it, or another build is making it); waiting up to %s for it",
				r.name, n.region, id, describeNamed(n), left.Round(time.Second)))
		}
		return true, sleepCtx(ctx, min(r.poll, left))
	}
	if !held {
		return false, fmt.Errorf("ami_name %q is taken in %s by %s, %s, for longer than wait_for_inflight (%s) since it was created, and this build does not hold the claim, so another build may be making it: rerun once it is available, or deregister it",
			r.name, n.region, id, describeNamed(n), r.waitForInflight)
	}
	return false, nil
}

// removeInTheWay deregisters an image of this key and spec (or made for
// it) that holds ami_name and cannot be used (why says its state), with
// its snapshots, so that the bake can take the name. Another run made it:
// its deregistration protection is that run's, and is left in place.
func (r *nameCheck) removeInTheWay(ctx context.Context, n namedImage, why string) error {
	id := aws.ToString(n.img.ImageId)
	if err := destroyImage(ctx, r.cl.clients[n.region], id, keepOthersProtection); err != nil {
		return fmt.Errorf("%s: remove %s, an image of the same key and spec named %s that is %s: %w", n.region, id, r.name, why, err)
	}
	r.ui.Say(fmt.Sprintf("Deregistered %s in %s, an image of the same key and spec named %s that is %s; taking over", id, n.region, r.name, why))
	return nil
}

// foreignNameError says which image holds the name and why the build does
// not touch it.
func foreignNameError(name, region string, img ec2types.Image, want identity) error {
	id := aws.ToString(img.ImageId)
	carries := "no " + want.KeyTag + " tag"
	switch key := tagValue(img.Tags, want.KeyTag); {
	case key == "":
	case key != want.Key:
		carries = "another bake key (" + key + ")"
	default:
		carries = "the same bake key but another image spec (" + tagValue(img.Tags, DefaultSpecTag) + ")"
	}
	return fmt.Errorf("ami_name %q is already used in %s by %s (state %s, %s): EC2 allows one image of a name per account and region, so amazon-ebs would fail on the duplicate name, and the bake cache touches only images of its own key and spec. Deregister %s, choose another ami_name, or set force_deregister = true to have amazon-ebs replace it",
		name, region, id, img.State, carries, id)
}
