package ebs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// liveInstanceStates are the states of an instance whose build may still
// produce an image: amazon-ebs stops the instance before CreateImage and
// terminates it only at the very end.
var liveInstanceStates = []string{"pending", "running", "stopping", "stopped"}

// findKeyImages looks the key up in every region of the build at once:
// available images owned by the caller whose key tag holds the key, the
// newest per region. One DescribeImages call per region (plus one per
// extra page).
func findKeyImages(ctx context.Context, cl *cloud, keyTag, key string) (awslookup.Result, error) {
	clients := make(map[string]awslookup.EC2DescribeImagesAPI, len(cl.regions))
	for _, r := range cl.regions {
		clients[r] = cl.clients[r]
	}
	res, err := awslookup.FindImages(ctx, clients, awslookup.Query{
		Mode:   awslookup.ModeKey,
		KeyTag: keyTag,
		Value:  key,
		Owners: []string{"self"},
	})
	if err != nil {
		return awslookup.Result{}, fmt.Errorf("look up bake key: %w", err)
	}
	return res, nil
}

// inFlightInstances lists the build region's instances that carry the key
// as a run tag and may still produce an image: other builds of the same key.
func inFlightInstances(ctx context.Context, cl *cloud, keyTag, key string) ([]string, error) {
	client := cl.clients[cl.buildRegion]
	in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + keyTag), Values: []string{key}},
		{Name: aws.String("instance-state-name"), Values: liveInstanceStates},
	}}
	var ids []string
	pages := ec2.NewDescribeInstancesPaginator(client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: DescribeInstances for in-flight builds: %w", cl.buildRegion, err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
		}
	}
	return ids, nil
}
