package ec2fake

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const (
	otherAccount = "210987654321"
	thirdAccount = "555555555555"
)

// visibleIDs lists, sorted, the ids DescribeImages answers the caller.
func visibleIDs(t *testing.T, cl *ec2.Client, in *ec2.DescribeImagesInput) []string {
	t.Helper()
	out, err := cl.DescribeImages(context.Background(), in)
	if err != nil {
		t.Fatalf("DescribeImages %+v: %v", in, err)
	}
	var ids []string
	for _, img := range out.Images {
		ids = append(ids, aws.ToString(img.ImageId))
	}
	slices.Sort(ids)
	return ids
}

func sortedIDs(imgs ...Image) []string {
	var ids []string
	for _, img := range imgs {
		ids = append(ids, img.ID)
	}
	slices.Sort(ids)
	return ids
}

// EC2 shows a caller its own images, public ones and those whose launch
// permissions name its account; another account's private image is not
// listed, is NotFound by id, and becomes visible once shared or public.
func TestAnotherAccountsPrivateImageIsInvisibleUntilShared(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{})
	cl := clients["us-east-1"]
	caller := s.AccountID()
	private := s.AddImage("us-east-1", Image{Name: "private", OwnerID: otherAccount})
	sharedWithCaller := s.AddImage("us-east-1", Image{Name: "shared", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{UserID: caller}}})
	public := s.AddImage("us-east-1", Image{Name: "public", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{Group: "all"}}})
	s.AddImage("us-east-1", Image{Name: "shared-elsewhere", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{UserID: thirdAccount}}})
	s.AddImage("us-east-1", Image{Name: "org", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{OrganizationARN: "arn:aws:organizations::210987654321:organization/o-abc123"}}})
	own := s.AddImage("us-east-1", Image{Name: "own"})

	if got, want := visibleIDs(t, cl, &ec2.DescribeImagesInput{}), sortedIDs(sharedWithCaller, public, own); !slices.Equal(got, want) {
		t.Errorf("plain listing %v, want %v (own, public, shared with the caller)", got, want)
	}
	if got, want := visibleIDs(t, cl, &ec2.DescribeImagesInput{Owners: []string{otherAccount}}), sortedIDs(sharedWithCaller, public); !slices.Equal(got, want) {
		t.Errorf("owner %s: %v, want %v", otherAccount, got, want)
	}
	byName := &ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"private"}}}}
	if got := visibleIDs(t, cl, byName); len(got) != 0 {
		t.Errorf("name filter found %v, want nothing", got)
	}
	notFoundByID := func(why string) {
		t.Helper()
		_, err := cl.DescribeImages(context.Background(), &ec2.DescribeImagesInput{ImageIds: []string{private.ID, own.ID}})
		if apiCode(err) != "InvalidAMIID.NotFound" {
			t.Errorf("by id %s: %v, want InvalidAMIID.NotFound", why, err)
		}
	}
	notFoundByID("while private")

	// The owner shares it with the caller's account.
	s.UpdateImage("us-east-1", private.ID, func(img *Image) {
		img.LaunchPermissions = append(img.LaunchPermissions, LaunchPermission{UserID: caller})
	})
	if got, want := visibleIDs(t, cl, &ec2.DescribeImagesInput{ImageIds: []string{private.ID}}), sortedIDs(private); !slices.Equal(got, want) {
		t.Errorf("by id once shared: %v, want %v", got, want)
	}
	if got, want := visibleIDs(t, cl, byName), sortedIDs(private); !slices.Equal(got, want) {
		t.Errorf("name filter once shared: %v, want %v", got, want)
	}

	// ... takes the grant back, then makes it public.
	s.UpdateImage("us-east-1", private.ID, func(img *Image) { img.LaunchPermissions = nil })
	notFoundByID("after the grant is removed")
	s.UpdateImage("us-east-1", private.ID, func(img *Image) { img.LaunchPermissions = []LaunchPermission{{Group: "all"}} })
	if got, want := visibleIDs(t, cl, byName), sortedIDs(private); !slices.Equal(got, want) {
		t.Errorf("name filter once public: %v, want %v", got, want)
	}
}

