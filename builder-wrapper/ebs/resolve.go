package ebs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// ReusedMessage starts the line a cache hit prints, Rosco's own words.
const ReusedMessage = "No changes detected; reused existing bake"

// maxVanished bounds how often a found image may vanish before it is
// returned: each time the build looks up again.
const maxVanished = 3

// resolver is one build's way from the lookup to an artifact: it looks up,
// reuses or copies what exists, and otherwise claims the identity and bakes,
// or waits for the build that holds the claim.
type resolver struct {
	b         *Builder
	ui        packersdk.Ui
	cl        *cloud
	id        identity
	held      *claim
	waitUntil time.Time
	// unclaimed is set when the build goes on without the claim: the wait
	// for another build ran out, or the role may not create key pairs.
	unclaimed bool
	vanished  int
	// names checks that ami_name is free before a bake (takenname.go).
	names *nameCheck
}

func (r *resolver) run(ctx context.Context, hook packersdk.Hook) (packersdk.Artifact, error) {
	for {
		found, err := findKeyImages(ctx, r.cl, r.id)
		if err != nil {
			return nil, err
		}
		plan := Decide(Situation{Regions: r.cl.regions, Existing: found.AMIIDs})
		switch plan.Action {
		case Reuse:
			art, again, err := r.reuse(ctx, plan, found)
			if again {
				continue
			}
			return art, err
		case Copy:
			if err := fastLaunchCopyError(&r.b.config, plan, r.id); err != nil {
				return nil, err
			}
			// Copies are made under the same claim as a bake: builds that
			// miss in the same regions would otherwise each copy.
			if r.held == nil && !r.unclaimed {
				if err := r.claimOrWait(ctx); err != nil {
					return nil, err
				}
				continue
			}
			art, again, err := r.copy(ctx, plan, found.Images[plan.CopyFrom])
			if again {
				continue
			}
			if err == nil && r.held != nil {
				r.awaitVisible(ctx)
			}
			return art, err
		case Bake:
			if r.held == nil && !r.unclaimed {
				if err := r.claimOrWait(ctx); err != nil {
					return nil, err
				}
				continue
			}
			again, err := r.names.clear(ctx, r.held != nil)
			if err != nil {
				return nil, err
			}
			if again {
				continue
			}
			art, err := r.b.bake(ctx, r.ui, hook, r.cl, r.id)
			if err == nil && r.held != nil {
				r.awaitVisible(ctx)
			}
			return art, err
		default:
			return nil, fmt.Errorf("spinnaker-ebs: unexpected plan %s", plan.Action)
		}
	}
}

// reuse applies the request to the found images and returns them; again is
// true when one vanished since the lookup.
func (r *resolver) reuse(ctx context.Context, plan Plan, found awslookup.Result) (art packersdk.Artifact, again bool, err error) {
	gone, err := satisfy(ctx, r.cl, plan.Images, r.b.grantsOf(), r.ui.Say)
	if err != nil {
		return nil, false, err
	}
	if len(gone) > 0 {
		again, err := r.vanishedSince(gone)
		return nil, again, err
	}
	r.ui.Say(fmt.Sprintf("%s: %s (matched %s)", ReusedMessage, describeImages(plan.Images), r.id))
	reportDigests(plan.Images, foundTags(found), r.b.config.SBOMFile, r.ui.Say)
	return newCachedArtifact(plan.Images, nil, r.cl.cfg), false, nil
}

// vanishedSince reports images found in regions that went away after the
// lookup: the build looks up again, up to maxVanished times.
func (r *resolver) vanishedSince(regions []string) (bool, error) {
	r.vanished++
	if r.vanished > maxVanished {
		return false, fmt.Errorf("the images with %s vanished %d times between the lookup and their use", r.id, r.vanished)
	}
	r.ui.Say(fmt.Sprintf("The image found in %s is no longer available; looking up again", strings.Join(regions, ", ")))
	return true, nil
}

// copy copies the image to the regions that lack it, then applies the
// request to every image it returns.
func (r *resolver) copy(ctx context.Context, plan Plan, source awslookup.Image) (art packersdk.Artifact, again bool, err error) {
	r.ui.Say(fmt.Sprintf("Image with %s exists in %s only: %s", r.id, strings.Join(slices.Sorted(maps.Keys(plan.Images)), ", "), plan.summary()))
	created, err := copyToMissing(ctx, r.cl, r.id, plan, source, r.b.copySettings(), r.b.imageWait())
	if awslookup.ErrorCode(err) == "InvalidAMIID.NotFound" {
		// The source went away after the lookup. Copies that finished
		// elsewhere are complete images with the key: kept, and found by
		// the next lookup.
		if again, err := r.vanishedSince([]string{plan.CopyFrom}); again || err != nil {
			return nil, again, err
		}
	}
	if err != nil {
		return nil, false, err
	}
	all := maps.Clone(plan.Images)
	maps.Copy(all, created)
	// The copies are complete images with the key whatever happens next:
	// kept, so that the next build finds them.
	gone, err := satisfy(ctx, r.cl, all, r.b.grantsOf(), r.ui.Say)
	if err != nil {
		return nil, false, err
	}
	if len(gone) > 0 {
		again, err := r.vanishedSince(gone)
		return nil, again, err
	}
	r.ui.Say(fmt.Sprintf("Copied without baking: %s", describeImages(created)))
	tags := map[string]map[string]string{}
	for region := range all {
		// A copy carries its source's tags (CopyImageTags, then CreateTags).
		tags[region] = source.Tags
	}
	reportDigests(all, tags, r.b.config.SBOMFile, r.ui.Say)
	art = newCachedArtifact(plan.Images, created, r.cl.cfg)
	if err := r.b.retireSuperseded(ctx, r.ui, r.cl, all); err != nil {
		return art, false, err
	}
	return art, false, nil
}

