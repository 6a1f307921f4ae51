//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-amazon/common/clients"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// baseAMINameTemplate is data "spinnaker-bake" with a base AMI given by name, in two regions.
const baseAMINameTemplate = `
variable "ec2_endpoint" { type = string }

data "spinnaker-bake" "app" {
  package_name = "hello-svc_1.0.1-h6_all"
  base_os      = "debian"
  base_ami     = "debian-12-amd64-*"
  owners       = ["self"]
  most_recent  = true
  region       = "us-east-1"
  regions      = ["us-west-2"]

  custom_endpoint_ec2        = var.ec2_endpoint
  skip_credential_validation = true
}
` + printDatasourceOutputs

// TestBakeDataSourceBaseAMINameAsSourceAMIFilter: through a real packer build, a base AMI given
// by name resolves in each region to the AMI amazon-ebs's source_ami_filter selects for the same
// name, state=available, virtualization type, owners and most_recent (asked of the same EC2
// fake), also among images created in the same second, and the strict key and image spec hold
// the primary region's.
func TestBakeDataSourceBaseAMINameAsSourceAMIFilter(t *testing.T) {
	p := harness.NewPacker(t)
	fake := ec2fake.New(ec2fake.Options{})
	endpoint := serveFakeEC2(t, fake)
	second := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	// us-east-1: two images of one second, the later millisecond listed first.
	fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-late", CreationDate: second.Add(900 * time.Millisecond)})
	early := fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-early", CreationDate: second.Add(100 * time.Millisecond)})
	// us-west-2: the newest image is paravirtual, the next is pending; the hvm one before them wins.
	west := fake.AddImage("us-west-2", ec2fake.Image{Name: "debian-12-amd64-1", CreationDate: second})
	fake.AddImage("us-west-2", ec2fake.Image{Name: "debian-12-amd64-pv", VirtualizationType: "paravirtual", CreationDate: second.Add(2 * time.Hour)})
	fake.AddImage("us-west-2", ec2fake.Image{Name: "debian-12-amd64-2", State: "pending", CreationDate: second.Add(time.Hour)})

	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKEFORE2ETESTS1", "fake-secret", "")}
	amazonEBS := map[string]string{}
	for region, client := range awslookup.RegionClients(cfg, endpoint, []string{"us-east-1", "us-west-2"}) {
		filter := awscommon.AmiFilterOptions{
			Filters: map[string]string{"name": "debian-12-amd64-*", "state": "available", "virtualization-type": "hvm"},
			Owners:  []string{"self"}, MostRecent: true,
		}
		img, err := filter.GetFilteredImage(context.Background(), &ec2.DescribeImagesInput{}, client.(clients.Ec2Client))
		if err != nil {
			t.Fatalf("%s: amazon-ebs's source_ami_filter: %v", region, err)
		}
		amazonEBS[region] = aws.ToString(img.ImageId)
	}
	if want := map[string]string{"us-east-1": early.ID, "us-west-2": west.ID}; !reflect.DeepEqual(amazonEBS, want) {
		t.Fatalf("amazon-ebs's source_ami_filter selects %v, the test expects %v", amazonEBS, want)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "base.pkr.hcl"), []byte(baseAMINameTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	fake.ResetCalls()
	out, err := p.Build(t, dir, "-var", "ec2_endpoint="+endpoint)
	mustSucceed(t, out, err)
	var got struct {
		SourceAMI   map[string]string `json:"source_ami"`
		KeyDocument string            `json:"key_document"`
		SpecDoc     string            `json:"image_spec_document"`
	}
	if err := json.Unmarshal(printedOutputs(t, out), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.SourceAMI, amazonEBS) {
		t.Errorf("source_ami = %v, amazon-ebs starts from %v", got.SourceAMI, amazonEBS)
	}
	for name, doc := range map[string]string{"key_document": got.KeyDocument, "image_spec_document": got.SpecDoc} {
		if !strings.Contains(doc, `"source_ami":"`+early.ID+`"`) {
			t.Errorf("%s does not hold the primary region's source AMI %s: %s", name, early.ID, doc)
		}
	}
	// One name lookup per region, with the filters and owners amazon-ebs would send.
	lookups := map[string]int{}
	for _, c := range fake.Calls() {
		if c.Action == "DescribeImages" && c.Form.Get("Filter.1.Name") == "name" {
			lookups[c.Region]++
			if c.Form.Get("Filter.1.Value.1") != "debian-12-amd64-*" || c.Form.Get("Filter.2.Value.1") != "available" ||
				c.Form.Get("Filter.3.Value.1") != "hvm" || c.Form.Get("Owner.1") != "self" {
				t.Errorf("name lookup %v", c.Form)
			}
		}
	}
	if want := map[string]int{"us-east-1": 1, "us-west-2": 1}; !reflect.DeepEqual(lookups, want) {
		t.Errorf("name lookups per region = %v, want %v", lookups, want)
	}
}
