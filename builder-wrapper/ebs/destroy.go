package ebs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// protectionPolicy says what destroyImage does with an image's
// deregistration protection.
type protectionPolicy int

const (
	// liftOwnProtection: the image is one this build made (a failed bake's,
	// a copy that failed), protected by this build's own request: lift the
	// protection first (liftProtection); one with the 24-hour cooldown is
	// left, with an error saying when it can go.
	liftOwnProtection protectionPolicy = iota
	// keepOthersProtection: the image is one another run made (an image
	// holding ami_name that the build takes over). Its protection is that
	// run's decision: a protected image is left, with an error naming it.
	keepOthersProtection
)

// destroyImage deregisters an image and deletes its snapshots: EC2's
// DeregisterImage leaves them behind, and they are billed. An image or
// snapshot already gone is not an error.
func destroyImage(ctx context.Context, client ec2API, id string, policy protectionPolicy) error {
	out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if awslookup.ErrorCode(err) == "InvalidAMIID.NotFound" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("DescribeImages %s: %w", id, err)
	}
	var snapshots []string
	for _, img := range out.Images {
		if policy == keepOthersProtection {
			if protectionOf(img).blocks(time.Now()) {
				return fmt.Errorf("%s has deregistration protection (%s), which this build did not set: disable it (DisableImageDeregistrationProtection) or deregister the image yourself", id, aws.ToString(img.DeregistrationProtection))
			}
		} else if err := liftProtection(ctx, client, img); err != nil {
			return err
		}
		snapshots = append(snapshots, snapshotIDs(img)...)
	}
	if _, err := client.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)}); err != nil && awslookup.ErrorCode(err) != "InvalidAMIID.NotFound" {
		return fmt.Errorf("DeregisterImage %s: %w", id, err)
	}
	var errs []error
	for _, snap := range snapshots {
		if _, err := client.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)}); err != nil && awslookup.ErrorCode(err) != "InvalidSnapshot.NotFound" {
			errs = append(errs, fmt.Errorf("DeleteSnapshot %s of %s: %w", snap, id, err))
		}
	}
	return errors.Join(errs...)
}

// snapshotIDs lists the EBS snapshots an image's block devices are made
// from.
func snapshotIDs(img ec2types.Image) []string {
	var ids []string
	for _, bdm := range img.BlockDeviceMappings {
		if bdm.Ebs != nil && bdm.Ebs.SnapshotId != nil {
			ids = append(ids, aws.ToString(bdm.Ebs.SnapshotId))
		}
	}
	return ids
}