// claimOrWait takes the claim, or waits while another build holds it: until
// it is released, expires (then it is removed as stale) or wait_for_inflight
// runs out. The caller looks up again in every case.
func (r *resolver) claimOrWait(ctx context.Context) error {
	held, other, err := tryClaim(ctx, r.cl, r.id, r.b.config.buildID, r.b.config.claimTTL, time.Now())
	if awslookup.ErrorCode(err) == "UnauthorizedOperation" {
		// A template that names its own key pair needs no ec2:CreateKeyPair
		// for amazon-ebs; the claim is then skipped rather than the build.
		r.ui.Say(fmt.Sprintf("Cannot claim the key (%v): baking or copying without the claim; builds of this key started together may each bake or copy", err))
		r.unclaimed = true
		return nil
	}
	if err != nil {
		return err
	}
	if held != nil {
		// Looked up again under the claim: the holder may have finished
		// between this build's lookup and its claim.
		r.held = held
		return nil
	}
	if other.ID == "" {
		// Released meanwhile, or not yet visible to DescribeKeyPairs
		// (EC2 is eventually consistent): look again after a pause, so
		// that the loop never hammers EC2.
		return sleepCtx(ctx, claimRecheck)
	}
	r.ui.Say(fmt.Sprintf("Another build is baking or copying the same key (claim %s, build %s); waiting up to %s for its images...",
		claimName(r.id), other.BuildID, time.Until(r.waitUntil).Round(time.Second)))
	interval := r.b.pollInterval
	if interval <= 0 {
		interval = defaultPollInterval
	}
	for {
		now := time.Now()
		switch {
		case now.After(other.Expires):
			if err := removeStale(ctx, r.cl, other); err != nil {
				return err
			}
			r.ui.Say(fmt.Sprintf("Removed the stale claim of build %s (expired at %s); taking over", other.BuildID, other.Expires.Format(time.RFC3339)))
			return nil
		case now.After(r.waitUntil):
			r.ui.Say(fmt.Sprintf("The other build (%s) still holds the claim after wait_for_inflight; going on without it", other.BuildID))
			r.unclaimed = true
			return nil
		}
		if err := sleepCtx(ctx, min(interval, time.Until(other.Expires)+time.Second, time.Until(r.waitUntil)+time.Second)); err != nil {
			return err
		}
		current, err := readClaim(ctx, r.cl.clients[r.cl.buildRegion], r.cl.buildRegion, claimName(r.id), r.b.config.claimTTL)
		if err != nil {
			return err
		}
		if current == nil || current.ID != other.ID {
			r.ui.Say("The other build has finished")
			return nil
		}
		other = current
	}
}

// visibleWithin bounds how long a build that baked under the claim waits
// for its images to show in the lookup before it releases the claim.
const visibleWithin = 30 * time.Second

// awaitVisible holds the claim until the lookup finds the new images in
// every region: EC2's reads are eventually consistent, and a waiter that
// looked up the moment the claim went could otherwise miss them and bake
// again.
func (r *resolver) awaitVisible(ctx context.Context) {
	deadline := time.Now().Add(visibleWithin)
	for {
		found, err := findKeyImages(ctx, r.cl, r.id)
		if err == nil && found.Found {
			return
		}
		if time.Now().After(deadline) {
			r.ui.Say(fmt.Sprintf("The new images are not yet found by the lookup after %s (%v); releasing the claim", visibleWithin, err))
			return
		}
		if sleepCtx(ctx, claimRecheck) != nil {
			return
		}
	}
}

// release gives the claim up, if this build holds it.
func (r *resolver) release() {
	if r.held == nil {
		return
	}
	if err := r.held.release(); err != nil {
		r.ui.Error(fmt.Sprintf("Releasing the bake claim: %v", err))
	}
	r.held = nil
}

// bake runs amazon-ebs, checks that it launched from the source AMI of the
// key and the spec, and makes sure every image it made carries them.
// amazon-ebs's own error is returned unchanged.
func (b *Builder) bake(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook, cl *cloud, id identity) (packersdk.Artifact, error) {
	if !b.config.Rebake {
		ui.Say(fmt.Sprintf("Baking: no image carries %s", id))
	}
	start := time.Now()
	art, err := b.inner.Run(ctx, ui, hook)
	if err != nil {
		b.cleanUpFailedBake(ui, cl, nil)
		// amazon-ebs's own error, unchanged.
		return nil, err
	}
	if art == nil {
		return nil, nil
	}
	amis, err := artifactImages(art)
	if err != nil {
		return art, err
	}
	if err := checkBakedFrom(art, b.config.sourceAMI); err != nil {
		b.cleanUpFailedBake(ui, cl, amis)
		return nil, err
	}
	if err := b.finishBake(ctx, ui, cl, amis, start); err != nil {
		return nil, err
	}
	if err := b.retireSuperseded(ctx, ui, cl, amis); err != nil {
		return art, err
	}
	return art, nil
}
