package roscoconfig

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func load(t *testing.T, name string) *Config {
	t.Helper()
	cfg, err := Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestResolveRoscoShippedShape(t *testing.T) {
	cfg := load(t, "rosco.yml")
	cases := []struct {
		name string
		req  Request
		want Settings
	}{
		{
			name: "deb, default vm type, spot price 0 is sent, product is not",
			req:  Request{BaseOS: "noble", Region: "us-east-1"},
			want: Settings{VMType: "hvm", SourceAMI: "ami-0a1b2c3d4e5f60718", InstanceType: "t3.small", SSHUsername: "ubuntu",
				PackageType: "deb", TemplateFile: "aws-ebs.json", Repository: "https://apt.example.test/bakery noble main", SpotPrice: "0"},
		},
		{
			name: "image name with mostRecent, spot price auto sends the product",
			req:  Request{BaseOS: "noble", Region: "us-west-2", VMType: "hvm"},
			want: Settings{VMType: "hvm", SourceAMI: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*", MostRecent: true,
				InstanceType: "t3.medium", SSHUsername: "ubuntu", PackageType: "deb", TemplateFile: "aws-ebs.json",
				Repository: "https://apt.example.test/bakery noble main", SpotPrice: "auto", SpotPriceAutoProduct: "Linux/UNIX (Amazon VPC)"},
		},
		{
			name: "pv settings",
			req:  Request{BaseOS: "noble", Region: "us-east-1", VMType: "pv"},
			want: Settings{VMType: "pv", SourceAMI: "ami-00112233", InstanceType: "m3.medium", SSHUsername: "ubuntu",
				PackageType: "deb", TemplateFile: "aws-ebs.json", Repository: "https://apt.example.test/bakery noble main"},
		},
		{
			name: "rpm: customRepository wins, base image template, decimal spot price kept as written",
			req:  Request{BaseOS: "al2023", Region: "us-east-1"},
			want: Settings{VMType: "hvm", SourceAMI: "ami-0fedcba987654321f", InstanceType: "t3.small", SSHUsername: "ec2-user",
				PackageType: "rpm", TemplateFile: "aws-multi-ebs.json", Repository: "https://yum.example.test/custom/al2023", SpotPrice: "0.0125"},
		},
		{
			name: "request base_ami and template replace the configured ones",
			req:  Request{BaseOS: "al2023", Region: "us-east-1", BaseAMI: "my-golden-base", TemplateFileName: "custom.pkr.hcl"},
			want: Settings{VMType: "hvm", SourceAMI: "my-golden-base", InstanceType: "t3.small", SSHUsername: "ec2-user",
				PackageType: "rpm", TemplateFile: "custom.pkr.hcl", Repository: "https://yum.example.test/custom/al2023", SpotPrice: "0.0125"},
		},
		{
			name: "request base_ami fills a missing sourceAmi",
			req:  Request{BaseOS: "rocky9", Region: "eu-west-1", BaseAMI: "ami-0123abcd"},
			want: Settings{VMType: "hvm", SourceAMI: "ami-0123abcd", InstanceType: "t3.small", SSHUsername: "rocky",
				PackageType: "rpm", TemplateFile: "aws-ebs.json", Repository: "https://yum.example.test/bakery/el9"},
		},
		{
			name: "nupkg: winrm user, chocolatey repository",
			req:  Request{BaseOS: "windows-2022", Region: "us-east-1"},
			want: Settings{VMType: "hvm", SourceAMI: "ami-0aaaabbbbccccdddd", InstanceType: "t3.large", WinRMUsername: "Administrator",
				PackageType: "nupkg", TemplateFile: "aws-windows-2022.json", Repository: "https://nuget.example.test/api/v2/", SpotPrice: "0"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cfg.Resolve(c.req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Resolve(%+v)\n got %+v\nwant %+v", c.req, got, c.want)
			}
		})
	}
}

func TestResolveErrorsAreRoscos(t *testing.T) {
	cfg := load(t, "rosco.yml")
	cases := []struct {
		req  Request
		want string
	}{
		{Request{BaseOS: "centos", Region: "us-east-1"}, "No virtualization settings found for 'centos'."},
		{Request{Region: "us-east-1"}, "No virtualization settings found for 'null'."},
		{Request{BaseOS: "noble", Region: "eu-north-1"}, "No virtualization settings found for region 'eu-north-1', operating system 'noble', and vm type 'hvm'."},
		{Request{BaseOS: "noble", Region: "us-west-2", VMType: "pv"}, "No virtualization settings found for region 'us-west-2', operating system 'noble', and vm type 'pv'."},
		{Request{BaseOS: "rocky9", Region: "eu-west-1", Account: "self"}, "No base image found for os 'rocky9', vm type 'hvm', region 'eu-west-1', label: 'null', account: 'self'"},
		{Request{BaseOS: "noble", Region: "us-east-1", VMType: "kvm"}, `vm_type "kvm" is not one of hvm, pv`},
		{Request{BaseOS: "untyped", Region: "us-east-1"}, "rosco_config: base image 'untyped' has no packageType"},
	}
	for _, c := range cases {
		_, err := cfg.Resolve(c.req)
		if err == nil || err.Error() != c.want {
			t.Errorf("Resolve(%+v) = %v, want %q", c.req, err, c.want)
		}
	}
}

func TestNoBaseImageErrorForUnresolvedName(t *testing.T) {
	err := NoBaseImageError(Request{BaseOS: "noble", Region: "us-west-2", Account: "099720109477,self"}, "hvm", "")
	want := "No base image found for os 'noble', vm type 'hvm', region 'us-west-2', label: 'null', account: '099720109477,self'"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestResolveHalyardShape(t *testing.T) {
	cfg := load(t, "halyard-rosco.yml")
	got, err := cfg.Resolve(Request{BaseOS: "jammy", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{VMType: "hvm", SourceAMI: "ami-0b5eea76982371e91", InstanceType: "t3.micro", SSHUsername: "ubuntu",
		PackageType: "deb", TemplateFile: "aws-ebs.json", Repository: "https://apt.example.test/halyard jammy main"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("us-east-1:\n got %+v\nwant %+v", got, want)
	}
	got, err = cfg.Resolve(Request{BaseOS: "jammy", Region: "eu-central-1"})
	if err != nil || got.SpotPrice != "0" || got.SpotPriceAutoProduct != "" {
		t.Errorf("eu-central-1: %+v, %v; want spot price \"0\" and no product", got, err)
	}
	if _, err := cfg.Resolve(Request{BaseOS: "jammy", Region: "us-west-2"}); err == nil ||
		err.Error() != "No virtualization settings found for region 'us-west-2', operating system 'jammy', and vm type 'hvm'." {
		t.Errorf("us-west-2: %v", err)
	}
}

func TestParseAcceptsRelaxedSpellingsAndLaterDocuments(t *testing.T) {
	doc := `
aws:
  bakery-defaults:
    template_file: aws-ebs.json
    default-virtualization-type: pv
    base-images:
    - base-image: {id: trusty, package-type: deb}
      virtualization-settings:
      - {region: us-east-1, virtualization-type: PV, instance-type: m3.medium, source-ami: ami-1234abcd, ssh-user-name: ubuntu}
debian-repository: http://first.example.test trusty main
---
debianRepository: http://second.example.test trusty main
`
	cfg, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Resolve(Request{BaseOS: "trusty", Region: "us-east-1"})
	want := Settings{VMType: "pv", SourceAMI: "ami-1234abcd", InstanceType: "m3.medium", SSHUsername: "ubuntu",
		PackageType: "deb", TemplateFile: "aws-ebs.json", Repository: "http://second.example.test trusty main"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, want)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"no aws section", "server:\n  port: 8087\n", "no aws.bakeryDefaults section"},
		{"not yaml", "aws: [\n", "parse yaml: "},
		{"wrong type", "aws:\n  bakeryDefaults:\n    baseImages: 3\n", "decode aws.bakeryDefaults: "},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want prefix %q", c.name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join("testdata", "missing.yml")); err == nil || !strings.Contains(err.Error(), `rosco_config: read "testdata/missing.yml"`) {
		t.Errorf("missing file: %v", err)
	}
}

func TestResolveRejectsUnknownTypes(t *testing.T) {
	cfg, err := Parse([]byte(`
aws:
  bakeryDefaults:
    defaultVirtualizationType: kvm
    baseImages:
    - baseImage: {id: win, packageType: msi}
      virtualizationSettings:
      - {region: us-east-1, virtualizationType: hvm, instanceType: t3.small, sourceAmi: ami-12345678}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Resolve(Request{BaseOS: "win", Region: "us-east-1"}); err == nil || err.Error() != `vm_type "kvm" is not one of hvm, pv` {
		t.Errorf("bad defaultVirtualizationType: %v", err)
	}
	_, err = cfg.Resolve(Request{BaseOS: "win", Region: "us-east-1", VMType: "hvm"})
	if want := `rosco_config: base image 'win' has packageType "msi", not one of deb, rpm, nupkg`; err == nil || err.Error() != want {
		t.Errorf("bad packageType: %v, want %q", err, want)
	}
}

func TestResolveRefusesPlaceholders(t *testing.T) {
	cfg, err := Parse([]byte(`
aws:
  bakeryDefaults:
    baseImages:
    - baseImage: {id: noble, packageType: deb}
      virtualizationSettings:
      - {region: us-east-1, virtualizationType: hvm, instanceType: t3.small, sourceAmi: "${NOBLE_AMI}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Resolve(Request{BaseOS: "noble", Region: "us-east-1"})
	want := `rosco_config: sourceAmi "${NOBLE_AMI}" uses a Spring placeholder, which is not resolved here; write the value itself`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}
