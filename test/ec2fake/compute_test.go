package ec2fake

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"golang.org/x/crypto/ssh"
)

// computeClient starts a fake with the compute actions and returns real SDK
// clients for two regions.
func computeClient(t *testing.T, opts ComputeOptions) (*Server, *Compute, map[string]*ec2.Client) {
	t.Helper()
	s := New(Options{})
	c := EnableCompute(s, opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); c.Close() })
	clients := map[string]*ec2.Client{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		clients[region] = ec2.New(ec2.Options{
			Region:       region,
			BaseEndpoint: aws.String(srv.URL),
			Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		})
	}
	return s, c, clients
}

func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestRunInstancesLaunchesThroughLauncherAndWaitsLikeAmazonEBS(t *testing.T) {
	launched := make(chan LaunchRequest, 1)
	s, c, clients := computeClient(t, ComputeOptions{
		Launcher: func(ctx context.Context, req LaunchRequest) (string, error) {
			launched <- req
			return "10.99.0.2", nil
		},
		ImagePendingFor: 300 * time.Millisecond,
		TransitionDelay: 100 * time.Millisecond,
	})
	ctx := context.Background()
	cl := clients["us-east-1"]
	base := s.AddImage("us-east-1", Image{Name: "debian-base"})
	if err := c.ImportKeyPair("us-east-1", "harness", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE3BXZ1yY0p5pQ1qcxYy7o1fbuWw9B8l8h9k2oH1NnJ4 test"); err != nil {
		t.Fatal(err)
	}

	sg, err := cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("packer_x"), Description: aws.String("Temporary group for Packer"), VpcId: aws.String(defaultVPCID)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewSecurityGroupExistsWaiter(cl).Wait(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}}, 5*time.Second); err != nil {
		t.Fatalf("security group waiter: %v", err)
	}
	if _, err := cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpProtocol: aws.String("tcp"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
	}}}); err != nil {
		t.Fatal(err)
	}

	run, err := cl.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(base.ID), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		KeyName: aws.String("harness"), SecurityGroupIds: []string{*sg.GroupId}, SubnetId: aws.String(defaultSubnet),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: "instance", Tags: []ec2types.Tag{{Key: aws.String("spinnaker:bake-key"), Value: aws.String("sha256:abc")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	if got := run.Instances[0].State.Name; got != ec2types.InstanceStateNamePending {
		t.Errorf("RunInstances state = %s, want pending", got)
	}
	req := <-launched
	if req.KeyName != "harness" || !strings.HasPrefix(req.PublicKey, "ssh-ed25519 ") || req.Tags["spinnaker:bake-key"] != "sha256:abc" {
		t.Errorf("launch request = %+v", req)
	}
	if err := ec2.NewInstanceRunningWaiter(cl).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 5*time.Second, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	}); err != nil {
		t.Fatalf("running waiter: %v", err)
	}
	desc, err := cl.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:spinnaker:bake-key"), Values: []string{"sha256:abc"}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	inst := desc.Reservations[0].Instances[0]
	if aws.ToString(inst.PublicIpAddress) != "10.99.0.2" || aws.ToString(inst.PrivateIpAddress) != "10.99.0.2" || aws.ToString(inst.VpcId) != defaultVPCID {
		t.Errorf("instance addresses: public %v private %v vpc %v", aws.ToString(inst.PublicIpAddress), aws.ToString(inst.PrivateIpAddress), aws.ToString(inst.VpcId))
	}

	if _, err := cl.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); apiCode(err) != "DependencyViolation" {
		t.Errorf("DeleteSecurityGroup while in use: err = %v, want DependencyViolation", err)
	}
	if _, err := cl.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceStoppedWaiter(cl).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 5*time.Second, func(o *ec2.InstanceStoppedWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	}); err != nil {
		t.Fatalf("stopped waiter: %v", err)
	}

	img, err := cl.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("app-1"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: "image", Tags: []ec2types.Tag{{Key: aws.String("appversion"), Value: aws.String("app-1.0")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Images("us-east-1")[1].State; got != "pending" {
		t.Errorf("new image state = %s, want pending", got)
	}
	if _, err := cl.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("app-1")}); apiCode(err) != "InvalidAMIName.Duplicate" {
		t.Errorf("duplicate name: err = %v", err)
	}
	if err := ec2.NewImageAvailableWaiter(cl).Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}}, 5*time.Second, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	}); err != nil {
		t.Fatalf("image waiter: %v", err)
	}
	if _, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*img.ImageId}, Tags: []ec2types.Tag{{Key: aws.String("spinnaker:bake-key"), Value: aws.String("sha256:abc")}}}); err != nil {
		t.Fatal(err)
	}

	eu := clients["eu-west-1"]
	cp, err := eu.CopyImage(ctx, &ec2.CopyImageInput{SourceRegion: aws.String("us-east-1"), SourceImageId: img.ImageId, Name: aws.String("app-1"), CopyImageTags: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	copied := s.Images("eu-west-1")
	if len(copied) != 1 || copied[0].ID != *cp.ImageId || copied[0].Tags["spinnaker:bake-key"] != "sha256:abc" || copied[0].Tags["appversion"] != "app-1.0" {
		t.Errorf("copy = %+v", copied)
	}

	if _, err := cl.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceTerminatedWaiter(cl).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 5*time.Second, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	}); err != nil {
		t.Fatalf("terminated waiter: %v", err)
	}
	if _, err := cl.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
		t.Errorf("DeleteSecurityGroup after terminate: %v", err)
	}
	if _, err := eu.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: cp.ImageId}); err != nil {
		t.Fatal(err)
	}
	if _, err := eu.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: cp.ImageId}); apiCode(err) != "InvalidAMIID.NotFound" {
		t.Errorf("second DeregisterImage: err = %v", err)
	}
	if n := s.CallCount("RunInstances"); n != 1 {
		t.Errorf("RunInstances calls = %d, want 1", n)
	}
}

