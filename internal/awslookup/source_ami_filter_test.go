package awslookup_test

import (
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/ec2fake"
)

func TestResolveSourceAMIFilterAsAmazonEBS(t *testing.T) {
	fake, ac := newFake(t, ec2fake.Options{DefaultPageSize: 1})
	older := fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-1", CreationDate: at("2026-11-01T00:00:00Z")})
	newer := fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-2", CreationDate: at("2026-11-02T00:00:00Z")})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-arm64-3", Architecture: "arm64", CreationDate: at("2026-11-03T00:00:00Z")})
	client := clientsFor(t, ac, "us-east-1")["us-east-1"]

	// Values are one CSV record, as amazon-ebs reads them: two names here.
	f := awslookup.SourceAMIFilter{
		Filters: map[string]string{"name": "debian-12-amd64-1, debian-12-amd64-2", "architecture": "x86_64"},
		Owners:  []string{"self"}, MostRecent: true,
	}
	got, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, f)
	if err != nil || got != newer.ID {
		t.Fatalf("ResolveSourceAMIFilter = %q, %v; want the newest match %s (not %s)", got, err, newer.ID, older.ID)
	}
	form := fake.Calls()[0].Form
	for k, v := range map[string]string{
		"Owner.1": "self", "Filter.1.Name": "architecture", "Filter.1.Value.1": "x86_64",
		"Filter.2.Name": "name", "Filter.2.Value.1": "debian-12-amd64-1", "Filter.2.Value.2": "debian-12-amd64-2",
		"IncludeDeprecated": "false",
	} {
		if form.Get(k) != v {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
		}
	}

	for name, tc := range map[string]struct {
		f    awslookup.SourceAMIFilter
		want string
	}{
		"several without most_recent": {awslookup.SourceAMIFilter{Filters: map[string]string{"name": "debian-12-amd64-*"}, Owners: []string{"self"}}, "match 2 images: set most_recent = true"},
		"none":                        {awslookup.SourceAMIFilter{Filters: map[string]string{"name": "ubuntu-*"}, Owners: []string{"self"}}, "no image matches filters"},
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

// Only what EC2 answered carries the operation label; our own refusals do not.
func TestResolveSourceAMIFilterLabelsOnlyAPIErrors(t *testing.T) {
	fake, ac := newFake(t, ec2fake.Options{})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-1"})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-2"})
	client := clientsFor(t, ac, "us-east-1")["us-east-1"]
	f := awslookup.SourceAMIFilter{Filters: map[string]string{"name": "debian-12-*"}, Owners: []string{"self"}}
	if _, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, f); err == nil || strings.Contains(err.Error(), "DescribeImages") {
		t.Errorf("several matches: err = %v, want no DescribeImages label", err)
	}
	fake.InjectFault(ec2fake.Fault{Code: "UnauthorizedOperation"})
	_, err := awslookup.ResolveSourceAMIFilter(testContext(t), client, f)
	if err == nil || !strings.HasPrefix(err.Error(), "source_ami_filter: DescribeImages: UnauthorizedOperation: ") || awslookup.ErrorCode(err) != "UnauthorizedOperation" {
		t.Errorf("EC2 refusal: err = %v, want it labelled DescribeImages with its code kept", err)
	}
}
