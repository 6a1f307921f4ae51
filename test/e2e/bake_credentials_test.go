//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// credentialsPassword holds every character that used to cut a password short before masking:
// ';' (Rosco's repository separator), '/', '@' and a space, and '@' before a host-like word and
// ':' (`P@ss:123`). Each piece between them is distinctive, so a password masked only in part
// still shows.
const credentialsPassword = "Xq7sec;Yq8pw/Zq9pw@Wq6pw Vq5pw@Tq3:45"

// credentialsInputs are the bake inputs of both templates: the password in Rosco's repository
// string, the repositories list, a package artifact reference in Rosco's `<repository line>
// <package>` form, build_info_url and an extra key input.
const credentialsInputs = `
    package_name   = "hello-svc_1.0.1-h6_all"
    base_os        = "noble"
    base_ami       = "ami-0a1b2c3d4e5f60718"
    ami_suffix     = "20261121120000"
    build_number   = "7"
    build_info_url = "https://ci:${var.password}@ci.example.com/job/app/7"
    repository     = "'https://deploy:${var.password}@repo.example.com/apt ./;https://deploy:${var.password}@mirror.example.com/apt stable main'"
    repositories   = ["https://deploy:${var.password}@third.example.com/apt ./"]
    package_artifacts {
      name      = "hello-svc_1.0.1-h6_all"
      reference = "https://deploy:${var.password}@repo.example.com/apt ./ hello-svc"
    }
    extra_key_inputs = { mirror = "https://deploy:${var.password}@repo.example.com/apt" }
`

const credentialsDatasourceTemplate = `
variable "ec2_endpoint" { type = string }
# Not sensitive: Packer would then filter the raw value from its own output and hide a leak.
variable "password" { type = string }

data "spinnaker-bake" "app" {
` + credentialsInputs + `
  region                     = "us-east-1"
  regions                    = ["eu-west-1"]
  custom_endpoint_ec2        = var.ec2_endpoint
  skip_credential_validation = true
}
` + printDatasourceOutputs

// The builder's bake block with the same inputs, against an image that already carries the key:
// a cache hit, so nothing is launched.
const credentialsBuilderTemplate = `
variable "ec2_endpoint" { type = string }
# Not sensitive: Packer would then filter the raw value from its own output and hide a leak.
variable "password" { type = string }

source "spinnaker-ebs" "app" {
  bake {
` + credentialsInputs + `
  }
  region        = "us-east-1"
  ami_regions   = ["eu-west-1"]
  source_ami    = "ami-0a1b2c3d4e5f60718"
  instance_type = "t3.micro"
  ami_name      = "hello-svc-{{timestamp}}"
  # Tags as the user writes them; the password reaches the build only through the bake block.
  tags = {
    appversion     = "hello-svc-1.0.1-h6/app/7"
    build_info_url = "https://ci.example.com/job/app/7"
  }
  # Never used: on a cache hit nothing is launched.
  communicator               = "ssh"
  ssh_username               = "root"
  custom_endpoint_ec2        = var.ec2_endpoint
  skip_credential_validation = true
}

build {
  sources = ["source.spinnaker-ebs.app"]
}
`

