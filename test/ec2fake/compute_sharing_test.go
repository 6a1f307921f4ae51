package ec2fake

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestKeyPairsAreAnAtomicCreateWithTagsAndCreateTime(t *testing.T) {
	_, _, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	in := &ec2.CreateKeyPairInput{KeyName: aws.String("claim"), KeyType: ec2types.KeyTypeEd25519,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeKeyPair, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}}
	first, err := cl.CreateKeyPair(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateKeyPair(ctx, in); apiCode(err) != "InvalidKeyPair.Duplicate" {
		t.Fatalf("second create: %v, want InvalidKeyPair.Duplicate", err)
	}
	// Another region has its own names.
	if _, err := clients["eu-west-1"].CreateKeyPair(ctx, in); err != nil {
		t.Fatalf("create in another region: %v", err)
	}
	out, err := cl.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: []ec2types.Filter{{Name: aws.String("key-name"), Values: []string{"claim"}}}})
	if err != nil || len(out.KeyPairs) != 1 {
		t.Fatalf("describe by filter: %+v, %v", out, err)
	}
	kp := out.KeyPairs[0]
	if aws.ToString(kp.KeyPairId) != aws.ToString(first.KeyPairId) || kp.CreateTime == nil || time.Since(*kp.CreateTime) > time.Minute || len(kp.Tags) != 1 {
		t.Errorf("key pair %+v", kp)
	}
	if _, err := cl.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}}); apiCode(err) != "InvalidKeyPair.NotFound" {
		t.Errorf("describe an unknown name: %v, want InvalidKeyPair.NotFound", err)
	}
	// Deleting by an id that is gone succeeds and deletes nothing else.
	if _, err := cl.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: aws.String("key-0000000000000dead")}); err != nil {
		t.Errorf("delete an unknown id: %v", err)
	}
	if _, err := cl.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: first.KeyPairId}); err != nil {
		t.Fatal(err)
	}
	if out, _ := cl.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{}); len(out.KeyPairs) != 0 {
		t.Errorf("key pairs after delete: %+v", out.KeyPairs)
	}
}

func TestSharingIsIdempotentAndDeprecationRoundsToTheMinute(t *testing.T) {
	s, c, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	img := c.AddImage("us-east-1", Image{Name: "app"})
	add := &ec2.ModifyImageAttributeInput{ImageId: aws.String(img.ID), LaunchPermission: &ec2types.LaunchPermissionModifications{
		Add: []ec2types.LaunchPermission{{UserId: aws.String("210987654321")}, {Group: ec2types.PermissionGroupAll}}}}
	for range 2 {
		if _, err := cl.ModifyImageAttribute(ctx, add); err != nil {
			t.Fatal(err)
		}
	}
	attr, err := cl.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(img.ID), Attribute: ec2types.ImageAttributeNameLaunchPermission})
	if err != nil || len(attr.LaunchPermissions) != 2 {
		t.Fatalf("launch permissions after adding twice: %+v, %v", attr, err)
	}
	snap := img.BlockDevices[0].SnapshotID
	for range 2 {
		if _, err := cl.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
			CreateVolumePermission: &ec2types.CreateVolumePermissionModifications{Add: []ec2types.CreateVolumePermission{{UserId: aws.String("210987654321")}}}}); err != nil {
			t.Fatal(err)
		}
	}
	sattr, err := cl.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snap), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
	if err != nil || len(sattr.CreateVolumePermissions) != 1 {
		t.Fatalf("snapshot permissions after adding twice: %+v, %v", sattr, err)
	}
	at := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute).Add(31 * time.Second)
	if _, err := cl.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: aws.String(img.ID), DeprecateAt: aws.Time(at)}); err != nil {
		t.Fatal(err)
	}
	out, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{img.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.Images[0].DeprecationTime), at.Round(time.Minute).Format("2006-01-02T15:04:05.000Z"); got != want {
		t.Errorf("deprecation time %s, want %s (rounded to the nearest minute)", got, want)
	}
	if _, err := cl.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: aws.String(img.ID), DeprecateAt: aws.Time(time.Now().Add(-time.Hour))}); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("deprecation in the past: %v, want InvalidParameterValue", err)
	}
	for range 2 { // an image without a deprecation answers true as well
		if _, err := cl.DisableImageDeprecation(ctx, &ec2.DisableImageDeprecationInput{ImageId: aws.String(img.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{img.ID}}); err != nil || out.Images[0].DeprecationTime != nil {
		t.Errorf("after DisableImageDeprecation: %v, %v", out, err)
	}
	if _, err := cl.DisableImageDeprecation(ctx, &ec2.DisableImageDeprecationInput{ImageId: aws.String("ami-00000000000000000")}); apiCode(err) != "InvalidAMIID.NotFound" {
		t.Errorf("disable an unknown image: %v, want InvalidAMIID.NotFound", err)
	}
	// A snapshot an image uses cannot be deleted; after deregistering it can.
	if _, err := cl.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)}); apiCode(err) != "InvalidSnapshot.InUse" {
		t.Errorf("delete a snapshot in use: %v, want InvalidSnapshot.InUse", err)
	}
	if _, err := cl.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(img.ID)}); err != nil {
		t.Fatal(err)
	}
	if len(c.Snapshots("us-east-1")) != 1 {
		t.Errorf("DeregisterImage deleted the snapshot; EC2 leaves it")
	}
	if _, err := cl.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)}); err != nil {
		t.Errorf("delete a free snapshot: %v", err)
	}
	_ = s
}