// ExecutableBy keeps the images with an explicit launch permission for the
// account ("self" is the caller), or public ones for "all"; it narrows what
// the caller sees and never reveals an image it cannot see.
func TestExecutableByNarrowsToExplicitGrants(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{})
	cl := clients["us-east-1"]
	caller := s.AccountID()
	sharedWithCaller := s.AddImage("us-east-1", Image{Name: "shared", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{UserID: caller}}})
	public := s.AddImage("us-east-1", Image{Name: "public", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{Group: "all"}}})
	s.AddImage("us-east-1", Image{Name: "shared-elsewhere", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{UserID: thirdAccount}}})
	ownPublic := s.AddImage("us-east-1", Image{Name: "own-public", LaunchPermissions: []LaunchPermission{{Group: "all"}}})
	ownShared := s.AddImage("us-east-1", Image{Name: "own-shared", LaunchPermissions: []LaunchPermission{{UserID: thirdAccount}}})
	s.AddImage("us-east-1", Image{Name: "own-private"})
	amazon := s.AddImage("us-east-1", Image{Name: "amzn", OwnerID: "137112412989", OwnerAlias: "amazon", LaunchPermissions: []LaunchPermission{{Group: "all"}}})

	for _, tc := range []struct {
		name             string
		owners, executes []string
		want             []string
	}{
		{"self: granted to the caller, not merely owned", nil, []string{"self"}, sortedIDs(sharedWithCaller)},
		{"the caller's own id is self", nil, []string{caller}, sortedIDs(sharedWithCaller)},
		{"all: public", nil, []string{"all"}, sortedIDs(public, ownPublic, amazon)},
		{"another account: only grants the caller can see", nil, []string{thirdAccount}, sortedIDs(ownShared)},
		{"any of several", nil, []string{"self", thirdAccount}, sortedIDs(sharedWithCaller, ownShared)},
		{"and owners", []string{"self"}, []string{"all"}, sortedIDs(ownPublic)},
		{"and an owner alias", []string{"amazon"}, []string{"all"}, sortedIDs(amazon)},
	} {
		got := visibleIDs(t, cl, &ec2.DescribeImagesInput{Owners: tc.owners, ExecutableUsers: tc.executes})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s (owners %v, executable by %v): %v, want %v", tc.name, tc.owners, tc.executes, got, tc.want)
		}
	}
}

// Only the owner reads or changes an image's launch permissions: on an image
// the caller sees but does not own EC2 answers AuthFailure (HTTP 400), on one
// it cannot see InvalidAMIID.NotFound, and nothing changes; the owner's
// own modify applies.
func TestLaunchPermissionsAreTheOwnersAlone(t *testing.T) {
	s, _, clients := computeClient(t, ComputeOptions{})
	cl := clients["us-east-1"]
	ctx := context.Background()
	public := s.AddImage("us-east-1", Image{Name: "public", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{Group: "all"}}})
	shared := s.AddImage("us-east-1", Image{Name: "shared", OwnerID: otherAccount, LaunchPermissions: []LaunchPermission{{UserID: s.AccountID()}}})
	private := s.AddImage("us-east-1", Image{Name: "private", OwnerID: otherAccount})
	own := s.AddImage("us-east-1", Image{Name: "own"})
	before := s.Images("us-east-1")

	for _, tc := range []struct {
		img  Image
		code string
	}{{public, "AuthFailure"}, {shared, "AuthFailure"}, {private, "InvalidAMIID.NotFound"}, {own, ""}} {
		_, err := cl.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(tc.img.ID), Attribute: ec2types.ImageAttributeNameLaunchPermission})
		checkRefusal(t, "DescribeImageAttribute "+tc.img.Name, err, tc.code)
		_, err = cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(tc.img.ID), LaunchPermission: &ec2types.LaunchPermissionModifications{
			Add: []ec2types.LaunchPermission{{UserId: aws.String(thirdAccount)}}, Remove: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}})
		checkRefusal(t, "ModifyImageAttribute "+tc.img.Name, err, tc.code)
	}
	after := s.Images("us-east-1")
	for i, img := range before {
		want := img.LaunchPermissions
		if img.ID == own.ID {
			want = []LaunchPermission{{UserID: thirdAccount}}
		}
		if !slices.Equal(after[i].LaunchPermissions, want) {
			t.Errorf("%s launch permissions %+v after the modify, want %+v", img.Name, after[i].LaunchPermissions, want)
		}
	}
}

func checkRefusal(t *testing.T, what string, err error, code string) {
	t.Helper()
	if apiCode(err) != code {
		t.Errorf("%s: %v, want %q", what, err, code)
		return
	}
	var resp *awshttp.ResponseError
	if code == "AuthFailure" && (!errors.As(err, &resp) || resp.HTTPStatusCode() != http.StatusBadRequest) {
		t.Errorf("%s: %v, want HTTP 400", what, err)
	}
}
