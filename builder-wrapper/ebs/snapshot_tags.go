package ebs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// addMissingSnapshotTags puts the request's snapshot_tags that a snapshot of
// the image lacks on it, as amazon-ebs tags the snapshots of a bake. As for
// the image's own tags, a tag the snapshot already has keeps its value and a
// request value that differs is reported through note. One DescribeSnapshots
// reads every snapshot of the image; a snapshot that lacks nothing gets no
// call.
func addMissingSnapshotTags(ctx context.Context, client ec2API, region string, img ec2types.Image, g grants, note func(string)) error {
	want, err := g.SnapshotTags(region)
	if err != nil || len(want) == 0 {
		return err
	}
	ids := snapshotIDs(img)
	if len(ids) == 0 {
		return nil
	}
	image := aws.ToString(img.ImageId)
	out, err := client.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: ids})
	if err != nil {
		return fmt.Errorf("%s: DescribeSnapshots %s of %s: %w", region, strings.Join(ids, ", "), image, err)
	}
	for _, snap := range out.Snapshots {
		id := aws.ToString(snap.SnapshotId)
		missing := missingTags(want, snap.Tags, func(k, old string) {
			note(fmt.Sprintf("%s snapshot %s of %s keeps tag %s = %q from the bake that made it (this request's snapshot_tags: %q)", region, id, image, k, old, want[k]))
		})
		if len(missing) == 0 {
			continue
		}
		if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(missing)}); err != nil {
			return fmt.Errorf("%s: CreateTags on snapshot %s of %s (snapshot_tags %s): %w", region, id, image, strings.Join(slices.Sorted(maps.Keys(missing)), ", "), err)
		}
	}
	return nil
}

// missingTags returns the tags of want that have lacks. A key have holds
// with another value is not missing: differs is told of it (in key order).
func missingTags(want map[string]string, have []ec2types.Tag, differs func(key, haveValue string)) map[string]string {
	present := map[string]string{}
	for _, t := range have {
		present[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	missing := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		old, ok := present[k]
		switch {
		case !ok:
			missing[k] = want[k]
		case old != want[k]:
			differs(k, old)
		}
	}
	return missing
}
