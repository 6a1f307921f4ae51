package bake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"golang.org/x/sync/errgroup"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscoconfig"
)

// awsTimeout bounds everything Execute asks EC2, retries included; Packer
// gives datasources no context of their own.
const awsTimeout = 5 * time.Minute

// ec2Clients creates the EC2 clients on first use only, so that templates
// which look nothing up in EC2 need no AWS credentials at all.
type ec2Clients struct {
	access  *awscommon.AccessConfig
	regions []string
	clients map[string]awslookup.EC2DescribeImagesAPI
}

// get resolves the AWS configuration as amazon-ebs does (credentials chain,
// assume_role, Vault, max_retries, credential validation) and makes a client
// per region from it.
func (e *ec2Clients) get(ctx context.Context) (map[string]awslookup.EC2DescribeImagesAPI, error) {
	if e.clients == nil {
		cfg, err := e.access.Config(ctx)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration: %w", err)
		}
		e.clients = awslookup.RegionClients(*cfg, e.access.CustomEndpointEc2, e.regions)
	}
	return e.clients, nil
}

// run computes every output: source AMIs first (the strict key depends on
// the primary region's), then Rosco's values and the keys, then the lookup.
func run(ctx context.Context, c Config, now time.Time) (DatasourceOutput, error) {
	regions := c.regions()
	ec2 := &ec2Clients{access: &c.AccessConfig, regions: regions}

	sourceAMIs, err := c.resolveSourceAMIs(ctx, ec2)
	if err != nil {
		return DatasourceOutput{}, err
	}
	c.sourceAMI = sourceAMIs[regions[0]]

	out, err := compute(c, now)
	if err != nil {
		return DatasourceOutput{}, err
	}
	out.SourceAMI = sourceAMIs
	c.setRoscoOutputs(&out)

	res, warnings, err := c.findImages(ctx, ec2, out)
	if err != nil {
		return DatasourceOutput{}, err
	}
	out.LookupWarnings = warnings
	out.Found = res.Found
	out.AMIIDs = res.AMIIDs
	out.MissingRegions = res.MissingRegions
	out.AMIID = res.AMIIDs[regions[0]]
	out.Image = FoundImage{Tags: map[string]string{}}
	if img, ok := res.Images[regions[0]]; ok {
		out.Image = FoundImage{ID: img.ID, Name: img.Name, CreationDate: img.CreationDate, OwnerID: img.OwnerID, Tags: img.Tags}
	}
	return out, nil
}

// resolveSourceAMIs returns the source AMI id of every region that has a
// base AMI, looking names up in EC2 (regions concurrently).
func (c Config) resolveSourceAMIs(ctx context.Context, ec2 *ec2Clients) (map[string]string, error) {
	out := map[string]string{}
	var names []string
	for _, region := range ec2.regions {
		base, _ := c.baseAMI(region)
		switch {
		case base == "":
		case awslookup.IsAMIID(base):
			out[region] = base
		default:
			names = append(names, region)
		}
	}
	if len(names) == 0 {
		return out, nil
	}
	clients, err := ec2.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("base_ami: %w", err)
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, region := range names {
		g.Go(func() error {
			base, mostRecent := c.baseAMI(region)
			id, err := awslookup.ResolveSourceAMI(gctx, clients[region], awslookup.SourceAMIQuery{
				BaseAMI: base, VMType: c.VMType, Owners: c.Owners, MostRecent: mostRecent,
			})
			if err != nil {
				return c.sourceAMIError(region, err)
			}
			mu.Lock()
			defer mu.Unlock()
			out[region] = id
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// sourceAMIError names the region and the operation; with rosco_config a
// name that matches nothing gives Rosco's own message.
func (c Config) sourceAMIError(region string, err error) error {
	if c.rosco != nil && errors.Is(err, awslookup.ErrNoBaseImage) {
		req := roscoconfig.Request{BaseOS: c.BaseOS, Region: region, Account: strings.Join(c.Owners, ",")}
		return fmt.Errorf("rosco_config %q: %w", c.RoscoConfig, roscoconfig.NoBaseImageError(req, c.VMType, ""))
	}
	return fmt.Errorf("base_ami: %w", &awslookup.RegionError{Region: region, Operation: "DescribeImages", Err: err})
}

// setRoscoOutputs copies rosco_config's settings for the primary region.
func (c Config) setRoscoOutputs(out *DatasourceOutput) {
	s, ok := c.rosco[out.Region]
	if !ok {
		return
	}
	out.InstanceType = s.InstanceType
	out.SSHUsername = s.SSHUsername
	out.WinRMUsername = s.WinRMUsername
	out.TemplateFile = s.TemplateFile
	out.Repository = s.Repository
	out.SpotPrice = s.SpotPrice
	out.SpotPriceAutoProduct = s.SpotPriceAutoProduct
}

// findImages looks the image up in every region, by the key lookup asks for; with lookup "key" an
// image must also carry the image spec, as for spinnaker-ebs's reuse, and a miss is explained by
// warnings when images carry the key without this spec.
func (c Config) findImages(ctx context.Context, ec2 *ec2Clients, out DatasourceOutput) (awslookup.Result, []string, error) {
	if c.Lookup == awslookup.ModeNone {
		return awslookup.Result{
			AMIIDs:         map[string]string{},
			MissingRegions: slices.Sorted(slices.Values(ec2.regions)),
			Images:         map[string]awslookup.Image{},
		}, []string{}, nil
	}
	q := awslookup.Query{Mode: c.Lookup, KeyTag: c.KeyTag, Owners: c.Owners}
	switch c.Lookup {
	case awslookup.ModeKey:
		if out.ImageSpecDigest == "" {
			// prepareLookup requires a base AMI: never match the key alone here.
			return awslookup.Result{}, nil, errors.New(`lookup key: the image spec is unknown, because the source AMI is; set base_ami`)
		}
		q.Value = out.Key
		q.Tags = map[string]string{imagespec.Tag: out.ImageSpecDigest}
	case awslookup.ModeKeyOnly:
		q.Value = out.Key
	case awslookup.ModeRoscoKey:
		q.RegionValues = out.RoscoKey
	case awslookup.ModeImageName:
		q.Value = out.ImageName
	}
	clients, err := ec2.get(ctx)
	if err != nil {
		return awslookup.Result{}, nil, fmt.Errorf(`lookup %s: %w; to compute the keys without AWS and without looking for an existing image, set lookup = "none"`, c.Lookup, err)
	}
	res, err := awslookup.FindImages(ctx, clients, q)
	if err != nil {
		return awslookup.Result{}, nil, fmt.Errorf("lookup %s: %w", c.Lookup, err)
	}
	if res.MissingRegions == nil {
		res.MissingRegions = []string{}
	}
	warnings := []string{}
	if c.Lookup == awslookup.ModeKey {
		warnings = keyOnlyWarnings(ctx, clients, q, res.MissingRegions)
	}
	return res, warnings, nil
}
