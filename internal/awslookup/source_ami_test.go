package awslookup_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-amazon/common/clients"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestResolveSourceAMIPassesIDsThrough(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	clients := clientsFor(t, endpoint, "us-east-1")
	for _, id := range []string{"ami-d4aed0bc", "ami-0123456789abcdef0"} {
		got, err := awslookup.ResolveSourceAMI(testContext(t), clients["us-east-1"], awslookup.SourceAMIQuery{BaseAMI: id, VMType: "hvm"})
		if err != nil || got != id {
			t.Errorf("ResolveSourceAMI(%s) = %q, %v", id, got, err)
		}
	}
	if n := fake.CallCount(""); n != 0 {
		t.Errorf("%d calls for AMI ids, want none", n)
	}
}

func TestResolveSourceAMINameNeedsOwners(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	clients := clientsFor(t, endpoint, "us-east-1")
	_, err := awslookup.ResolveSourceAMI(testContext(t), clients["us-east-1"], awslookup.SourceAMIQuery{BaseAMI: "ubuntu-noble-24.04"})
	want := `base AMI "ubuntu-noble-24.04" is an image name: owners must be set to look it up (for security, as in the amazon plugin)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if n := fake.CallCount(""); n != 0 {
		t.Errorf("%d calls, want none", n)
	}
}

func TestResolveSourceAMIByNameFiltersVirtualizationType(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	const name = "ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20261101"
	// Canonical's images are public: another account's private image would
	// not be visible to the caller at all.
	public := []ec2fake.LaunchPermission{{Group: "all"}}
	hvm := fake.AddImage("us-east-1", ec2fake.Image{Name: name, OwnerID: "099720109477", LaunchPermissions: public, VirtualizationType: "hvm", CreationDate: at("2026-11-01T00:00:00Z")})
	fake.AddImage("us-east-1", ec2fake.Image{Name: name, OwnerID: "099720109477", LaunchPermissions: public, VirtualizationType: "paravirtual", CreationDate: at("2026-11-02T00:00:00Z")})

	clients := clientsFor(t, endpoint, "us-east-1")
	got, err := awslookup.ResolveSourceAMI(testContext(t), clients["us-east-1"],
		awslookup.SourceAMIQuery{BaseAMI: name, VMType: "hvm", Owners: []string{"099720109477"}})
	if err != nil || got != hvm.ID {
		t.Fatalf("ResolveSourceAMI = %q, %v; want %s", got, err, hvm.ID)
	}
	form := fake.Calls()[0].Form
	want := map[string]string{
		"Owner.1": "099720109477", "Filter.1.Name": "name", "Filter.1.Value.1": name,
		"Filter.2.Name": "state", "Filter.2.Value.1": "available",
		"Filter.3.Name": "virtualization-type", "Filter.3.Value.1": "hvm",
	}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
		}
	}
}

func TestResolveSourceAMIMapsRoscoPVToParavirtual(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	pv := fake.AddImage("us-east-1", ec2fake.Image{Name: "old-base", VirtualizationType: "paravirtual"})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "old-base", VirtualizationType: "hvm"})
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]
	got, err := awslookup.ResolveSourceAMI(testContext(t), client, awslookup.SourceAMIQuery{BaseAMI: "old-base", VMType: "pv", Owners: []string{"self"}})
	if err != nil || got != pv.ID {
		t.Errorf("got %q, %v; want %s", got, err, pv.ID)
	}
	if v := fake.Calls()[0].Form.Get("Filter.3.Value.1"); v != "paravirtual" {
		t.Errorf("virtualization-type filter = %q, want paravirtual", v)
	}
}

func TestResolveSourceAMIMostRecent(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "base-1", CreationDate: at("2026-01-01T00:00:00Z")})
	newest := fake.AddImage("us-east-1", ec2fake.Image{Name: "base-3", CreationDate: at("2026-03-01T00:00:00Z")})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "base-2", CreationDate: at("2026-02-01T00:00:00Z")})
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]

	q := awslookup.SourceAMIQuery{BaseAMI: "base-?", VMType: "hvm", Owners: []string{"self"}}
	_, err := awslookup.ResolveSourceAMI(testContext(t), client, q)
	if err == nil || !strings.Contains(err.Error(), `matches 3 images`) || !strings.Contains(err.Error(), "most_recent") {
		t.Errorf("several matches without most_recent: err = %v", err)
	}
	q.MostRecent = true
	got, err := awslookup.ResolveSourceAMI(testContext(t), client, q)
	if err != nil || got != newest.ID {
		t.Errorf("most_recent: got %q, %v; want %s", got, err, newest.ID)
	}
}

func TestResolveSourceAMINotFound(t *testing.T) {
	_, endpoint := newFake(t, ec2fake.Options{})
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]
	_, err := awslookup.ResolveSourceAMI(testContext(t), client, awslookup.SourceAMIQuery{BaseAMI: "nothing", VMType: "pv", Owners: []string{"self"}})
	if !errors.Is(err, awslookup.ErrNoBaseImage) {
		t.Errorf("err = %v, want ErrNoBaseImage", err)
	}
}

// A base AMI name is chosen as amazon-ebs chooses for a source_ami_filter of the same name,
// state and virtualization type, owners and most_recent, also where this package's key lookup
// would choose otherwise: images of the same second (amazon compares seconds and keeps EC2's
// order among them; the key lookup takes the later millisecond, then the greater id).
func TestResolveSourceAMIChoosesAsAmazonEBS(t *testing.T) {
	const canonical = "099720109477"
	public := []ec2fake.LaunchPermission{{Group: "all"}}
	image := func(id, name, created string) ec2fake.Image {
		return ec2fake.Image{ID: id, Name: name, CreationDate: at(created)}
	}
	// The same name in two accounts: ours, and Canonical's newer public image.
	ownImageAndNewerCanonical := []ec2fake.Image{
		image("ami-00000000000000005", "noble", "2026-06-01T00:00:00Z"),
		{ID: "ami-00000000000000006", Name: "noble", OwnerID: canonical, LaunchPermissions: public, CreationDate: at("2026-06-02T00:00:00Z")},
	}
	cases := map[string]struct {
		images     []ec2fake.Image
		baseAMI    string
		owners     []string
		mostRecent bool
		want       string
	}{
		"same second, listed out of id order": {
			images: []ec2fake.Image{
				image("ami-0000000000000000b", "base-b", "2026-06-01T00:00:00Z"),
				image("ami-0000000000000000c", "base-c", "2026-06-01T00:00:00Z"),
				image("ami-0000000000000000a", "base-a", "2026-06-01T00:00:00Z"),
			},
			baseAMI: "base-?", owners: []string{"self"}, mostRecent: true, want: "ami-0000000000000000a",
		},
		"same second, milliseconds apart": {
			images: []ec2fake.Image{
				image("ami-00000000000000001", "base-late", "2026-06-01T00:00:00.900Z"),
				image("ami-00000000000000002", "base-early", "2026-06-01T00:00:00.100Z"),
			},
			baseAMI: "base-*", owners: []string{"self"}, mostRecent: true, want: "ami-00000000000000002",
		},
		"a later second wins whatever the order": {
			images: []ec2fake.Image{
				image("ami-00000000000000003", "base-2", "2026-06-01T00:00:01Z"),
				image("ami-00000000000000004", "base-1", "2026-06-01T00:00:00.999Z"),
			},
			baseAMI: "base-*", owners: []string{"self"}, mostRecent: true, want: "ami-00000000000000003",
		},
		"owners limit the choice": {
			images:  ownImageAndNewerCanonical,
			baseAMI: "noble", owners: []string{"self"}, mostRecent: true, want: "ami-00000000000000005",
		},
		"several owners": {
			images:  ownImageAndNewerCanonical,
			baseAMI: "noble", owners: []string{"self", canonical}, mostRecent: true, want: "ami-00000000000000006",
		},
		"only available images of the virtualization type": {
			images: []ec2fake.Image{
				image("ami-00000000000000007", "noble", "2026-06-01T00:00:00Z"),
				{ID: "ami-00000000000000008", Name: "noble-pv", VirtualizationType: "paravirtual", CreationDate: at("2026-06-02T00:00:00Z")},
				{ID: "ami-00000000000000009", Name: "noble-pending", State: "pending", CreationDate: at("2026-06-03T00:00:00Z")},
			},
			baseAMI: "noble*", owners: []string{"self"}, mostRecent: true, want: "ami-00000000000000007",
		},
		"one match without most_recent": {
			images:  []ec2fake.Image{image("ami-0000000000000000a", "noble", "2026-06-01T00:00:00Z")},
			baseAMI: "noble", owners: []string{"self"}, want: "ami-0000000000000000a",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake, endpoint := newFake(t, ec2fake.Options{})
			for _, img := range tc.images {
				fake.AddImage("us-east-1", img)
			}
			client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]
			amazonEBS := awscommon.AmiFilterOptions{
				Filters: map[string]string{"name": tc.baseAMI, "state": "available", "virtualization-type": "hvm"},
				Owners:  tc.owners, MostRecent: tc.mostRecent,
			}
			want, err := amazonEBS.GetFilteredImage(testContext(t), &ec2.DescribeImagesInput{}, client.(clients.Ec2Client))
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(want.ImageId) != tc.want {
				t.Fatalf("amazon-ebs's source_ami_filter chose %s, the case expects %s", aws.ToString(want.ImageId), tc.want)
			}
			got, err := awslookup.ResolveSourceAMI(testContext(t), client, awslookup.SourceAMIQuery{
				BaseAMI: tc.baseAMI, VMType: "hvm", Owners: tc.owners, MostRecent: tc.mostRecent,
			})
			if err != nil || got != tc.want {
				t.Errorf("ResolveSourceAMI = %q, %v; amazon-ebs starts from %s", got, err, tc.want)
			}
		})
	}
}

// The lookup is amazon's one call with amazon's retries (as amazon-ebs's source AMI lookup
// makes it), not the client's: here the client allows one attempt and the call is still retried.
func TestResolveSourceAMIRetriesAsAmazonEBS(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "noble"})
	cfg := testConfig()
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard(func(so *retry.StandardOptions) { so.MaxAttempts = 1 }) }
	client := awslookup.RegionClients(cfg, endpoint, []string{"us-east-1"})["us-east-1"]
	fake.InjectFault(ec2fake.Fault{Action: "DescribeImages", Code: "RequestLimitExceeded", Times: 1})
	got, err := awslookup.ResolveSourceAMI(testContext(t), client, awslookup.SourceAMIQuery{BaseAMI: "noble", Owners: []string{"self"}})
	if err != nil || got != img.ID {
		t.Errorf("throttled once: got %q, %v; want %s", got, err, img.ID)
	}
	if n := fake.CallCount("DescribeImages"); n != 2 {
		t.Errorf("DescribeImages calls = %d, want 2", n)
	}
}

// EC2's refusal keeps its code, so the data source names the operation and the code.
func TestResolveSourceAMIKeepsEC2Errors(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	client := clientsFor(t, endpoint, "us-east-1")["us-east-1"]
	fake.InjectFault(ec2fake.Fault{Code: "UnauthorizedOperation"})
	_, err := awslookup.ResolveSourceAMI(testContext(t), client, awslookup.SourceAMIQuery{BaseAMI: "noble", Owners: []string{"self"}})
	if awslookup.ErrorCode(err) != "UnauthorizedOperation" || errors.Is(err, awslookup.ErrNoBaseImage) {
		t.Fatalf("err = %v, want EC2's UnauthorizedOperation", err)
	}
	wrapped := &awslookup.RegionError{Region: "us-east-1", Operation: "DescribeImages", Err: err}
	if !strings.HasPrefix(wrapped.Error(), "us-east-1: DescribeImages: UnauthorizedOperation: ") {
		t.Errorf("region error = %v", wrapped)
	}
	if n := fake.CallCount(""); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}