// TestBakeCredentialsNeverPrinted gives a repository password to data "spinnaker-bake" and to the
// builder's bake block, through real `packer build`s with PACKER_LOG=1, and searches every output,
// the whole log, every EC2 request and every AMI tag for the password's raw, URL-encoded and
// base64 forms and for each piece of it.
func TestBakeCredentialsNeverPrinted(t *testing.T) {
	t.Setenv("PACKER_LOG", "1")
	p := harness.NewPacker(t)
	fake := ec2fake.New(ec2fake.Options{})
	// A hit writes what the request adds (tags, sharing); nothing is ever launched here.
	compute := ec2fake.EnableCompute(fake, ec2fake.ComputeOptions{
		Launcher: func(context.Context, ec2fake.LaunchRequest) (string, error) {
			return "", errors.New("a cache hit must launch nothing")
		},
	})
	t.Cleanup(compute.Close)
	endpoint := serveFakeEC2(t, fake)
	vars := []string{"-var", "ec2_endpoint=" + endpoint, "-var", "password=" + credentialsPassword}
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	leaks := leakedForms(credentialsPassword)
	noLeak := func(t *testing.T, what, text string) {
		t.Helper()
		for _, form := range leaks {
			if strings.Contains(text, form) {
				t.Errorf("%s holds %q (a form of the password)", what, form)
			}
		}
	}

	var outputs map[string]any
	t.Run("datasource", func(t *testing.T) {
		out, err := p.Build(t, write("datasource.pkr.hcl", credentialsDatasourceTemplate), vars...)
		if err != nil {
			t.Fatalf("packer build: %v", err)
		}
		noLeak(t, "the PACKER_LOG=1 output", out)
		if !strings.Contains(out, "[DEBUG]") {
			t.Error("the output has no debug lines; the check proves nothing")
		}
		decoded := printedOutputs(t, out)
		noLeak(t, "the datasource's outputs", string(decoded))
		if err := json.Unmarshal(decoded, &outputs); err != nil {
			t.Fatal(err)
		}
		doc, _ := outputs["key_document"].(string)
		for _, want := range []string{`"https://***@repo.example.com/apt ./"`, `"https://***@mirror.example.com/apt stable main"`,
			`"https://***@third.example.com/apt ./"`, `"reference":"https://***@repo.example.com/apt ./ hello-svc"`} {
			if !strings.Contains(doc, want) {
				t.Errorf("key_document %s lacks %s: the inputs did not reach it masked", doc, want)
			}
		}
		roscoKeys, _ := outputs["rosco_key"].(map[string]any)
		if got, _ := roscoKeys["us-east-1"].(string); !strings.Contains(got, ":https://***@repo.example.com/apt ./ hello-svc:us-east-1:") {
			t.Errorf("rosco_key %q lacks the masked reference", got)
		}
		for _, c := range fake.Calls() {
			noLeak(t, fmt.Sprintf("EC2 request %s", c.Action), c.Form.Encode())
		}
	})
	key, _ := outputs["key"].(string)
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(key) {
		t.Fatalf("key output %q", key)
	}

	t.Run("builder bake block", func(t *testing.T) {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			fake.AddImage(region, ec2fake.Image{Name: "hello-svc-all-20261121120000-noble", Tags: map[string]string{
				keyTag: key, ebs.DefaultSpecTag: sourceAMIOnlySpec("ami-0a1b2c3d4e5f60718"), "appversion": "hello-svc-1.0.1-h1"}})
		}
		fake.ResetCalls()
		out, err := p.Build(t, write("builder.pkr.hcl", credentialsBuilderTemplate), vars...)
		if err != nil {
			t.Fatalf("packer build: %v", err)
		}
		noLeak(t, "the PACKER_LOG=1 output", out)
		if !strings.Contains(out, "No changes detected; reused existing bake") || !strings.Contains(out, key) {
			t.Errorf("the bake block's key is not the datasource's %s, or no hit:\n%s", key, out)
		}
		if !strings.Contains(out, "https://***@repo.example.com/apt ./ hello-svc") {
			t.Errorf("the key document is not logged masked; the check proves nothing:\n%s", out)
		}
		for _, c := range fake.Calls() {
			noLeak(t, fmt.Sprintf("EC2 request %s", c.Action), c.Form.Encode())
		}
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for _, img := range fake.Images(region) {
				tags, _ := json.Marshal(img.Tags)
				noLeak(t, fmt.Sprintf("tags of %s in %s", img.ID, region), string(tags))
			}
		}
	})
}

// leakedForms are what a leak of password would look like: the password raw, URL-encoded (path
// and query), base64 (alone and as HTTP basic auth's user:password), and each piece of it between
// the characters that used to cut it short.
func leakedForms(password string) []string {
	forms := []string{password, url.PathEscape(password), url.QueryEscape(password),
		base64.StdEncoding.EncodeToString([]byte(password)),
		base64.StdEncoding.EncodeToString([]byte("deploy:" + password)),
		base64.StdEncoding.EncodeToString([]byte("ci:" + password))}
	return append(forms, strings.FieldsFunc(password, func(r rune) bool { return strings.ContainsRune(";/@ ", r) })...)
}