// EC2 lists another account's deprecated image only when it is asked for by id or with
// IncludeDeprecated; the owner always sees its own.
func TestDeprecatedImagesOfOtherAccountsAreHidden(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Minute)
	// Shared with the caller, so only deprecation can hide them.
	grant := []LaunchPermission{{UserID: s.AccountID()}}
	shared := s.AddImage("us-east-1", Image{Name: "shared-old", OwnerID: "210987654321", LaunchPermissions: grant, DeprecationTime: past})
	future := s.AddImage("us-east-1", Image{Name: "shared-later", OwnerID: "210987654321", LaunchPermissions: grant, DeprecationTime: time.Now().Add(time.Hour)})
	own := s.AddImage("us-east-1", Image{Name: "own-old", DeprecationTime: past})
	list := func(in *ec2.DescribeImagesInput) []string {
		t.Helper()
		out, err := cl.DescribeImages(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, im := range out.Images {
			ids = append(ids, aws.ToString(im.ImageId))
		}
		slices.Sort(ids)
		return ids
	}
	all := []string{shared.ID, future.ID, own.ID}
	slices.Sort(all)
	visible := []string{future.ID, own.ID}
	slices.Sort(visible)
	if got := list(&ec2.DescribeImagesInput{}); !slices.Equal(got, visible) {
		t.Errorf("plain listing %v, want %v (not the other account's deprecated image)", got, visible)
	}
	if got := list(&ec2.DescribeImagesInput{IncludeDeprecated: aws.Bool(true)}); !slices.Equal(got, all) {
		t.Errorf("IncludeDeprecated listing %v, want %v", got, all)
	}
	if got := list(&ec2.DescribeImagesInput{ImageIds: []string{shared.ID}}); !slices.Equal(got, []string{shared.ID}) {
		t.Errorf("by id %v, want %v", got, shared.ID)
	}
}

// EC2's limit for DeprecateAt: 10 years from now for a private image, 2 years
// from its creation date for a public one (made public by group "all").
func TestDeprecationLimitsOfPrivateAndPublicImages(t *testing.T) {
	_, c, clients := computeClient(t, ComputeOptions{})
	ctx := context.Background()
	cl := clients["us-east-1"]
	created := time.Now().Add(-365 * 24 * time.Hour).UTC()
	img := c.AddImage("us-east-1", Image{Name: "app", CreationDate: created})
	deprecate := func(at time.Time) error {
		_, err := cl.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: aws.String(img.ID), DeprecateAt: aws.Time(at)})
		return err
	}
	threeYears := time.Now().AddDate(3, 0, 0)
	if err := deprecate(threeYears); err != nil {
		t.Fatalf("a private image deprecated in 3 years: %v", err)
	}
	if err := deprecate(time.Now().AddDate(10, 0, 1)); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("a private image deprecated beyond 10 years: %v, want InvalidParameterValue", err)
	}

	if _, err := cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(img.ID), LaunchPermission: &ec2types.LaunchPermissionModifications{
		Add: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}}); err != nil {
		t.Fatal(err)
	}
	out, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{img.ID}})
	if err != nil || !aws.ToBool(out.Images[0].Public) {
		t.Fatalf("group all did not make the image public: %+v, %v", out, err)
	}
	err = deprecate(threeYears)
	if apiCode(err) != "InvalidParameterValue" || !strings.Contains(err.Error(), img.ID) {
		t.Errorf("a public image deprecated 4 years after its creation: %v, want InvalidParameterValue naming the image", err)
	}
	if got := deprecationOf(t, cl, img.ID); !got.Equal(threeYears.UTC().Round(time.Minute)) {
		t.Errorf("the refused call changed the deprecation time to %v", got)
	}
	inLimit := created.AddDate(2, 0, 0).Add(-time.Hour)
	if err := deprecate(inLimit); err != nil {
		t.Errorf("a public image deprecated within 2 years of its creation: %v", err)
	}
	if err := deprecate(created.AddDate(2, 0, 0).Add(2 * time.Minute)); apiCode(err) != "InvalidParameterValue" {
		t.Errorf("a public image deprecated just beyond 2 years after its creation: %v, want InvalidParameterValue", err)
	}

	if _, err := cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(img.ID), LaunchPermission: &ec2types.LaunchPermissionModifications{
		Remove: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}}); err != nil {
		t.Fatal(err)
	}
	if err := deprecate(threeYears); err != nil {
		t.Errorf("private again, deprecated in 3 years: %v", err)
	}
}

func deprecationOf(t *testing.T, cl *ec2.Client, id string) time.Time {
	t.Helper()
	out, err := cl.DescribeImages(context.Background(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, aws.ToString(out.Images[0].DeprecationTime))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

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
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToBool(byID.Images[0].Public); got != public {
			t.Errorf("%s isPublic %v, want %v", id, got, public)
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
