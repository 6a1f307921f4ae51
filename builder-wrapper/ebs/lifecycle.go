package ebs

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/lineage"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom"
)

// SBOMTag carries the SHA-256 of the image's inventory (sbom_file).
const SBOMTag = "spinnaker:sbom-sha256"

// sbomDigest reads sbom_file as the provisioner left it. A file older than the build's start
// is another build's inventory: refused rather than put on this image.
func (c *Config) sbomDigest(buildStart time.Time) (string, error) {
	fi, err := os.Stat(c.SBOMFile)
	if err != nil {
		return "", fmt.Errorf("sbom_file %q: %w (is the spinnaker-packages provisioner's sbom_file the same path?)", c.SBOMFile, err)
	}
	if fi.ModTime().Before(buildStart.Truncate(time.Second)) {
		return "", fmt.Errorf("sbom_file %q was not written by this build (last written %s, the build started %s): is the spinnaker-packages provisioner's sbom_file the same path?",
			c.SBOMFile, fi.ModTime().UTC().Format(time.RFC3339), buildStart.UTC().Format(time.RFC3339))
	}
	doc, err := os.ReadFile(c.SBOMFile)
	if err != nil {
		return "", fmt.Errorf("sbom_file %q: %w", c.SBOMFile, err)
	}
	return sbom.Digest(doc), nil
}

// lifecycleTags are the tags a fresh bake adds besides the key and spec: the inventory's digest
// and the lineage, each when the build has one. owner is the account that owns the images.
func (b *Builder) lifecycleTags(owner string, buildStart time.Time) (map[string]string, error) {
	tags := map[string]string{}
	if b.config.SBOMFile != "" {
		d, err := b.config.sbomDigest(buildStart)
		if err != nil {
			return nil, err
		}
		tags[SBOMTag] = d
	}
	if p := b.config.lineageParts; p != nil {
		id, err := p.identity(owner)
		if err != nil {
			return nil, err
		}
		tags[lineage.TagKey] = id.TagValue()
	}
	return tags, nil
}

// lifecycleTagsOf are the lifecycle tags of a fresh bake's images (none without sbom_file and a
// lineage). It fails when sbom_file was not written by this build.
func (b *Builder) lifecycleTagsOf(ctx context.Context, cl *cloud, amis map[string]string, buildStart time.Time) (map[string]string, error) {
	if b.config.SBOMFile == "" && b.config.lineageParts == nil {
		return map[string]string{}, nil
	}
	owner, err := amisOwner(ctx, cl, amis)
	if err != nil {
		return nil, fmt.Errorf("tag the new images: %w", err)
	}
	tags, err := b.lifecycleTags(owner, buildStart)
	if err != nil {
		return nil, fmt.Errorf("tag the new images: %w", err)
	}
	return tags, nil
}

// foundTags are the tags of the images a lookup found, by region.
func foundTags(found awslookup.Result) map[string]map[string]string {
	out := map[string]map[string]string{}
	for region, im := range found.Images {
		out[region] = im.Tags
	}
	return out
}

// amisOwner is the account that owns the build's images: read in the build region, or in the
// first region of amis when the build region keeps no image (skip_save_build_region).
func amisOwner(ctx context.Context, cl *cloud, amis map[string]string) (string, error) {
	region := cl.buildRegion
	if _, ok := amis[region]; !ok {
		region = slices.Sorted(maps.Keys(amis))[0]
	}
	return imageOwner(ctx, cl, region, amis[region])
}

// imageOwner is the account that owns the image id in region.
func imageOwner(ctx context.Context, cl *cloud, region, id string) (string, error) {
	out, err := cl.clients[region].DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		return "", fmt.Errorf("%s: DescribeImages %s: %w", region, id, err)
	}
	if len(out.Images) != 1 {
		return "", fmt.Errorf("%s: DescribeImages %s: %d images", region, id, len(out.Images))
	}
	return aws.ToString(out.Images[0].OwnerId), nil
}

// reportDigests says which inventory each found image carries, so that a user can match an AMI
// of a hit or copy with the document of the bake that made it. sbomFile is the request's
// sbom_file: a request that asks for an inventory and gets an image without one (baked without
// sbom_file) is told so, and how to bake one that has it.
func reportDigests(images map[string]string, tags map[string]map[string]string, sbomFile string, say func(string)) {
	for _, region := range slices.Sorted(maps.Keys(images)) {
		switch d := tags[region][SBOMTag]; {
		case d != "":
			say(fmt.Sprintf("Inventory of %s in %s: %s %s", images[region], region, SBOMTag, d))
		case sbomFile != "":
			say(fmt.Sprintf("Inventory of %s in %s: none; the image carries no %s tag (it was baked without sbom_file), and a hit writes no %s. Set rebake = true (or packer build -force) to bake an image with an inventory",
				images[region], region, SBOMTag, sbomFile))
		default:
			say(fmt.Sprintf("Inventory of %s in %s: the image carries no %s tag", images[region], region, SBOMTag))
		}
	}
}

