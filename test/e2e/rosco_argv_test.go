//go:build e2e

package e2e

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscovectors"
)

// This file turns a bake request into the argument vector Rosco's AWS bake
// handler would run (rosco-compat.md section (b)), so the templates in
// example/rosco are exercised with exactly what Rosco sends.

// roscoYML is the part of rosco.yml that shapes the AWS packer command.
type roscoYML struct {
	ConfigDir                string
	AWSAccessKey             string
	AWSSecretKey             string
	AWSSubnetID              string
	AWSVPCID                 string
	AssociatePublicIPAddress *bool // null unless configured
	DebianRepository         string
	YumRepository            string
	TemplatesNeedingRoot     []string
	DefaultTemplateFile      string
	PackerTimestamp          bool
}

// roscoBaseImage is the configured base image (baseImages[].baseImage) with
// its virtualization settings for the bake region.
type roscoBaseImage struct {
	PackageType          rosco.PackageType
	TemplateFile         string
	CustomRepository     string
	InstanceType         string
	SourceAMI            string
	SSHUserName          string
	SpotPrice            string
	SpotPriceAutoProduct string
}

// roscoBake is one POST /api/v1/{region}/bake as Rosco handles it.
type roscoBake struct {
	Region  string
	Config  roscoYML
	Base    roscoBaseImage
	Request rosco.Request
}

// parameters is AWSBakeHandler.buildParameterMap followed by the common part
// of produceBakeRecipe, in Rosco's insertion order (the -var order).
func (b roscoBake) parameters(t testing.TB) []rosco.Param {
	t.Helper()
	str := func(k, v string) rosco.Param { return rosco.Param{Key: k, Value: rosco.StringValue(v)} }
	imageName, err := rosco.ImageName(b.Base.PackageType, b.Request, 0)
	if err != nil {
		t.Fatalf("image name: %v", err)
	}
	ps := []rosco.Param{
		str("aws_region", b.Region),
		str("aws_instance_type", b.Base.InstanceType),
		str("aws_source_ami", b.Base.SourceAMI),
		str("aws_target_ami", imageName),
	}
	if b.Base.SSHUserName != "" {
		ps = append(ps, str("aws_ssh_username", b.Base.SSHUserName))
	}
	if b.Base.SpotPrice != "" {
		ps = append(ps, str("aws_spot_price", b.Base.SpotPrice))
	}
	if b.Base.SpotPrice == "auto" && b.Base.SpotPriceAutoProduct != "" {
		ps = append(ps, str("aws_spot_price_auto_product", b.Base.SpotPriceAutoProduct))
	}
	if b.Config.AWSAccessKey != "" && b.Config.AWSSecretKey != "" {
		ps = append(ps, str("aws_access_key", b.Config.AWSAccessKey), str("aws_secret_key", b.Config.AWSSecretKey))
	}
	if b.Config.AWSSubnetID != "" {
		ps = append(ps, str("aws_subnet_id", b.Config.AWSSubnetID))
	}
	if b.Config.AWSVPCID != "" {
		ps = append(ps, str("aws_vpc_id", b.Config.AWSVPCID))
	}
	if b.Config.AssociatePublicIPAddress != nil {
		ps = append(ps, rosco.Param{Key: "aws_associate_public_ip_address", Value: rosco.BoolValue(*b.Config.AssociatePublicIPAddress)})
	}
	if b.Request.EnhancedNetworking {
		ps = append(ps, rosco.Param{Key: "aws_ena_support", Value: rosco.BoolValue(true)})
	}
	if b.Request.BuildInfoURL != "" {
		ps = append(ps, str("build_info_url", b.Request.BuildInfoURL))
	}
	appVersion, ok, err := rosco.AppVersion(b.Base.PackageType, b.Request)
	if err != nil {
		t.Fatalf("appversion: %v", err)
	}
	if ok {
		ps = append(ps, str("appversion", appVersion))
	}
	ps = append(ps, str("repository", b.repository()), str("package_type", string(b.Base.PackageType)))
	packages, err := rosco.PackagesParameter(b.Base.PackageType, b.Request.PackageName)
	if err != nil {
		t.Fatalf("packages parameter: %v", err)
	}
	ps = append(ps, str("packages", packages))
	if b.Request.BuildHost != "" {
		ps = append(ps, str("build_host", b.Request.BuildHost))
	}
	if b.Request.Upgrade {
		ps = append(ps, rosco.Param{Key: "upgrade", Value: rosco.BoolValue(true)})
	}
	ps = append(ps, str("configDir", b.Config.ConfigDir))
	return rosco.UnrollExtendedAttributes(ps, b.Request.ExtendedAttributes)
}

