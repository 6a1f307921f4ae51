package awslookup_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-amazon/common/clients"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestResolveSourceAMIFilterAsAmazonEBS(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	older := fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-1", CreationDate: at("2026-11-01T00:00:00Z")})
	newer := fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-2", CreationDate: at("2026-11-02T00:00:00Z")})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-arm64-3", Architecture: "arm64", CreationDate: at("2026-11-03T00:00:00Z")})
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]

	// Values are one CSV record, as amazon-ebs reads them: two names here.
	f := awslookup.SourceAMIFilter{
		Filters: map[string]string{"name": "debian-12-amd64-1, debian-12-amd64-2", "architecture": "x86_64"},
		Owners:  []string{"self"}, MostRecent: true,
	}
	got, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, f)
	if err != nil || got != newer.ID {
		t.Fatalf("ResolveSourceAMIFilter = %q, %v; want the newest match %s (not %s)", got, err, newer.ID, older.ID)
	}
	// amazon's helper sends the filters in map order, so compare them by name.
	form := fake.Calls()[0].Form
	sent := map[string][]string{}
	for i := 1; form.Get(fmt.Sprintf("Filter.%d.Name", i)) != ""; i++ {
		name := form.Get(fmt.Sprintf("Filter.%d.Name", i))
		for j := 1; form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j)) != ""; j++ {
			sent[name] = append(sent[name], form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j)))
		}
	}
	if want := map[string][]string{"architecture": {"x86_64"}, "name": {"debian-12-amd64-1", "debian-12-amd64-2"}}; !reflect.DeepEqual(sent, want) {
		t.Errorf("filters sent %v, want %v", sent, want)
	}
	if form.Get("Owner.1") != "self" || form.Get("IncludeDeprecated") != "false" {
		t.Errorf("form %v", form)
	}

	for name, tc := range map[string]struct {
		f    awslookup.SourceAMIFilter
		want string
	}{
		"several without most_recent": {awslookup.SourceAMIFilter{Filters: map[string]string{"name": "debian-12-amd64-*"}, Owners: []string{"self"}}, "more than one result. Please try a more specific search, or set most_recent to true"},
		"none":                        {awslookup.SourceAMIFilter{Filters: map[string]string{"name": "ubuntu-*"}, Owners: []string{"self"}}, "No AMI was found matching filters"},
		"no owners":                   {awslookup.SourceAMIFilter{Filters: map[string]string{"name": "debian-*"}}, "owners must be set"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// A refusal by EC2 keeps the SDK's own message, which names the operation and the code.
func TestResolveSourceAMIFilterReportsEC2Refusals(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]
	f := awslookup.SourceAMIFilter{Filters: map[string]string{"name": "debian-12-*"}, Owners: []string{"self"}}
	fake.InjectFault(ec2fake.Fault{Code: "UnauthorizedOperation"})
	_, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, f)
	if err == nil || !strings.HasPrefix(err.Error(), "source_ami_filter map[name:debian-12-*] (owners [self]): ") ||
		!strings.Contains(err.Error(), "DescribeImages") || !strings.Contains(err.Error(), "UnauthorizedOperation") {
		t.Errorf("err = %v, want the filter, the operation and EC2's code", err)
	}
}

// Images created in the same second: the key must name the AMI amazon-ebs bakes from, so the
// choice is amazon's, whatever order this package's own lookups use.
func TestResolveSourceAMIFilterChoosesAsAmazonEBS(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	for _, id := range []string{"ami-0000000000000000b", "ami-0000000000000000c", "ami-0000000000000000a"} {
		fake.AddImage("us-east-1", ec2fake.Image{ID: id, Name: "debian-12-" + id, CreationDate: at("2026-06-01T00:00:00Z")})
	}
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]
	opts := awscommon.AmiFilterOptions{Filters: map[string]string{"name": "debian-12-*"}, Owners: []string{"self"}, MostRecent: true}
	want, err := opts.GetFilteredImage(testContext(t), &ec2.DescribeImagesInput{}, client.(clients.Ec2Client))
	if err != nil {
		t.Fatal(err)
	}
	got, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, awslookup.SourceAMIFilter{Filters: opts.Filters, Owners: opts.Owners, MostRecent: true})
	if err != nil || got != aws.ToString(want.ImageId) {
		t.Errorf("ResolveSourceAMIFilter = %q, %v; amazon-ebs starts from %s", got, err, aws.ToString(want.ImageId))
	}
}
