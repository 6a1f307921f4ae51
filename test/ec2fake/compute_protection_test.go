package ec2fake

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestDeregistrationProtectionRefusesDeregisterImageUntilDisabled(t *testing.T) {
	s, c, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	protection := func(id string) string {
		t.Helper()
		out, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		if err != nil || len(out.Images) != 1 {
			t.Fatalf("describe %s: %+v, %v", id, out, err)
		}
		return aws.ToString(out.Images[0].DeregistrationProtection)
	}
	plain := c.AddImage("us-east-1", Image{Name: "plain"})
	if got := protection(plain.ID); got != "disabled" {
		t.Errorf("a new image's protection = %q, want disabled", got)
	}

	// Without the cooldown: refused while enabled, deregistered once disabled.
	on, err := cl.EnableImageDeregistrationProtection(ctx, &ec2.EnableImageDeregistrationProtectionInput{ImageId: aws.String(plain.ID)})
	if err != nil || aws.ToString(on.Return) != "true" {
		t.Fatalf("enable: %+v, %v", on, err)
	}
	if got := protection(plain.ID); got != "enabled-without-cooldown" {
		t.Errorf("protection = %q", got)
	}
	if _, err := cl.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(plain.ID)}); apiCode(err) != "OperationNotPermitted" {
		t.Fatalf("deregister a protected image: %v, want OperationNotPermitted", err)
	}
	off, err := cl.DisableImageDeregistrationProtection(ctx, &ec2.DisableImageDeregistrationProtectionInput{ImageId: aws.String(plain.ID)})
	if err != nil || aws.ToString(off.Return) != "true" {
		t.Fatalf("disable: %+v, %v", off, err)
	}
	if _, err := cl.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(plain.ID)}); err != nil {
		t.Fatalf("deregister after disabling: %v", err)
	}

	// With the cooldown: still refused for 24 hours after it is disabled.
	cool := c.AddImage("us-east-1", Image{Name: "cool"})
	if _, err := cl.EnableImageDeregistrationProtection(ctx, &ec2.EnableImageDeregistrationProtectionInput{ImageId: aws.String(cool.ID), WithCooldown: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if got := protection(cool.ID); got != "enabled-with-cooldown" {
		t.Errorf("protection = %q", got)
	}
	off, err = cl.DisableImageDeregistrationProtection(ctx, &ec2.DisableImageDeregistrationProtectionInput{ImageId: aws.String(cool.ID)})
	if err != nil || aws.ToString(off.Return) != "true" {
		t.Fatalf("disable with the cooldown: %+v, %v", off, err)
	}
	if got := protection(cool.ID); !strings.HasPrefix(got, "disabled-after ") {
		t.Errorf("protection after disabling with the cooldown = %q, want disabled-after <time>", got)
	}
	if _, err := cl.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(cool.ID)}); apiCode(err) != "OperationNotPermitted" {
		t.Fatalf("deregister during the cooldown: %v, want OperationNotPermitted", err)
	}
	// Once the cooldown has passed, the image can go.
	s.UpdateImage("us-east-1", cool.ID, func(img *Image) { img.DeregistrationProtection.DisabledAfter = time.Now().Add(-time.Second) })
	if got := protection(cool.ID); got != "disabled" {
		t.Errorf("protection after the cooldown = %q, want disabled", got)
	}
	if _, err := cl.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(cool.ID)}); err != nil {
		t.Fatalf("deregister after the cooldown: %v", err)
	}

	if _, err := cl.EnableImageDeregistrationProtection(ctx, &ec2.EnableImageDeregistrationProtectionInput{ImageId: aws.String("ami-0000000000000dead")}); apiCode(err) != "InvalidAMIID.NotFound" {
		t.Errorf("enable on an unknown image: %v, want InvalidAMIID.NotFound", err)
	}
}

func TestDescribeSnapshotsReadsTheTagsCreateTagsWrote(t *testing.T) {
	_, c, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	img := c.AddImage("us-east-1", Image{Name: "app"})
	snap := img.BlockDevices[0].SnapshotID
	if _, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{snap}, Tags: []ec2types.Tag{{Key: aws.String("cost"), Value: aws.String("payments")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := cl.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
	if err != nil || len(out.Snapshots) != 1 {
		t.Fatalf("describe: %+v, %v", out, err)
	}
	s := out.Snapshots[0]
	if aws.ToString(s.SnapshotId) != snap || len(s.Tags) != 1 || aws.ToString(s.Tags[0].Key) != "cost" || aws.ToString(s.Tags[0].Value) != "payments" || s.State != ec2types.SnapshotStateCompleted {
		t.Errorf("snapshot %+v", s)
	}
	byTag, err := cl.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{{Name: aws.String("tag:cost"), Values: []string{"payments"}}}})
	if err != nil || len(byTag.Snapshots) != 1 {
		t.Errorf("describe by tag: %+v, %v", byTag, err)
	}
	// Another region has its own snapshots.
	if _, err := clients["eu-west-1"].DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}}); apiCode(err) != "InvalidSnapshot.NotFound" {
		t.Errorf("describe in another region: %v, want InvalidSnapshot.NotFound", err)
	}
	if _, err := cl.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{Filters: []ec2types.Filter{{Name: aws.String("volume-size"), Values: []string{"8"}}}}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("an unknown filter: %v, want InvalidParameterValue", err)
	}
}
