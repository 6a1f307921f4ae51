package ebs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// deadImageStates are the states an image never leaves: it will not become
// available and can only be deregistered.
var deadImageStates = []string{"failed", "error", "invalid"}

// sweepDeadImages deregisters the images this build made that ended in a
// dead state, after a failed bake. amazon-ebs cleans up an image that became
// available before a later step failed, but not one that failed while it
// waited for it. Such an image carries the run tags, among them this
// build's id (BuildIDTag): only images with this build's id are touched,
// never another build's. With skip_ami_run_tags the image gets no tag at
// CreateImage, so it is not found here; it never carries the key either,
// so it is never a cache hit.
// It returns what it removed, per region, and the errors it met.
func sweepDeadImages(cl *cloud, buildID string) (map[string][]string, error) {
	// The build's context may be what ended the bake; cleanup gets its own.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	removed := map[string][]string{}
	for _, region := range cl.regions {
		client := cl.clients[region]
		out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{
			Owners: []string{"self"},
			Filters: []ec2types.Filter{
				{Name: aws.String("tag:" + BuildIDTag), Values: []string{buildID}},
				{Name: aws.String("state"), Values: deadImageStates},
			},
		})
		if err != nil {
			return removed, fmt.Errorf("%s: DescribeImages for this build's failed images: %w", region, err)
		}
		for _, img := range out.Images {
			id := aws.ToString(img.ImageId)
			if err := destroyImage(ctx, client, id); err != nil {
				return removed, fmt.Errorf("%s: %w", region, err)
			}
			removed[region] = append(removed[region], id)
		}
	}
	return removed, nil
}