// repository is Rosco's precedence: the base image's customRepository, else
// the repository of its package type.
func (b roscoBake) repository() string {
	switch {
	case b.Base.CustomRepository != "":
		return b.Base.CustomRepository
	case b.Base.PackageType == rosco.Deb:
		return b.Config.DebianRepository
	case b.Base.PackageType == rosco.RPM:
		return b.Config.YumRepository
	}
	return ""
}

// template is the template file name Rosco picks.
func (b roscoBake) template() string {
	switch {
	case b.Request.TemplateFileName != "":
		return b.Request.TemplateFileName
	case b.Base.TemplateFile != "":
		return b.Base.TemplateFile
	}
	return b.Config.DefaultTemplateFile
}

// argv is the command Rosco's local job executor runs.
func (b roscoBake) argv(t testing.TB) []string {
	t.Helper()
	inv := rosco.PackerInvocation{
		TimestampUI: b.Config.PackerTimestamp,
		Parameters:  b.parameters(t),
		Template:    filepath.Join(b.Config.ConfigDir, b.template()),
	}
	if slices.Contains(b.Config.TemplatesNeedingRoot, b.template()) {
		inv.BaseCommand = "sudo"
	}
	if b.Request.VarFileName != "" {
		inv.VarFile = filepath.Join(b.Config.ConfigDir, b.Request.VarFileName)
	}
	return rosco.PackerCommand(inv)
}

// roscoCommandParts splits Rosco's argv into the arguments after
// `packer build` and the template path.
func roscoCommandParts(t testing.TB, argv []string) (args []string, template string) {
	t.Helper()
	i := slices.Index(argv, "build")
	if i < 1 || argv[i-1] != "packer" || len(argv) < i+2 {
		t.Fatalf("not a packer build command: %q", argv)
	}
	return argv[i+1 : len(argv)-1], argv[len(argv)-1]
}

// varArgs keeps the -var and -var-file arguments, which `packer validate`
// and `packer console` take as `packer build` does.
func varArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-var" && i+1 < len(args):
			out = append(out, args[i], args[i+1])
			i++
		case len(args[i]) > len("-var-file=") && args[i][:len("-var-file=")] == "-var-file=":
			out = append(out, args[i])
		}
	}
	return out
}

// TestRoscoArgvFollowsVectors checks the request-to-argv translation above
// against Rosco's own packer_commands vector for an aws-multi-ebs bake, so
// the template tests run with the command Rosco really builds.
func TestRoscoArgvFollowsVectors(t *testing.T) {
	want := roscoVectorArgv(t, "/opt/rosco/config/packer/aws-multi-ebs.json")
	no := false
	b := roscoBake{
		Region: "us-east-1",
		Config: roscoYML{
			ConfigDir:                "/opt/rosco/config/packer",
			AssociatePublicIPAddress: &no,
			DebianRepository:         "http://repo trusty main",
		},
		Base: roscoBaseImage{
			PackageType:  rosco.Deb,
			InstanceType: "t2.micro",
			SourceAMI:    "ami-a123456b",
			SSHUserName:  "ubuntu",
			SpotPrice:    "0",
		},
		Request: rosco.Request{
			PackageArtifacts:   []rosco.Artifact{{Name: "kato_1.0-h5.abc1234_all", Reference: "http://repo trusty main kato_1.0-h5.abc1234_all"}},
			BaseOS:             "ubuntu",
			AMISuffix:          "20240131235959",
			TemplateFileName:   "aws-multi-ebs.json",
			VarFileName:        "vars.json",
			EnhancedNetworking: true,
			BuildNumber:        "5",
			CommitHash:         "abc1234",
			Job:                "kato",
			BuildHost:          "http://jenkins/",
			BuildInfoURL:       "http://jenkins/job/kato/5/",
			Upgrade:            true,
			ExtendedAttributes: []rosco.Attribute{{Key: "copy_to", Value: "us-west-2"}, {Key: "someAttr", Value: "  padded  "}},
		},
	}
	if got := b.argv(t); !reflect.DeepEqual(got, want) {
		t.Errorf("argv:\n got %q\nwant %q", got, want)
	}
}

// roscoVectorArgv returns expected_argv of the packer_commands vector for
// template.
func roscoVectorArgv(t testing.TB, template string) []string {
	t.Helper()
	var vectors struct {
		PackerCommands []struct {
			Template     string   `json:"template"`
			ExpectedArgv []string `json:"expected_argv"`
		} `json:"packer_commands"`
	}
	roscovectors.Load(t, &vectors)
	for _, v := range vectors.PackerCommands {
		if v.Template == template {
			return v.ExpectedArgv
		}
	}
	t.Fatalf("the Rosco vectors have no packer_commands vector for %s", template)
	return nil
}
