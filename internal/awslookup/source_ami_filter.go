package awslookup

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-amazon/common/clients"
)

// SourceAMIFilter is amazon-ebs's `source_ami_filter`: the source AMI is
// whatever DescribeImages returns for these filters and owners.
type SourceAMIFilter struct {
	// Filters maps a DescribeImages filter name to its values, comma
	// separated (read as one CSV record, as amazon-ebs reads them).
	Filters map[string]string
	// Owners restricts the images to these owners; amazon-ebs requires it.
	Owners []string
	// MostRecent picks the newest of several matches; without it several
	// matches are an error, as in amazon-ebs.
	MostRecent bool
	// IncludeDeprecated also returns deprecated images.
	IncludeDeprecated bool
}

// ResolveSourceAMIFilter returns the AMI id amazon-ebs would start from for
// f in the client's region, so that a key computed before the bake names
// the same source AMI as the bake itself. It runs the amazon plugin's own
// AmiFilterOptions.GetFilteredImage, which amazon-ebs's StepSourceAMIInfo
// runs: the same request, the same retries and the same choice among
// images created in the same second (amazon's sort, not this package's
// order by id).
func ResolveSourceAMIFilter(ctx context.Context, client EC2DescribeImagesAPI, f SourceAMIFilter) (string, error) {
	if len(f.Owners) == 0 {
		return "", errors.New("source_ami_filter: owners must be set (for security, as in amazon-ebs)")
	}
	opts := awscommon.AmiFilterOptions{Filters: f.Filters, Owners: f.Owners, MostRecent: f.MostRecent, IncludeDeprecated: f.IncludeDeprecated}
	img, err := opts.GetFilteredImage(ctx, &ec2.DescribeImagesInput{}, &describeCall{api: client})
	if err != nil {
		return "", fmt.Errorf("source_ami_filter %v (owners %v): %w", f.Filters, f.Owners, err)
	}
	return aws.ToString(img.ImageId), nil
}

// describeCall gives the amazon plugin's helpers, which take its whole EC2 client interface, a
// client that may only describe images, and keeps what EC2 answered to the one DescribeImages
// call GetFilteredImage makes: amazon's own errors say neither how many images matched nor, as a
// value, which error EC2 returned. Any other call panics on the nil embedded interface.
type describeCall struct {
	clients.Ec2Client
	api EC2DescribeImagesAPI
	// matched is the number of images EC2 listed; err is EC2's error, as the SDK returned it.
	matched int
	err     error
}

func (d *describeCall) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	out, err := d.api.DescribeImages(ctx, in, opts...)
	d.err = err
	if out != nil {
		d.matched = len(out.Images)
	}
	return out, err
}