// retireSuperseded deprecates, in each region of amis (the images this build produced or
// copied), the images of the build's lineage that lineage.Select picks. With the dry run it
// only prints them. It runs after a bake or copy succeeded; a failure is returned, the images
// stay.
func (b *Builder) retireSuperseded(ctx context.Context, ui packersdk.Ui, cl *cloud, amis map[string]string) error {
	c := &b.config
	if c.deprecateAfter == 0 || c.lineageParts == nil || len(amis) == 0 {
		return nil
	}
	owner, err := amisOwner(ctx, cl, amis)
	if err != nil {
		return fmt.Errorf("deprecate_superseded: %w", err)
	}
	id, err := c.lineageParts.identity(owner)
	if err != nil {
		return fmt.Errorf("deprecate_superseded: %w", err)
	}
	at, err := lineage.DeprecateAt(time.Now(), c.deprecateAfter)
	if err != nil {
		return err
	}
	prefix := ""
	if c.DeprecateSupersededDryRun {
		prefix = "Dry run (deprecate_superseded_dry_run): "
	}
	ui.Say(fmt.Sprintf("%sSuperseded images of lineage %s (%s), keeping the newest %d:", prefix, id.TagValue(), id, c.KeepLatest))
	for _, region := range slices.Sorted(maps.Keys(amis)) {
		client := cl.clients[region]
		images, build, err := lineageImages(ctx, client, id.TagValue(), amis[region], c.KeyTag)
		if err != nil {
			return fmt.Errorf("deprecate_superseded: %s: %w", region, err)
		}
		decisions, err := lineage.Select(id.TagValue(), build, images, c.KeepLatest)
		if err != nil {
			return err
		}
		n := 0
		for _, d := range decisions {
			if d.Action == lineage.Keep {
				continue
			}
			if d.Action == lineage.AlreadyDeprecated {
				ui.Say(fmt.Sprintf("  %s: %s (%s) left as it is: %s", region, d.Image.ID, d.Image.Name, d.Reason))
				continue
			}
			n++
			if c.DeprecateSupersededDryRun {
				ui.Say(fmt.Sprintf("  %s: would deprecate %s (%s) at %s: %s", region, d.Image.ID, d.Image.Name, at.Format(time.RFC3339), d.Reason))
				continue
			}
			if _, err := client.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: aws.String(d.Image.ID), DeprecateAt: aws.Time(at)}); err != nil {
				return fmt.Errorf("deprecate_superseded: %s: EnableImageDeprecation %s: %w", region, d.Image.ID, err)
			}
			ui.Say(fmt.Sprintf("  %s: deprecated %s (%s) at %s: %s", region, d.Image.ID, d.Image.Name, at.Format(time.RFC3339), d.Reason))
		}
		if n == 0 {
			ui.Say(fmt.Sprintf("  %s: nothing to deprecate", region))
		}
	}
	return nil
}

// lineageImages lists the account's images tagged with the lineage in one region, and the
// build's image (buildID) among them or described on its own. An image is the current hit of
// another key when it is the newest available image with its key tag and spec tag among them and
// that (key, spec) pair is not the build's: the same key with another spec counts.
func lineageImages(ctx context.Context, client ec2API, lineageTag, buildID, keyTag string) ([]lineage.Image, lineage.Image, error) {
	var raw []ec2types.Image
	p := ec2.NewDescribeImagesPaginator(client, &ec2.DescribeImagesInput{
		Owners:            []string{"self"},
		IncludeDeprecated: aws.Bool(true),
		Filters:           []ec2types.Filter{{Name: aws.String("tag:" + lineage.TagKey), Values: []string{lineageTag}}},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, lineage.Image{}, fmt.Errorf("DescribeImages (lineage): %w", err)
		}
		raw = append(raw, out.Images...)
	}
	if !slices.ContainsFunc(raw, func(im ec2types.Image) bool { return aws.ToString(im.ImageId) == buildID }) {
		out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{buildID}})
		if err != nil {
			return nil, lineage.Image{}, fmt.Errorf("DescribeImages %s: %w", buildID, err)
		}
		raw = append(raw, out.Images...)
	}
	pair := func(im ec2types.Image) string {
		return tagValue(im.Tags, keyTag) + "\x00" + tagValue(im.Tags, DefaultSpecTag)
	}
	buildPair := ""
	newestOfIdentity := map[string]lineage.Image{}
	var images []lineage.Image
	var build lineage.Image
	for _, im := range raw {
		li := toLineageImage(im)
		images = append(images, li)
		if li.ID == buildID {
			build = li
			buildPair = pair(im)
		}
	}
	if build.ID == "" {
		return nil, lineage.Image{}, fmt.Errorf("the build's image %s is not visible", buildID)
	}
	pairOf := map[string]string{}
	for i, im := range raw {
		k := pair(im)
		pairOf[images[i].ID] = k
		if images[i].State != string(ec2types.ImageStateAvailable) || tagValue(im.Tags, keyTag) == "" {
			continue
		}
		if cur, ok := newestOfIdentity[k]; !ok || lineage.Newer(images[i], cur) {
			newestOfIdentity[k] = images[i]
		}
	}
	for _, hit := range newestOfIdentity {
		if pairOf[hit.ID] == buildPair {
			continue
		}
		for i := range images {
			if images[i].ID == hit.ID {
				images[i].CurrentHitOfOtherKey = true
			}
		}
	}
	return images, build, nil
}

func toLineageImage(im ec2types.Image) lineage.Image {
	li := lineage.Image{
		ID:      aws.ToString(im.ImageId),
		Name:    aws.ToString(im.Name),
		State:   string(im.State),
		Lineage: tagValue(im.Tags, lineage.TagKey),
		Spec:    tagValue(im.Tags, DefaultSpecTag),
	}
	if t, err := time.Parse(time.RFC3339Nano, aws.ToString(im.CreationDate)); err == nil {
		li.Created = t
	}
	if t, err := time.Parse(time.RFC3339Nano, aws.ToString(im.DeprecationTime)); err == nil {
		li.DeprecationTime = t
	}
	return li
}
