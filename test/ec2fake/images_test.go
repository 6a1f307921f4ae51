package ec2fake

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// An image is public exactly when it has launch permission group "all", as
// in EC2: a seeded public image shows the grant in DescribeImageAttribute and
// isPublic in DescribeImages, and removing the grant makes it private.
func TestPublicIsLaunchPermissionGroupAll(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	seed, err := DecodeSeed(strings.NewReader(`{"images": {"us-east-1": [{"name": "shared", "launch_permissions": [{"group": "all"}]}, {"name": "own"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	s.Load(seed)
	if _, err := DecodeSeed(strings.NewReader(`{"images": {"us-east-1": [{"name": "x", "public": true}]}}`)); err == nil {
		t.Error(`a seed with "public" was accepted; launch_permissions group all is what makes an image public`)
	}
	imgs := s.Images("us-east-1")
	shared, own := imgs[0].ID, imgs[1].ID

	check := func(id string, public bool) {
		t.Helper()
		attr, err := cl.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(id), Attribute: ec2types.ImageAttributeNameLaunchPermission})
		if err != nil {
			t.Fatal(err)
		}
		granted := len(attr.LaunchPermissions) == 1 && attr.LaunchPermissions[0].Group == ec2types.PermissionGroupAll
		if len(attr.LaunchPermissions) > 1 || granted != public {
			t.Errorf("%s launch permissions %+v, want group all: %v", id, attr.LaunchPermissions, public)
		}
		byID, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		if err != nil || aws.ToBool(byID.Images[0].Public) != public {
			t.Errorf("%s isPublic %v (%v), want %v", id, aws.ToBool(byID.Images[0].Public), err, public)
		}
		filtered, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("is-public"), Values: []string{"true"}}}})
		if err != nil {
			t.Fatal(err)
		}
		listed := slices.ContainsFunc(filtered.Images, func(img ec2types.Image) bool { return aws.ToString(img.ImageId) == id })
		if listed != public {
			t.Errorf("%s listed by is-public=true: %v, want %v", id, listed, public)
		}
	}
	check(shared, true)
	check(own, false)
	if _, err := cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(shared), LaunchPermission: &ec2types.LaunchPermissionModifications{
		Remove: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}}); err != nil {
		t.Fatal(err)
	}
	check(shared, false)
}
