package awslookup

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// ErrNoCredentials is wrapped by EC2Clients when the credential chain finds no credentials.
var ErrNoCredentials = errors.New("no AWS credentials found (access_key and secret_key, profile, the AWS_* environment, the shared files, or instance metadata)")

// EC2DescribeImagesAPI is the one EC2 operation the lookup needs.
type EC2DescribeImagesAPI = ec2.DescribeImagesAPIClient

// NewEC2Client returns an EC2 client for cfg, pointed at custom_endpoint_ec2 when set.
func (c AccessConfig) NewEC2Client(cfg aws.Config) *ec2.Client {
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if c.CustomEndpointEC2 != "" {
			o.BaseEndpoint = aws.String(c.CustomEndpointEC2)
		}
	})
}

// EC2Clients returns one client per region. The configuration is resolved
// once, for the first region (credentials, and STS for assume_role, are not
// regional), and copied with each region.
func (c AccessConfig) EC2Clients(ctx context.Context, regions []string, extra ...func(*config.LoadOptions) error) (map[string]EC2DescribeImagesAPI, error) {
	if len(regions) == 0 {
		return nil, errors.New("ec2 clients: no region given")
	}
	base, err := c.AWSConfig(ctx, regions[0], extra...)
	if err != nil {
		return nil, err
	}
	// Asked once here rather than by every call, so that a missing credential is one clear
	// error instead of a signing failure per region.
	if _, err := base.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCredentials, err)
	}
	clients := make(map[string]EC2DescribeImagesAPI, len(regions))
	for _, region := range regions {
		cfg := base.Copy()
		cfg.Region = region
		clients[region] = c.NewEC2Client(cfg)
	}
	return clients, nil
}