func TestRunInstancesChecksLikeEC2(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{Launcher: func(context.Context, LaunchRequest) (string, error) { return "10.0.0.1", nil }})
	base := s.AddImage("us-east-1", Image{Name: "base"})
	cl := clients["us-east-1"]
	one := aws.Int32(1)
	cases := []struct {
		name string
		in   ec2.RunInstancesInput
		code string
	}{
		{"unknown image", ec2.RunInstancesInput{ImageId: aws.String("ami-0000000000000dead"), MinCount: one, MaxCount: one}, "InvalidAMIID.NotFound"},
		{"image only in another region", ec2.RunInstancesInput{ImageId: aws.String(s.AddImage("eu-west-1", Image{Name: "eu"}).ID), MinCount: one, MaxCount: one}, "InvalidAMIID.NotFound"},
		{"another account's private image", ec2.RunInstancesInput{ImageId: aws.String(s.AddImage("us-east-1", Image{Name: "private", OwnerID: "210987654321"}).ID), MinCount: one, MaxCount: one}, "AuthFailure"},
		{"another account's image shared with the caller", ec2.RunInstancesInput{ImageId: aws.String(s.AddImage("us-east-1", Image{Name: "shared", OwnerID: "210987654321",
			LaunchPermissions: []LaunchPermission{{UserID: s.AccountID()}}}).ID), MinCount: one, MaxCount: one}, ""},
		{"another account's public image", ec2.RunInstancesInput{ImageId: aws.String(s.AddImage("us-east-1", Image{Name: "public", OwnerID: "210987654321",
			LaunchPermissions: []LaunchPermission{{Group: "all"}}}).ID), MinCount: one, MaxCount: one}, ""},
		{"unknown key pair", ec2.RunInstancesInput{ImageId: aws.String(base.ID), MinCount: one, MaxCount: one, KeyName: aws.String("nope")}, "InvalidKeyPair.NotFound"},
		{"unknown group", ec2.RunInstancesInput{ImageId: aws.String(base.ID), MinCount: one, MaxCount: one, SecurityGroupIds: []string{"sg-0000000000000dead"}}, "InvalidGroup.NotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := cl.RunInstances(context.Background(), &tc.in); apiCode(err) != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestFailedLaunchTerminatesWithReason(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{Launcher: func(context.Context, LaunchRequest) (string, error) {
		return "", errors.New("no target left")
	}})
	base := s.AddImage("us-east-1", Image{Name: "base"})
	cl := clients["us-east-1"]
	run, err := cl.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String(base.ID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	err = ec2.NewInstanceRunningWaiter(cl).Wait(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{*run.Instances[0].InstanceId}}, 5*time.Second, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	})
	if err == nil || !strings.Contains(err.Error(), "Failure") {
		t.Errorf("running waiter err = %v, want the waiter's failure state", err)
	}
}