// TestBakeBlockCredentialsNeverReachTheImage bakes for real (a booted target, amazon-ebs's whole
// life cycle against the EC2 fake) from the bake block of TestEBSBakeBlock's template, whose
// repository and package artifact reference now carry a password. The provisioner installs from
// the signed repository without credentials, so any leak found is the bake block's. The password
// must reach neither the output with PACKER_LOG=1, nor any EC2 request, nor the tags of any
// image or instance, and the key must still be the datasource's for the same inputs.
func TestBakeBlockCredentialsNeverReachTheImage(t *testing.T) {
	t.Setenv("PACKER_LOG", "1")
	e := newEBSEnv(t)
	template := bakeBlockTemplate
	for old, repl := range map[string]string{
		`variable "source_ami_name" { type = string }`:     "variable \"source_ami_name\" { type = string }\nvariable \"bake_repository\" { type = string }",
		`repositories = [var.repository_url]`:              `repositories = [var.bake_repository]`,
		`reference = "${var.repository_url} ./ hello-svc"`: `reference = "${var.bake_repository} ./ hello-svc"`,
	} {
		if strings.Count(template, old) != 1 {
			t.Fatalf("bakeBlockTemplate no longer holds %q once; adapt this test", old)
		}
		template = strings.Replace(template, old, repl, 1)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "block.pkr.hcl"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	bakeRepository := strings.Replace(e.tg.Repos.AptSigned, "://", "://deploy:"+credentialsPassword+"@", 1)
	args := append(e.varArgs(), "-var", "source_ami_name=debian-12-*", "-var", "bake_repository="+bakeRepository)
	want := datasourceKeyFor(t, map[string]interface{}{
		"packages":          []interface{}{"hello-svc_1.0.1-h6_all"},
		"base_os":           "debian",
		"base_ami":          baseAMI,
		"package_type":      "deb",
		"repositories":      []interface{}{bakeRepository},
		"build_number":      "7",
		"package_artifacts": []interface{}{map[string]interface{}{"name": "hello-svc_1.0.1-h6_all", "reference": bakeRepository + " ./ hello-svc"}},
		"extra_key_inputs":  map[string]interface{}{"services": "hello-svc"},
	})

	out, err := e.packer.Build(t, dir, args...)
	mustSucceed(t, out, err)
	if got := bakeKeyOf(t, out); got != want {
		t.Errorf("bake key %s, want the datasource's %s for the same inputs", got, want)
	}
	masked := strings.Replace(e.tg.Repos.AptSigned, "://", "://***@", 1) + " ./ hello-svc"
	if !strings.Contains(out, masked) {
		t.Errorf("the key document is not logged with %q; the check proves nothing:\n%s", masked, out)
	}
	leaks := leakedForms(credentialsPassword)
	noLeak := func(what, text string) {
		t.Helper()
		for _, form := range leaks {
			if strings.Contains(text, form) {
				t.Errorf("%s holds %q (a form of the password)", what, form)
			}
		}
	}
	noLeak("the PACKER_LOG=1 output", out)
	for _, c := range e.fake.Calls() {
		noLeak("EC2 request "+c.Action, c.Form.Encode())
	}
	images := 0
	for _, region := range []string{buildRegion, copyRegion} {
		for _, img := range e.fake.Images(region) {
			images++
			tags, _ := json.Marshal(img.Tags)
			noLeak(fmt.Sprintf("tags of %s in %s", img.ID, region), string(tags))
		}
	}
	for _, in := range e.compute.Instances() {
		tags, _ := json.Marshal(in.Tags)
		noLeak("tags of instance "+in.ID, string(tags))
	}
	if imgs := e.keyImages(want); len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
		t.Errorf("images with the key: %+v (of %d images)", imgs, images)
	}
}

// sourceAMIOnlySpec is the image spec digest spinnaker-ebs computes for a template that sets none of
// the options that shape the image beyond its source AMI (see docs/strict-key.md): the hit below
// must match it as an earlier bake of that template would have left it.
func sourceAMIOnlySpec(sourceAMI string) string {
	doc, err := json.Marshal(map[string]string{"source_ami": sourceAMI})
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(doc)
	return "sha256:" + hex.EncodeToString(sum[:])
}
