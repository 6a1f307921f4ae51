package awslookup

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// EC2DescribeImagesAPI is the one EC2 operation the lookup needs.
type EC2DescribeImagesAPI = ec2.DescribeImagesAPIClient

// RegionClients returns one EC2 client per region from one resolved configuration (credentials,
// assume_role and retries are not regional), each pointed at endpoint when it is set: amazon's
// custom_endpoint_ec2, which amazon-ebs applies to its build region only, applies to every region
// here, as in spinnaker-ebs's cache lookup.
func RegionClients(cfg aws.Config, endpoint string, regions []string) map[string]EC2DescribeImagesAPI {
	clients := make(map[string]EC2DescribeImagesAPI, len(regions))
	for _, region := range regions {
		clients[region] = ec2.NewFromConfig(cfg.Copy(), func(o *ec2.Options) {
			o.Region = region
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		})
	}
	return clients
}
