package ebs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// finishBake makes a fresh bake's images cache hits. The inventory digest
// (sbom_file) and the lineage are known first; then every tag goes on each
// image in one CreateTags per region, the key and spec with them. An image
// therefore never carries the key without the digest its request asked for:
// a later build of the same request would take it for a hit and report an
// image without inventory. When this fails (sbom_file not written by this
// build, or EC2 refusing the tags), the images are removed as after a
// failed bake, as amazon-ebs removes its image when a step of its own fails
// after CreateImage: a rerun bakes again.
func (b *Builder) finishBake(ctx context.Context, ui packersdk.Ui, cl *cloud, amis map[string]string, start time.Time) error {
	tags, err := b.lifecycleTagsOf(ctx, cl, amis, start)
	if err == nil {
		maps.Copy(tags, b.config.identityTags())
		if err = ensureTags(ctx, cl, amis, tags); err != nil {
			err = fmt.Errorf("tag the new images with %s: %w", strings.Join(slices.Sorted(maps.Keys(tags)), ", "), err)
		}
	}
	if err != nil {
		b.cleanUpFailedBake(ui, cl, amis)
		return err
	}
	if d := tags[SBOMTag]; d != "" {
		ui.Say(fmt.Sprintf("Inventory %s: %s %s on %s", b.config.SBOMFile, SBOMTag, d, describeImages(amis)))
	}
	return nil
}

// cleanUpFailedBake removes the images this failed build made (those it
// knows, made, and those carrying its id) and says what it removed and
// what it could not.
func (b *Builder) cleanUpFailedBake(ui packersdk.Ui, cl *cloud, made map[string]string) {
	removed, err := sweepFailedBake(cl, b.config.buildID, made)
	for _, region := range slices.Sorted(maps.Keys(removed)) {
		ui.Say(fmt.Sprintf("Deregistered the images this failed build made in %s: %s", region, strings.Join(removed[region], ", ")))
	}
	if err != nil {
		ui.Error(fmt.Sprintf("Cleaning up the images of this failed build: %v", err))
	}
}
