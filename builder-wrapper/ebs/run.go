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
	id := identity{KeyTag: b.config.KeyTag, Key: b.config.BakeKey, Spec: b.config.specDigest}
	if b.config.Rebake {
		ui.Say(fmt.Sprintf("Rebake requested: baking %s even if an image with it exists", id))
		return b.bake(ctx, ui, hook, cl, id)
	}
	ui.Say(fmt.Sprintf("Looking up %s in %s...", id, strings.Join(cl.regions, ", ")))
	r := &resolver{b: b, ui: ui, cl: cl, id: id, waitUntil: time.Now().Add(b.config.waitForInflight)}
	defer r.release()
	return r.run(ctx, hook)
}

// bake runs amazon-ebs and makes sure every image it made carries the key
// and the spec. amazon-ebs's own error is returned unchanged.
func (b *Builder) bake(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook, cl *cloud, id identity) (packersdk.Artifact, error) {
	if !b.config.Rebake {
		ui.Say(fmt.Sprintf("Baking: no image carries %s", id))
	}
	art, err := b.inner.Run(ctx, ui, hook)
	if err != nil {
		removed, sweepErr := sweepFailedBake(cl, b.config.buildID)
		for region, ids := range removed {
			ui.Say(fmt.Sprintf("Deregistered the images this failed build made in %s: %s", region, strings.Join(ids, ", ")))
		}
		if sweepErr != nil {
			ui.Error(fmt.Sprintf("Cleaning up the images of this failed build: %v", sweepErr))
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
	if err := ensureTags(ctx, cl, amis, b.config.identityTags()); err != nil {
		return art, fmt.Errorf("put the bake key and image spec on the new images: %w", err)
	}
	return art, nil
}

// copySettings takes encryption from the amazon-ebs options.
func (b *Builder) copySettings() copySettings {
	c := &b.config
	return copySettings{
		Encrypt:   c.AMIEncryptBootVolume.ToBoolPointer(),
		KMSKeyIDs: c.AMIRegionKMSKeyIDs,
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
