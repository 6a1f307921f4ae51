package awslookup

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
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
// the same source AMI as the bake itself.
func ResolveSourceAMIFilter(ctx context.Context, client EC2DescribeImagesAPI, f SourceAMIFilter) (string, error) {
	if len(f.Owners) == 0 {
		return "", errors.New("source_ami_filter: owners must be set (for security, as in amazon-ebs)")
	}
	filters, err := ec2Filters(f.Filters)
	if err != nil {
		return "", err
	}
	in := &ec2.DescribeImagesInput{Owners: f.Owners, Filters: filters, IncludeDeprecated: aws.Bool(f.IncludeDeprecated)}
	best, count, err := newestImage(ctx, client, in, 0)
	switch {
	case err != nil:
		return "", fmt.Errorf("source_ami_filter: %w", apiError("DescribeImages", err))
	case count == 0:
		return "", fmt.Errorf("source_ami_filter: no image matches filters %v (owners %v)", f.Filters, f.Owners)
	case count > 1 && !f.MostRecent:
		return "", fmt.Errorf("source_ami_filter: filters %v (owners %v) match %d images: set most_recent = true to take the newest", f.Filters, f.Owners, count)
	}
	return aws.ToString(best.ImageId), nil
}

// ec2Filters turns filter name → "v1,v2" into EC2 filters, sorted by name
// so that requests are reproducible. A value is one CSV record, so a quoted
// value may hold a comma.
func ec2Filters(in map[string]string) ([]types.Filter, error) {
	var out []types.Filter
	for _, name := range slices.Sorted(maps.Keys(in)) {
		r := csv.NewReader(strings.NewReader(in[name]))
		r.TrimLeadingSpace = true
		r.LazyQuotes = true
		values, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("source_ami_filter: filter %q value %q: %w", name, in[name], err)
		}
		out = append(out, types.Filter{Name: aws.String(name), Values: values})
	}
	return out, nil
}