func TestFailNextImageEndsFailed(t *testing.T) {
	s, c, clients := computeClient(t, ComputeOptions{ImagePendingFor: 50 * time.Millisecond})
	src := s.AddImage("us-east-1", Image{Name: "src"})
	c.FailNextImage("eu-west-1", 1)
	cp, err := clients["eu-west-1"].CopyImage(context.Background(), &ec2.CopyImageInput{SourceRegion: aws.String("us-east-1"), SourceImageId: aws.String(src.ID), Name: aws.String("src")})
	if err != nil {
		t.Fatal(err)
	}
	err = ec2.NewImageAvailableWaiter(clients["eu-west-1"]).Wait(context.Background(), &ec2.DescribeImagesInput{ImageIds: []string{*cp.ImageId}}, 5*time.Second, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	if err == nil {
		t.Fatal("image waiter succeeded for a failed image")
	}
}

func TestCreateKeyPairGivesAUsablePrivateKey(t *testing.T) {
	_, c, clients := computeClient(t, ComputeOptions{})
	for _, kt := range []ec2types.KeyType{ec2types.KeyTypeRsa, ec2types.KeyTypeEd25519} {
		out, err := clients["us-east-1"].CreateKeyPair(context.Background(), &ec2.CreateKeyPairInput{KeyName: aws.String("packer_" + string(kt)), KeyType: kt})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ssh.ParsePrivateKey([]byte(aws.ToString(out.KeyMaterial))); err != nil {
			t.Errorf("%s key material: %v", kt, err)
		}
	}
	if got := c.KeyPairs(); len(got) != 2 {
		t.Errorf("key pairs = %v", got)
	}
	if _, err := clients["us-east-1"].DeleteKeyPair(context.Background(), &ec2.DeleteKeyPairInput{KeyName: aws.String("packer_rsa")}); err != nil {
		t.Fatal(err)
	}
	if got := c.KeyPairs(); len(got) != 1 {
		t.Errorf("key pairs after delete = %v", got)
	}
}

func TestDescribeRegionsAndDefaultNetwork(t *testing.T) {
	_, _, clients := computeClient(t, ComputeOptions{Regions: []string{"us-east-1", "eu-west-1"}})
	ctx := context.Background()
	cl := clients["eu-west-1"]
	regions, err := cl.DescribeRegions(ctx, nil)
	if err != nil || len(regions.Regions) != 2 {
		t.Fatalf("DescribeRegions = %v, %v", regions, err)
	}
	vpcs, err := cl.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) != 1 || !aws.ToBool(vpcs.Vpcs[0].IsDefault) {
		t.Fatalf("DescribeVpcs = %v, %v", vpcs, err)
	}
	subnets, err := cl.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{*vpcs.Vpcs[0].VpcId}}}})
	if err != nil || len(subnets.Subnets) != 1 || aws.ToString(subnets.Subnets[0].AvailabilityZone) != "eu-west-1a" {
		t.Fatalf("DescribeSubnets = %v, %v", subnets, err)
	}
}

// Of concurrent copies under one name, exactly one gets the name, as in EC2.
func TestConcurrentCopiesOfOneNameOneSucceeds(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{})
	src := s.AddImage("us-east-1", Image{Name: "src"})
	const n = 16
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := clients["eu-west-1"].CopyImage(context.Background(), &ec2.CopyImageInput{
				SourceRegion: aws.String("us-east-1"), SourceImageId: aws.String(src.ID), Name: aws.String("app")})
			errs <- err
		}()
	}
	ok := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case apiCode(err) != "InvalidAMIName.Duplicate":
			t.Errorf("CopyImage: %v", err)
		}
	}
	if ok != 1 || len(s.Images("eu-west-1")) != 1 {
		t.Errorf("%d copies succeeded, %d images named app; want 1 and 1", ok, len(s.Images("eu-west-1")))
	}
}
