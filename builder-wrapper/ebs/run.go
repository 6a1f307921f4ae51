package ebs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// ReusedMessage starts the line a cache hit prints, Rosco's own words.
const ReusedMessage = "No changes detected; reused existing bake"

// Run looks the key up and reuses, copies or bakes. On reuse it returns
// before amazon-ebs runs: no instance is launched and no provisioner runs.
func (b *Builder) Run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook) (packersdk.Artifact, error) {
	if b.inner == nil {
		return nil, errors.New("spinnaker-ebs: Run before Prepare")
	}
	if b.config.AMISkipCreateImage {
		// Nothing to cache: the build makes no image.
		ui.Say("skip_create_ami is set: the bake cache does not apply")
		return b.inner.Run(ctx, ui, hook)
	}
	newClients := b.newClients
	if newClients == nil {
		newClients = connect
	}
	cl, err := newClients(ctx, &b.config)
	if err != nil {
		return nil, err
	}
	if err := b.settleKey(ctx, ui, cl); err != nil {
		return nil, err
	}
	key, keyTag := b.config.BakeKey, b.config.KeyTag

	sit := Situation{Regions: cl.regions, Rebake: b.config.Rebake}
	var found awslookup.Result
	if sit.Rebake {
		ui.Say(fmt.Sprintf("Rebake requested: baking %s even if an image with it exists", key))
	} else {
		ui.Say(fmt.Sprintf("Looking up bake key %s (tag %s) in %s...", key, keyTag, strings.Join(cl.regions, ", ")))
		if found, err = findKeyImages(ctx, cl, keyTag, key); err != nil {
			return nil, err
		}
		sit.Existing = found.AMIIDs
	}
	plan := Decide(sit)
	if plan.Action == CheckInFlight {
		waited, err := b.waitForInFlight(ctx, ui, cl)
		if err != nil {
			return nil, err
		}
		sit.InFlightChecked = true
		if waited {
			if found, err = findKeyImages(ctx, cl, keyTag, key); err != nil {
				return nil, err
			}
			sit.Existing = found.AMIIDs
		}
		plan = Decide(sit)
	}

	switch plan.Action {
	case Reuse:
		ui.Say(fmt.Sprintf("%s: %s", ReusedMessage, describeImages(plan.Images)))
		return newCachedArtifact(plan.Images, nil, cl, cl.cfg), nil
	case Copy:
		ui.Say(fmt.Sprintf("Image with the bake key exists in %s only: %s", strings.Join(slices.Sorted(maps.Keys(plan.Images)), ", "), plan.summary()))
		created, err := copyToMissing(ctx, cl, plan, found.Images[plan.CopyFrom], b.copySettings(), b.imageWait())
		if err != nil {
			return nil, err
		}
		ui.Say(fmt.Sprintf("Copied without baking: %s", describeImages(created)))
		return newCachedArtifact(plan.Images, created, cl, cl.cfg), nil
	case Bake:
		return b.bake(ctx, ui, hook, cl)
	default:
		return nil, fmt.Errorf("spinnaker-ebs: unexpected plan %s", plan.Action)
	}
}

// bake runs amazon-ebs and makes sure every image it made carries the key.
// amazon-ebs's own error is returned unchanged.
func (b *Builder) bake(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook, cl *cloud) (packersdk.Artifact, error) {
	ui.Say(fmt.Sprintf("Baking: no image carries bake key %s", b.config.BakeKey))
	art, err := b.inner.Run(ctx, ui, hook)
	if err != nil {
		removed, sweepErr := sweepDeadImages(cl, b.config.KeyTag, b.config.BakeKey)
		for region, ids := range removed {
			ui.Say(fmt.Sprintf("Deregistered failed images that carried the bake key in %s: %s", region, strings.Join(ids, ", ")))
		}
		if sweepErr != nil {
			ui.Error(fmt.Sprintf("Cleaning up failed images with the bake key: %v", sweepErr))
		}
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
	if err := ensureKeyTag(ctx, cl, amis, b.config.KeyTag, b.config.BakeKey); err != nil {
		return art, fmt.Errorf("put the bake key on the new images: %w", err)
	}
	return art, nil
}

// waitForInFlight waits while another build carrying the key runs in the
// build region, up to wait_for_inflight. It reports whether there was one.
func (b *Builder) waitForInFlight(ctx context.Context, ui packersdk.Ui, cl *cloud) (bool, error) {
	key, keyTag := b.config.BakeKey, b.config.KeyTag
	ids, err := inFlightInstances(ctx, cl, keyTag, key)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	limit := b.config.waitForInflight
	ui.Say(fmt.Sprintf("Another build is baking the same key (instance %s); waiting up to %s for its image...", strings.Join(ids, ", "), limit))
	interval := b.pollInterval
	if interval <= 0 {
		interval = defaultPollInterval
	}
	deadline := time.Now().Add(limit)
	for {
		if !time.Now().Before(deadline) {
			ui.Say(fmt.Sprintf("The other build (instance %s) is still running after %s", strings.Join(ids, ", "), limit))
			return true, nil
		}
		timer := time.NewTimer(min(interval, time.Until(deadline)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return true, ctx.Err()
		case <-timer.C:
		}
		if ids, err = inFlightInstances(ctx, cl, keyTag, key); err != nil {
			return true, err
		}
		if len(ids) == 0 {
			ui.Say("The other build has finished")
			return true, nil
		}
	}
}

// copySettings takes encryption and sharing from the amazon-ebs options.
func (b *Builder) copySettings() copySettings {
	c := &b.config
	return copySettings{
		Encrypt:   c.AMIEncryptBootVolume.ToBoolPointer(),
		KMSKeyIDs: c.AMIRegionKMSKeyIDs,
		Users:     c.AMIUsers,
		Groups:    c.AMIGroups,
		OrgArns:   c.AMIOrgArns,
		OuArns:    c.AMIOuArns,
	}
}

// imageWait paces waiting for copies like amazon-ebs's aws_polling does.
func (b *Builder) imageWait() imageWait {
	w := imageWait{MinDelay: 5 * time.Second, MaxWait: 30 * time.Minute}
	if p := b.config.PollingConfig; p != nil && p.DelaySeconds > 0 {
		w.MinDelay = time.Duration(p.DelaySeconds) * time.Second
		if p.MaxAttempts > 0 {
			w.MaxWait = time.Duration(p.MaxAttempts) * w.MinDelay
		}
	}
	return w
}

// artifactImages reads region → AMI id from amazon-ebs's artifact.
func artifactImages(art packersdk.Artifact) (map[string]string, error) {
	if a, ok := art.(*awscommon.Artifact); ok {
		return a.Amis, nil
	}
	// Over RPC or from another version the artifact is opaque; its Id is
	// "region:ami,region:ami".
	amis := map[string]string{}
	for _, part := range strings.Split(art.Id(), ",") {
		region, id, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("artifact id %q is not region:ami,…", art.Id())
		}
		amis[region] = id
	}
	return amis, nil
}

// describeImages writes "ami-… in us-east-1, ami-… in eu-west-1". It
// avoids "<region>: <token>", which Rosco's scraper would take for an
// image id.
func describeImages(images map[string]string) string {
	parts := make([]string, 0, len(images))
	for _, region := range slices.Sorted(maps.Keys(images)) {
		parts = append(parts, images[region]+" in "+region)
	}
	return strings.Join(parts, ", ")
}
