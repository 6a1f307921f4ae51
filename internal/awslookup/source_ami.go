package awslookup

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
)

// amiIDPattern is Rosco's test for "this base AMI is an id, not a name".
var amiIDPattern = regexp.MustCompile(`^ami-[a-z0-9]+$`)

// IsAMIID reports whether s is an AMI id rather than an image name.
func IsAMIID(s string) bool { return amiIDPattern.MatchString(s) }

// EC2VirtualizationType maps Rosco's vm_type to EC2's virtualization-type
// value: Rosco says "pv" where EC2 says "paravirtual".
func EC2VirtualizationType(vmType string) string {
	if vmType == "pv" {
		return "paravirtual"
	}
	return vmType
}

// ErrNoBaseImage is wrapped by ResolveSourceAMI when no image has the name.
var ErrNoBaseImage = errors.New("no base image found")

// SourceAMIQuery describes a base AMI to resolve.
type SourceAMIQuery struct {
	// BaseAMI is an AMI id (returned as is) or an image name.
	BaseAMI string
	// VMType filters by virtualization type: Rosco's "hvm" or "pv" (sent to
	// EC2 as "paravirtual"), or EC2's own value; "" does not filter.
	VMType string
	// Owners is required for a name: a name alone could match anyone's public image.
	Owners []string
	// MostRecent picks the newest of several matches; without it several
	// matches are an error, as in the amazon plugin.
	MostRecent bool
}

// ResolveSourceAMI returns the AMI id for q in the client's region.
//
// A name is resolved by the amazon plugin's AmiFilterOptions.GetFilteredImage, as amazon-ebs
// resolves a source_ami_filter whose filters are name = q.BaseAMI, state = available and
// virtualization-type = q.VMType, with q's owners and most_recent: the same single DescribeImages
// call with amazon's retries, and the same choice of the newest image (to the second; which of
// several images of the same second depends on the order EC2 lists them in). So a name that a
// builder's source_ami_filter also selects by gives the same AMI here, and the key names the AMI
// the bake starts from.
//
// The filters go in the request rather than in AmiFilterOptions.Filters, which amazon reads as
// CSV records: that would split a name at a comma and drop its leading spaces. Only the errors are
// this package's: amazon's flatten EC2's error into text and do not name the base AMI, so
// describeCall keeps what EC2 answered and the error names the value and keeps EC2's code.
func ResolveSourceAMI(ctx context.Context, client EC2DescribeImagesAPI, q SourceAMIQuery) (string, error) {
	if q.BaseAMI == "" {
		return "", errors.New("base AMI is empty")
	}
	if IsAMIID(q.BaseAMI) {
		return q.BaseAMI, nil
	}
	if len(q.Owners) == 0 {
		return "", fmt.Errorf("base AMI %q is an image name: owners must be set to look it up (for security, as in the amazon plugin)", q.BaseAMI)
	}
	in := &ec2.DescribeImagesInput{Filters: []types.Filter{
		{Name: aws.String("name"), Values: []string{q.BaseAMI}},
		{Name: aws.String("state"), Values: []string{"available"}},
	}}
	if q.VMType != "" {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String("virtualization-type"), Values: []string{EC2VirtualizationType(q.VMType)}})
	}
	opts := awscommon.AmiFilterOptions{Owners: q.Owners, MostRecent: q.MostRecent}
	call := &describeCall{api: client}
	img, err := opts.GetFilteredImage(ctx, in, call)
	switch {
	case call.err != nil:
		return "", call.err
	case err == nil:
		return aws.ToString(img.ImageId), nil
	case call.matched == 0:
		return "", fmt.Errorf("%w named %q (virtualization type %q, owners %v)", ErrNoBaseImage, q.BaseAMI, q.VMType, q.Owners)
	case call.matched > 1 && !q.MostRecent:
		return "", fmt.Errorf("base AMI name %q matches %d images (virtualization type %q, owners %v): set most_recent = true to take the newest", q.BaseAMI, call.matched, q.VMType, q.Owners)
	}
	return "", fmt.Errorf("base AMI name %q: %w", q.BaseAMI, err)
}
