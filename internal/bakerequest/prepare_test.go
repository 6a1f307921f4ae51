package bakerequest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPrepareDefaultsAndNormalises(t *testing.T) {
	for upgrade, want := range map[string]string{"": "false", "0": "false", "false": "false", "1": "true", "true": "true"} {
		in := Inputs{PackageName: "kato", Upgrade: upgrade}
		if err := in.Prepare(); err != nil {
			t.Fatalf("upgrade %q: %v", upgrade, err)
		}
		if in.Upgrade != want || in.PackageType != "deb" || in.VMType != "hvm" || in.CloudProviderType != "aws" {
			t.Errorf("upgrade %q: prepared %+v", upgrade, in)
		}
	}
}

func TestPrepareNamesEveryBadField(t *testing.T) {
	in := Inputs{PackageName: "a", Packages: []string{"b c"}, PackageType: "apk", VMType: "xen", CloudProviderType: "gce",
		Upgrade: "yes", Repositories: []string{" "}}
	err := in.Prepare()
	for _, want := range []string{"package_type", "vm_type", "cloud_provider_type", "package_name and packages", "packages[0]", "upgrade", "repositories[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestComputeKeyFollowsTheSourceAMIOnly(t *testing.T) {
	in := Inputs{PackageName: "kato_1.0-h5.abc_all", BaseOS: "bookworm", BaseAMI: "ami-1", AMISuffix: "20261121000000", Repository: "'http://u:secret@repo.example.com ./'"}
	if err := in.Prepare(); err != nil {
		t.Fatal(err)
	}
	a, err := Compute(in, "ami-1", []string{"us-east-1"}, time.UnixMilli(0))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Compute(in, "ami-2", nil, time.UnixMilli(0))
	in.BuildNumber = "7" // names and tags only
	c, _ := Compute(in, "ami-1", nil, time.UnixMilli(0))
	if a.Key == b.Key || a.Key != c.Key {
		t.Errorf("keys: %s (ami-1), %s (ami-2), %s (ami-1, build 7)", a.Key, b.Key, c.Key)
	}
	if strings.Contains(a.KeyDocument, "secret") || !strings.Contains(a.KeyDocument, `"http://***@repo.example.com ./"`) {
		t.Errorf("key document %s: credentials or quotes kept", a.KeyDocument)
	}
	if a.ImageName != "kato-all-20261121000000-bookworm" || a.RoscoKeys["us-east-1"] == "" || len(b.RoscoKeys) != 0 {
		t.Errorf("result %+v", a)
	}
}

func TestStringsCoversEveryTextInput(t *testing.T) {
	in := Inputs{Packages: []string{"p"}, Repositories: []string{"r"}, PackageArtifacts: []PackageArtifact{{Name: "n", Reference: "ref"}},
		ExtraKeyInputs: map[string]string{"k": "v"}, BaseAMI: "ami"}
	for _, want := range []string{"p", "r", "n", "ref", "k", "v", "ami"} {
		if !slices.Contains(in.Strings(), want) {
			t.Errorf("Strings() lacks %q", want)
		}
	}
}
