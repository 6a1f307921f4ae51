package ebs

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// ec2API is what the bake cache calls in EC2. *ec2.Client implements it.
type ec2API interface {
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	CopyImage(ctx context.Context, in *ec2.CopyImageInput, opts ...func(*ec2.Options)) (*ec2.CopyImageOutput, error)
	CreateTags(ctx context.Context, in *ec2.CreateTagsInput, opts ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeregisterImage(ctx context.Context, in *ec2.DeregisterImageInput, opts ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)
	ModifyImageAttribute(ctx context.Context, in *ec2.ModifyImageAttributeInput, opts ...func(*ec2.Options)) (*ec2.ModifyImageAttributeOutput, error)
	DescribeImageAttribute(ctx context.Context, in *ec2.DescribeImageAttributeInput, opts ...func(*ec2.Options)) (*ec2.DescribeImageAttributeOutput, error)
	ModifySnapshotAttribute(ctx context.Context, in *ec2.ModifySnapshotAttributeInput, opts ...func(*ec2.Options)) (*ec2.ModifySnapshotAttributeOutput, error)
	DescribeSnapshotAttribute(ctx context.Context, in *ec2.DescribeSnapshotAttributeInput, opts ...func(*ec2.Options)) (*ec2.DescribeSnapshotAttributeOutput, error)
	EnableImageDeprecation(ctx context.Context, in *ec2.EnableImageDeprecationInput, opts ...func(*ec2.Options)) (*ec2.EnableImageDeprecationOutput, error)
	DisableImageDeprecation(ctx context.Context, in *ec2.DisableImageDeprecationInput, opts ...func(*ec2.Options)) (*ec2.DisableImageDeprecationOutput, error)
	CreateKeyPair(ctx context.Context, in *ec2.CreateKeyPairInput, opts ...func(*ec2.Options)) (*ec2.CreateKeyPairOutput, error)
	DescribeKeyPairs(ctx context.Context, in *ec2.DescribeKeyPairsInput, opts ...func(*ec2.Options)) (*ec2.DescribeKeyPairsOutput, error)
	DeleteSnapshot(ctx context.Context, in *ec2.DeleteSnapshotInput, opts ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
	DeleteKeyPair(ctx context.Context, in *ec2.DeleteKeyPairInput, opts ...func(*ec2.Options)) (*ec2.DeleteKeyPairOutput, error)
	EnableImageDeregistrationProtection(ctx context.Context, in *ec2.EnableImageDeregistrationProtectionInput, opts ...func(*ec2.Options)) (*ec2.EnableImageDeregistrationProtectionOutput, error)
	DisableImageDeregistrationProtection(ctx context.Context, in *ec2.DisableImageDeregistrationProtectionInput, opts ...func(*ec2.Options)) (*ec2.DisableImageDeregistrationProtectionOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
}

// cloud is the EC2 side of one build: the regions it produces images in
// (the build region first) and a client for each.
type cloud struct {
	buildRegion string
	regions     []string
	clients     map[string]ec2API
	// cfg is the resolved AWS configuration, for the artifact.
	cfg *aws.Config
}

// clientFactory connects to EC2 for the configuration's regions.
type clientFactory func(ctx context.Context, c *Config) (*cloud, error)

// connect builds the clients from amazon-ebs's own access configuration, so
// that credentials, assume_role, profiles and Vault behave exactly as in the
// bake. custom_endpoint_ec2 applies to every region: amazon-ebs only applies
// it to the build region's client.
func connect(ctx context.Context, c *Config) (*cloud, error) {
	if !c.VaultAWSEngine.Empty() {
		if err := c.GetCredsFromVault(); err != nil {
			return nil, fmt.Errorf("get AWS credentials from Vault: %w", err)
		}
	}
	cfg, err := c.AccessConfig.Config(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws configuration: %w", err)
	}
	cl := &cloud{buildRegion: cfg.Region, clients: map[string]ec2API{}, cfg: cfg}
	cl.regions = buildRegions(cfg.Region, c.AMIRegions, c.AMISkipBuildRegion)
	if len(cl.regions) == 0 {
		return nil, fmt.Errorf("no region: set region (or AWS_REGION)")
	}
	for _, region := range append([]string{cfg.Region}, cl.regions...) {
		if _, ok := cl.clients[region]; ok || region == "" {
			continue
		}
		cl.clients[region] = ec2.NewFromConfig(cfg.Copy(), func(o *ec2.Options) {
			o.Region = region
			if c.CustomEndpointEc2 != "" {
				o.BaseEndpoint = aws.String(c.CustomEndpointEc2)
			}
		})
	}
	return cl, nil
}

// buildRegions lists the regions a build leaves an image in: the build
// region unless skip_build_region, then ami_regions, without duplicates.
func buildRegions(buildRegion string, amiRegions []string, skipBuildRegion bool) []string {
	var out []string
	if !skipBuildRegion && buildRegion != "" {
		out = append(out, buildRegion)
	}
	for _, r := range amiRegions {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
