package awslookup

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
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
	in := &ec2.DescribeImagesInput{
		Owners: q.Owners,
		Filters: []types.Filter{
			{Name: aws.String("name"), Values: []string{q.BaseAMI}},
			{Name: aws.String("state"), Values: []string{"available"}},
		},
	}
	if q.VMType != "" {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String("virtualization-type"), Values: []string{EC2VirtualizationType(q.VMType)}})
	}
	best, count, err := newestImage(ctx, client, in, 0)
	if err != nil {
		return "", err
	}
	switch {
	case count == 0:
		return "", fmt.Errorf("%w named %q (virtualization type %q, owners %v)", ErrNoBaseImage, q.BaseAMI, q.VMType, q.Owners)
	case count > 1 && !q.MostRecent:
		return "", fmt.Errorf("base AMI name %q matches %d images (virtualization type %q, owners %v): set most_recent = true to take the newest", q.BaseAMI, count, q.VMType, q.Owners)
	}
	return aws.ToString(best.ImageId), nil
}
