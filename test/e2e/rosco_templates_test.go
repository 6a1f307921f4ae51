//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// The templates of example/rosco are drop-ins for Rosco's: Rosco runs them
// with the command it builds for its own templates. These tests build that
// command from realistic bake requests and run `packer validate` with its
// -var and -var-file arguments, for every template in both forms.

// roscoTemplates are Rosco's AWS templates this repository replaces.
var roscoTemplates = []struct {
	name   string
	multi  bool
	chroot bool
}{
	{name: "aws-ebs"},
	{name: "aws-multi-ebs", multi: true},
	{name: "aws-chroot", chroot: true},
	{name: "aws-multi-chroot", multi: true, chroot: true},
}

// templateForms are the two file names of each template.
var templateForms = []string{".pkr.hcl", ".json"}

// roscoPacker is Packer with this repository's plugin and the amazon plugin
// (for amazon-chroot, and built from the same release spinnaker-ebs wraps).
func roscoPacker(t *testing.T, extra ...harness.ThirdPartyPlugin) *harness.Packer {
	t.Helper()
	return harness.NewPacker(t).WithPlugins(t, append([]harness.ThirdPartyPlugin{harness.AmazonPlugin()}, extra...)...)
}

// roscoConfigDir copies example/rosco into a fresh directory standing for
// Rosco's /opt/rosco/config/packer, with a var file for var_file_name.
func roscoConfigDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config", "packer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(repoDir(t), "example", "rosco")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A Rosco var file is a flat JSON object; HCL2 reads the same file.
	if err := os.WriteFile(filepath.Join(dir, "rosco-vars.json"), []byte(`{"aws_instance_type": "m5.large"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// realisticBake is a Debian bake as Orca sends it for a Jenkins-built
// package, against a rosco.yml close to the one Rosco ships.
func realisticBake(configDir, template string) roscoBake {
	no := false
	return roscoBake{
		Region: "us-east-1",
		Config: roscoYML{
			ConfigDir:                configDir,
			AWSSubnetID:              "subnet-0a1b2c3d",
			AWSVPCID:                 "vpc-0a1b2c3d",
			AssociatePublicIPAddress: &no, // dropped by Rosco (spinnaker/spinnaker#4187)
			DebianRepository:         "http://repo.example.com trusty main",
			YumRepository:            "http://yum.example.com/repo",
			TemplatesNeedingRoot:     []string{"aws-chroot.json"},
			DefaultTemplateFile:      "aws-ebs.json",
		},
		Base: roscoBaseImage{
			PackageType:  rosco.Deb,
			InstanceType: "t3.small",
			SourceAMI:    "ami-0a1b2c3d4e5f60718",
			SSHUserName:  "ubuntu",
			SpotPrice:    "0",
		},
		Request: rosco.Request{
			PackageName:      "kato_1.0-h5.abc1234_all redis-server",
			BaseOS:           "trusty",
			AMISuffix:        "20261121133000",
			TemplateFileName: template,
			BuildNumber:      "5",
			CommitHash:       "abc1234",
			Job:              "kato",
			BuildHost:        "https://jenkins.example.com/",
			Upgrade:          true,
		},
	}
}

// roscoCase is one way Rosco calls a template.
type roscoCase struct {
	name   string
	adjust func(b *roscoBake)
	// regions and accounts are what a multi template must hand its builder
	// as ami_regions and ami_users.
	regions, accounts []string
	// fail is the error validation must end with instead of success, for
	// the given form (".pkr.hcl" or ".json"); empty means success.
	fail map[string]string
}

func roscoCases(multi, chroot bool) []roscoCase {
	attrs := func(kv ...string) []rosco.Attribute {
		var out []rosco.Attribute
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, rosco.Attribute{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	cases := []roscoCase{
		{name: "plain request"},
		{name: "build_info_url", adjust: func(b *roscoBake) {
			b.Request.BuildInfoURL = "https://jenkins.example.com/job/kato/5/"
		}},
		{name: "repository overridden by an extended attribute", adjust: func(b *roscoBake) {
			b.Request.ExtendedAttributes = attrs("repository", "[trusted=yes] http://override.example.com/apt stable main")
		}},
		{name: "rpm base image with a var file and ENA", adjust: func(b *roscoBake) {
			b.Base.PackageType = rosco.RPM
			b.Request.PackageName = "kato-1.0-h5.abc1234.noarch"
			b.Request.VarFileName = "rosco-vars.json"
			b.Request.EnhancedNetworking = true
		}},
		{name: "artifacts only, no packages variable", adjust: func(b *roscoBake) {
			b.Request.PackageName = ""
			b.Request.PackageArtifacts = []rosco.Artifact{{Name: "kato_1.0-h5.abc1234_all", Reference: "http://repo.example.com trusty main kato_1.0-h5.abc1234_all"}}
		}},
		{name: "extended attributes of the migration guide", adjust: func(b *roscoBake) {
			ext := []string{"aws_associate_public_ip_address", "false", "services", "kato.service,redis-server",
				"disable_services", "false"}
			if !chroot {
				ext = append(ext, "rebake", "true")
			}
			b.Request.ExtendedAttributes = attrs(ext...)
		}},
		{name: "packages as a comma list, for the Fargate executor", adjust: func(b *roscoBake) {
			// The migration guide's advice: no space in the packages value,
			// and ami_name set, since "kato,redis-server" would start the
			// image name and EC2 refuses a comma in it.
			b.Request.PackageName = "kato,redis-server"
			b.Request.AMIName = "kato"
		}},
		{name: "an attribute no template declares", adjust: func(b *roscoBake) {
			b.Request.ExtendedAttributes = attrs("someAttr", "x")
		}, fail: map[string]string{".pkr.hcl": `Undefined -var variable`}},
	}
	copyAndShare := func(b *roscoBake) {
		// The vectors' list with an empty piece and a blank one: Rosco
		// sends copy_to_2, copy_to_3 (empty, dropped) and copy_to_1.
		b.Request.ExtendedAttributes = attrs("copy_to", "us-west-1,,us-west-2, ", "share_with", "000001, 000002")
	}
	if multi {
		cases = append(cases,
			roscoCase{name: "no copies", regions: []string{}, accounts: []string{}},
			roscoCase{name: "copy_to and share_with", adjust: copyAndShare,
				regions: []string{"us-west-1", "us-west-2"}, accounts: []string{"000001", "000002"}},
			roscoCase{name: "five regions and ten accounts", adjust: func(b *roscoBake) {
				b.Request.ExtendedAttributes = attrs("copy_to", "us-west-1,us-west-2,eu-west-1,eu-central-1,ap-southeast-2",
					"share_with", "1,2,3,4,5,6,7,8,9,10")
			}, regions: []string{"us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"},
				accounts: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}},
		)
	} else {
		// Rosco's single-region JSON templates ignore copy_to; the HCL2 ones
		// say which template copies instead of silently not copying.
		cases = append(cases, roscoCase{name: "copy_to on a single-region template", adjust: copyAndShare,
			fail: map[string]string{".pkr.hcl": "extended attribute needs the aws-multi-"}})
	}
	return cases
}

// TestRoscoTemplatesValidate runs `packer validate` on every template of
// example/rosco, in both forms, with the -var and -var-file arguments of
// the command Rosco would run, for a range of bake requests.
func TestRoscoTemplatesValidate(t *testing.T) {
	p := roscoPacker(t)
	configDir := roscoConfigDir(t)
	for _, tmpl := range roscoTemplates {
		for _, form := range templateForms {
			file := tmpl.name + form
			t.Run(file, func(t *testing.T) {
				for _, c := range roscoCases(tmpl.multi, tmpl.chroot) {
					t.Run(c.name, func(t *testing.T) {
						b := realisticBake(configDir, file)
						if c.adjust != nil {
							c.adjust(&b)
						}
						argv := b.argv(t)
						checkRoscoArgv(t, b, argv)
						if err := validateAsRosco(t, p, argv, c.fail[form]); err != nil {
							t.Fatal(err)
						}
						if c.regions != nil {
							if err := checkCopies(t, p, argv, c.regions, c.accounts); err != nil {
								t.Error(err)
							}
						}
					})
				}
			})
		}
	}
}

// checkRoscoArgv checks the command has Rosco's shape for the template and
// carries each override once.
func checkRoscoArgv(t *testing.T, b roscoBake, argv []string) {
	t.Helper()
	prefix := []string{"packer", "build", "-color=false"}
	if b.template() == "aws-chroot.json" {
		prefix = append([]string{"sudo"}, prefix...)
	}
	if !slices.Equal(argv[:len(prefix)], prefix) {
		t.Fatalf("argv starts %q, want %q", argv[:len(prefix)], prefix)
	}
	seen := map[string]int{}
	for i := range argv {
		if argv[i] == "-var" {
			k, _, _ := strings.Cut(argv[i+1], "=")
			seen[k]++
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("-var %s given %d times: %q", k, n, argv)
		}
	}
}

// validateAsRosco runs `packer validate` with the variables of Rosco's
// command (validate has no -color flag). wantErr is a text the failure must
// contain, or "" for success. Plain validate, without
// -evaluate-datasources: the EBS templates compute their bake key in the
// builder's bake block, so no template needs a datasource.
func validateAsRosco(t *testing.T, p *harness.Packer, argv []string, wantErr string) error {
	t.Helper()
	args, template := roscoCommandParts(t, argv)
	out, err := p.Validate(t, template, varArgs(args)...)
	switch {
	case wantErr == "" && err != nil:
		return fmt.Errorf("packer validate %s with Rosco's variables failed: %v\n%s", filepath.Base(template), err, out)
	case wantErr != "" && err == nil:
		return fmt.Errorf("packer validate %s succeeded, want an error containing %q\n%s", filepath.Base(template), wantErr, out)
	case wantErr != "" && !strings.Contains(out, wantErr):
		return fmt.Errorf("packer validate %s failed without %q:\n%s", filepath.Base(template), wantErr, out)
	}
	return nil
}

// checkCopies evaluates, with Rosco's variables, what a multi template gives
// its builder as ami_regions and ami_users, and compares it with the
// regions and accounts Rosco was asked for: no empty slot may become a ""
// region or account (rosco#126).
func checkCopies(t *testing.T, p *harness.Packer, argv []string, regions, accounts []string) error {
	t.Helper()
	args, template := roscoCommandParts(t, argv)
	for field, want := range map[string][]string{"ami_regions": regions, "ami_users": accounts} {
		got, err := effectiveList(t, p, template, varArgs(args), field)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s: %s = %q, want %q", filepath.Base(template), field, got, want)
		}
	}
	return nil
}

// effectiveList evaluates a multi template's list field with Packer's own
// `packer console`. HCL2 templates compute it in a local of the same name.
// Legacy JSON templates compute a string that the plugin SDK decodes into a
// list by splitting on "," (config.Decode's StringToSliceHookFunc(","),
// "" giving an empty list), so the test splits the same way.
func effectiveList(t *testing.T, p *harness.Packer, template string, vargs []string, field string) ([]string, error) {
	t.Helper()
	if strings.HasSuffix(template, ".pkr.hcl") {
		// Sequential evaluation: console does not run datasources, and the
		// parallel evaluator then gives up on unrelated locals at random.
		out, err := packerConsole(t, p, template, "local."+field, append([]string{"-use-sequential-evaluation"}, vargs...)...)
		if err != nil {
			return nil, err
		}
		return parseHCLStringList(out)
	}
	raw, err := os.ReadFile(template)
	if err != nil {
		return nil, err
	}
	var tmpl struct {
		Builders []map[string]any `json:"builders"`
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		return nil, fmt.Errorf("parse %s: %w", template, err)
	}
	expr, ok := tmpl.Builders[0][field].(string)
	if !ok {
		return nil, fmt.Errorf("%s: builder has no string %s", filepath.Base(template), field)
	}
	out, err := packerConsole(t, p, template, expr, vargs...)
	if err != nil {
		return nil, err
	}
	out = strings.TrimSpace(out)
	if out == "" {
		return []string{}, nil
	}
	return strings.Split(out, ","), nil
}

// packerConsole evaluates expr in the template's context, reading it from
// stdin as `packer console` does.
func packerConsole(t *testing.T, p *harness.Packer, template, expr string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append([]string{"console"}, args...), filepath.Base(template))
	c := exec.CommandContext(ctx, p.Bin, argv...)
	c.Dir = filepath.Dir(template)
	c.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "PACKER_PLUGIN_PATH="+p.PluginDir,
		"PACKER_CONFIG_DIR="+t.TempDir(), "PACKER_NO_COLOR=1")
	c.Stdin = strings.NewReader(expr + "\n")
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("packer console %s <<< %q: %w\n%s%s", filepath.Base(template), expr, err, stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String(), "Error:") {
		return "", fmt.Errorf("packer console %s <<< %q:\n%s", filepath.Base(template), expr, stdout.String())
	}
	return stdout.String(), nil
}

var hclQuoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// parseHCLStringList reads `packer console`'s rendering of a list of
// strings: "[]", or one quoted element per line.
func parseHCLStringList(out string) ([]string, error) {
	out = strings.TrimSpace(out)
	if !strings.HasPrefix(out, "[") || !strings.HasSuffix(out, "]") {
		return nil, fmt.Errorf("not a list: %q", out)
	}
	list := []string{}
	for _, q := range hclQuoted.FindAllString(out, -1) {
		s, err := strconv.Unquote(q)
		if err != nil {
			return nil, fmt.Errorf("element %s of %q: %w", q, out, err)
		}
		list = append(list, s)
	}
	return list, nil
}

// TestRoscoTemplateChecksCanFail breaks templates the way a careless edit
// would and expects the checks above to notice: a variable Rosco sends that
// is no longer declared, and empty copy_to slots reaching ami_regions.
func TestRoscoTemplateChecksCanFail(t *testing.T) {
	p := roscoPacker(t)
	configDir := roscoConfigDir(t)
	edit := func(t *testing.T, file string, from *regexp.Regexp, to string) {
		t.Helper()
		path := filepath.Join(configDir, file)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !from.Match(b) {
			t.Fatalf("%s does not contain %s", file, from)
		}
		if err := os.WriteFile(path, from.ReplaceAll(b, []byte(to)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("build_info_url not declared", func(t *testing.T) {
		edit(t, "aws-chroot.pkr.hcl", regexp.MustCompile(`(?s)variable "build_info_url" \{.*?\n\}\n`), "")
		b := realisticBake(configDir, "aws-chroot.pkr.hcl")
		b.Request.BuildInfoURL = "https://jenkins.example.com/job/kato/5/"
		if err := validateAsRosco(t, p, b.argv(t), ""); err == nil || !strings.Contains(err.Error(), "build_info_url") {
			t.Errorf("validation of the broken template: %v, want a failure naming build_info_url", err)
		}
	})

	copyBake := func(file string) roscoBake {
		b := realisticBake(configDir, file)
		b.Request.ExtendedAttributes = []rosco.Attribute{{Key: "copy_to", Value: "us-west-1,,us-west-2, "}, {Key: "share_with", Value: "000001"}}
		return b
	}
	t.Run("HCL2 slots not compacted", func(t *testing.T) {
		edit(t, "aws-multi-chroot.pkr.hcl", regexp.MustCompile(`ami_regions = compact\(`), "ami_regions = flatten(")
		b := copyBake("aws-multi-chroot.pkr.hcl")
		wantEmptyRegions(t, checkCopies(t, p, b.argv(t), []string{"us-west-1", "us-west-2"}, []string{"000001"}))
	})
	t.Run("JSON slots joined naively", func(t *testing.T) {
		var naive []string
		for i := 1; i <= 5; i++ {
			naive = append(naive, fmt.Sprintf("{{user `copy_to_%d`}}", i))
		}
		edit(t, "aws-multi-chroot.json", regexp.MustCompile(`"ami_regions": "[^\n]*",`), `"ami_regions": "`+strings.Join(naive, ",")+`",`)
		b := copyBake("aws-multi-chroot.json")
		wantEmptyRegions(t, checkCopies(t, p, b.argv(t), []string{"us-west-1", "us-west-2"}, []string{"000001"}))
	})
}

// wantEmptyRegions checks that checkCopies failed because of empty regions,
// not for another reason.
func wantEmptyRegions(t *testing.T, err error) {
	t.Helper()
	const want = `ami_regions = ["us-west-1" "us-west-2" "" "" ""]`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check of the broken template: %v; want a failure showing %s", err, want)
	}
}

// TestRoscoEBSBakeInputsChecked checks that the EBS templates, in both
// forms, hand Rosco's variables to the builder's bake block, which checks
// them as data "spinnaker-bake" would: a bad upgrade value fails validation
// with an error naming the block and the field.
func TestRoscoEBSBakeInputsChecked(t *testing.T) {
	p := roscoPacker(t)
	configDir := roscoConfigDir(t)
	for _, file := range []string{"aws-ebs.json", "aws-multi-ebs.json", "aws-ebs.pkr.hcl", "aws-multi-ebs.pkr.hcl"} {
		t.Run(file, func(t *testing.T) {
			b := realisticBake(configDir, file)
			b.Request.ExtendedAttributes = []rosco.Attribute{{Key: "upgrade", Value: "sometimes"}}
			if err := validateAsRosco(t, p, b.argv(t), `bake: upgrade: unknown value "sometimes"`); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRoscoVariantsValidate validates the Docker and GCE variants of the
// provisioner block with the variables Rosco's docker and GCE handlers
// send. The Docker one uses the real docker builder and post-processors
// (the docker plugin builds in under a minute); the GCE one runs under a
// null source, because building the googlecompute plugin takes minutes.
func TestRoscoVariantsValidate(t *testing.T) {
	p := roscoPacker(t, harness.DockerPlugin())
	configDir := roscoConfigDir(t)
	variants := roscoVariantParams(t, configDir)
	for name, params := range variants {
		for _, form := range templateForms {
			t.Run(name+form, func(t *testing.T) {
				argv := rosco.PackerCommand(rosco.PackerInvocation{Parameters: params, Template: filepath.Join(configDir, name+form)})
				if err := validateAsRosco(t, p, argv, ""); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// roscoVariantParams are the variables Rosco's docker and GCE handlers send, per variant template.
func roscoVariantParams(t *testing.T, configDir string) map[string][]rosco.Param {
	t.Helper()
	artifacts := filepath.Join(t.TempDir(), "artifacts.json")
	if err := os.WriteFile(artifacts, []byte(`[{"reference": "http://repo.example.com trusty main kato_1.0-h5.abc1234_all"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	str := func(kv ...string) []rosco.Param {
		var ps []rosco.Param
		for i := 0; i+1 < len(kv); i += 2 {
			ps = append(ps, rosco.Param{Key: kv[i], Value: rosco.StringValue(kv[i+1])})
		}
		return ps
	}
	common := str("appversion", "kato-1.0-h5.abc1234/kato/5", "build_info_url", "https://jenkins.example.com/job/kato/5/",
		"repository", "http://repo.example.com trusty main", "package_type", "deb", "packages", "kato=1.0-h5.abc1234 redis-server",
		"build_host", "https://jenkins.example.com/", "configDir", configDir)
	variants := map[string][]rosco.Param{
		"docker": append(str("docker_source_image", "ubuntu:22.04", "docker_target_image", "kato",
			"docker_target_image_tag", "1.0-h5", "docker_target_repository", "registry.example.com/apps"), common...),
		"gce-provisioner": append(append(str("gce_project_id", "spinnaker-build", "gce_zone", "us-central1-f",
			"gce_source_image", "ubuntu-1404-trusty-v20161109", "gce_target_image", "kato-all-20261121133000-trusty",
			"gce_network", "default", "gce_use_internal_ip", "false"), common...),
			str("upgrade", "true", "manifestFile", filepath.Join(t.TempDir(), "manifest.json"), "artifactFile", artifacts)...),
	}
	return variants
}

// TestRoscoExampleHasOnlyTestedTemplates keeps example/rosco to the files
// the tests above validate.
func TestRoscoExampleHasOnlyTestedTemplates(t *testing.T) {
	var want []string
	for _, tmpl := range roscoTemplates {
		for _, form := range templateForms {
			want = append(want, tmpl.name+form)
		}
	}
	for _, name := range []string{"docker", "gce-provisioner"} {
		for _, form := range templateForms {
			want = append(want, name+form)
		}
	}
	entries, err := os.ReadDir(filepath.Join(repoDir(t), "example", "rosco"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example/rosco holds %q, the tests cover %q", got, want)
	}
}
