package ebs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// sweepFailedBake removes, after a failed bake, every image this build made
// that amazon-ebs left: one that failed in EC2 while amazon-ebs waited for it
// (amazon-ebs only cleans up images that became available), and the copies
// to other regions that succeeded before another region's copy failed.
// They carry the run tags, among them this build's id (BuildIDTag); only
// images with this build's id are touched, never another build's, and none
// of them carries the key (amazon-ebs writes `tags` last, after every
// step succeeded). With skip_ami_run_tags an image gets no tag at
// CreateImage, so it is not found by the tag: made names the images the
// build knows it made (amazon-ebs's artifact, region → id), removed
// whatever their tags. It goes on past a failure, and returns what it
// removed, per region, and every error it met.
func sweepFailedBake(cl *cloud, buildID string, made map[string]string) (map[string][]string, error) {
	// The build's context may be what ended the bake; cleanup gets its own.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	removed := map[string][]string{}
	var errs []error
	for _, region := range cl.regions {
		client := cl.clients[region]
		ids := []string{}
		if id, ok := made[region]; ok {
			ids = append(ids, id)
		}
		out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{
			Owners: []string{"self"},
			Filters: []ec2types.Filter{
				{Name: aws.String("tag:" + BuildIDTag), Values: []string{buildID}},
			},
		})
		if err != nil {
			// The images the build knows of still go.
			errs = append(errs, fmt.Errorf("%s: DescribeImages for the images of this failed build: %w", region, err))
		} else {
			for _, img := range out.Images {
				if id := aws.ToString(img.ImageId); !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
		// One image that cannot go (its protection's cooldown, a refused
		// call) leaves the others to remove; every failure is reported.
		for _, id := range ids {
			if err := destroyImage(ctx, client, id, liftOwnProtection); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", region, err))
				continue
			}
			removed[region] = append(removed[region], id)
		}
	}
	return removed, errors.Join(errs...)
}
