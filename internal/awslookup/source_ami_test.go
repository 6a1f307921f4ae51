package awslookup_test

import (
	"errors"
	"strings"
	"testing"

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
