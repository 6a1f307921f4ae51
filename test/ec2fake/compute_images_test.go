package ec2fake

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// A CreateImage or CopyImage that EC2 refuses for its name makes nothing: no
// image and no snapshot, alone or among concurrent creates of that name.
func TestRefusedCreatesLeaveNoSnapshot(t *testing.T) {
	s, c, clients := computeClient(t, ComputeOptions{Launcher: func(context.Context, LaunchRequest) (string, error) {
		return "10.99.0.3", nil
	}})
	ctx := context.Background()
	east, west := clients["us-east-1"], clients["eu-west-1"]
	src := s.AddImage("us-east-1", Image{Name: "app"})
	want := func(region string, images, snapshots int) {
		t.Helper()
		if got := len(s.Images(region)); got != images {
			t.Errorf("%s: %d images, want %d", region, got, images)
		}
		if got := c.Snapshots(region); len(got) != snapshots {
			t.Errorf("%s: snapshots %v, want %d", region, got, snapshots)
		}
	}

	instanceID := runningInstance(t, east, src.ID)
	if _, err := east.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(instanceID), Name: aws.String("app")}); apiCode(err) != "InvalidAMIName.Duplicate" {
		t.Fatalf("CreateImage of a taken name: %v, want InvalidAMIName.Duplicate", err)
	}
	want("us-east-1", 1, 0)

	copyAs := func(name string) error {
		_, err := west.CopyImage(ctx, &ec2.CopyImageInput{SourceRegion: aws.String("us-east-1"), SourceImageId: aws.String(src.ID), Name: aws.String(name)})
		return err
	}
	if err := copyAs("app"); err != nil {
		t.Fatal(err)
	}
	if err := copyAs("app"); apiCode(err) != "InvalidAMIName.Duplicate" {
		t.Fatalf("CopyImage of a taken name: %v, want InvalidAMIName.Duplicate", err)
	}
	want("eu-west-1", 1, 1)

	const n = 16
	errs := make(chan error, n)
	for range n {
		go func() { errs <- copyAs("app-2") }()
	}
	for range n {
		if err := <-errs; err != nil && apiCode(err) != "InvalidAMIName.Duplicate" {
			t.Errorf("concurrent CopyImage: %v", err)
		}
	}
	want("eu-west-1", 2, 2)
}

// runningInstance launches an instance of image and waits until it runs.
func runningInstance(t *testing.T, cl *ec2.Client, image string) string {
	t.Helper()
	run, err := cl.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String(image), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	if err := ec2.NewInstanceRunningWaiter(cl).Wait(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 5*time.Second, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	}); err != nil {
		t.Fatalf("running waiter: %v", err)
	}
	return id
}

// CreateTags on a key pair id that does not exist answers what
// DescribeKeyPairs answers for it: InvalidKeyPair.NotFound, the one code
// EC2's error list has for a missing key pair. Nothing is tagged.
func TestCreateTagsOnAnUnknownKeyPairIDIsInvalidKeyPairNotFound(t *testing.T) {
	_, _, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	kp, err := cl.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("claim")})
	if err != nil {
		t.Fatal(err)
	}
	const unknown = "key-0123456789abcdef0"
	_, describeErr := cl.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyPairIds: []string{unknown}})
	_, tagErr := cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(kp.KeyPairId), unknown},
		Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if apiCode(describeErr) != "InvalidKeyPair.NotFound" || apiCode(tagErr) != "InvalidKeyPair.NotFound" {
		t.Errorf("unknown key pair id: DescribeKeyPairs %v, CreateTags %v; want InvalidKeyPair.NotFound from both", describeErr, tagErr)
	}
	out, err := cl.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyPairIds: []string{aws.ToString(kp.KeyPairId)}})
	if err != nil || len(out.KeyPairs) != 1 || len(out.KeyPairs[0].Tags) != 0 {
		t.Errorf("the refused CreateTags tagged the existing key pair: %+v, %v", out, err)
	}
}
