//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// The spinnaker-ebs tests run example/ebs through a real `packer build`:
// amazon-ebs's steps talk to the EC2 fake on loopback, and the "instance" it
// launches is a booted harness target, so SSH and spinnaker-packages run for
// real.

const (
	baseAMI     = "ami-0deb1a00000000001"
	buildRegion = "us-east-1"
	copyRegion  = "eu-west-1"
	thirdRegion = "eu-central-1"
	keyTag      = "spinnaker:bake-key"
)

// ebsEnv is one fake EC2 plus the target every launch hands out.
type ebsEnv struct {
	fake     *ec2fake.Server
	compute  *ec2fake.Compute
	endpoint string
	tg       *harness.Target
	packer   *harness.Packer
	example  string
}

func newEBSEnv(t testing.TB) *ebsEnv {
	t.Helper()
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	fake := ec2fake.New(ec2fake.Options{})
	compute := ec2fake.EnableCompute(fake, ec2fake.ComputeOptions{
		// Every RunInstances gets the booted target: its veth address is the
		// instance's private and public IP.
		Launcher: func(context.Context, ec2fake.LaunchRequest) (string, error) { return tg.Addr, nil },
	})
	fake.AddImage(buildRegion, ec2fake.Image{ID: baseAMI, Name: "debian-12-amd64"})
	pub := publicKeyOf(t, tg.KeyFile)
	if err := compute.ImportKeyPair(buildRegion, "harness", pub); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(compute.Close)
	endpoint := serveFakeEC2(t, fake)
	return &ebsEnv{fake: fake, compute: compute, endpoint: endpoint, tg: tg, packer: p, example: filepath.Join(repoDir(t), "example", "ebs")}
}

// build runs example/ebs with the target's repository and key; extra are
// further packer arguments (-var …, -force).
func (e *ebsEnv) build(t testing.TB, extra ...string) (string, error) {
	t.Helper()
	return e.packer.Build(t, e.example, append(e.varArgs(), extra...)...)
}

// varArgs are the -var arguments that point example/ebs at the fake and the target.
// ebsEnvVariables declares the variables varArgs sets, for the templates
// the tests write themselves (Packer refuses a -var it has no declaration for).
const ebsEnvVariables = `
variable "source_ami" { type = string }
variable "repository_url" { type = string }
variable "repository_key_url" { type = string }
variable "repository_key_fingerprint" { type = string }
variable "ssh_username" { type = string }
variable "ssh_keypair_name" { type = string }
variable "ssh_private_key_file" { type = string }
variable "ec2_endpoint" { type = string }
variable "poll_delay_seconds" { type = number }
`

func (e *ebsEnv) varArgs() []string {
	return []string{
		"-var", "source_ami=" + baseAMI,
		"-var", "repository_url=" + e.tg.Repos.AptSigned,
		"-var", "repository_key_url=" + e.tg.Repos.KeyURL(e.tg.Repos.RepoKey),
		"-var", "repository_key_fingerprint=" + e.tg.Repos.RepoKey.Fingerprint,
		"-var", "ssh_username=root",
		"-var", "ssh_keypair_name=harness",
		"-var", "ssh_private_key_file=" + e.tg.KeyFile,
		"-var", "ec2_endpoint=" + e.endpoint,
		"-var", "poll_delay_seconds=1",
	}
}

// keyImages returns region -> images carrying key.
func (e *ebsEnv) keyImages(key string) map[string][]ec2fake.Image {
	out := map[string][]ec2fake.Image{}
	for _, region := range []string{buildRegion, copyRegion, thirdRegion} {
		for _, img := range e.fake.Images(region) {
			if img.Tags[keyTag] == key {
				out[region] = append(out[region], img)
			}
		}
	}
	return out
}

// calls counts the recorded calls per action.
func (e *ebsEnv) calls() map[string]int {
	out := map[string]int{}
	for _, c := range e.fake.Calls() {
		out[c.Action]++
	}
	return out
}

var bakeKeyLine = regexp.MustCompile(`bake key (sha256:[0-9a-f]{64})`)

// bakeKeyOf reads the key the builder printed.
func bakeKeyOf(t testing.TB, out string) string {
	t.Helper()
	m := bakeKeyLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no bake key in the output:\n%s", out)
	}
	return m[1]
}

// wantScraped applies Rosco's log scraping to the build output and checks
// the AMI it finds for each region.
func wantScraped(t testing.TB, out string, want map[string]string) {
	t.Helper()
	for region, id := range want {
		got, err := rosco.ScrapeLog(region, out)
		if err != nil {
			t.Fatal(err)
		}
		if got.AMI != id {
			t.Errorf("Rosco scrapes AMI %q for %s, want %s", got.AMI, region, id)
		}
		found := false
		for _, a := range got.Artifacts {
			found = found || a.Location == region && a.Reference == id
		}
		if !found {
			t.Errorf("Rosco's artifacts %+v lack %s: %s", got.Artifacts, region, id)
		}
	}
}

func publicKeyOf(t testing.TB, keyFile string) string {
	t.Helper()
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatalf("parse %s: %v", keyFile, err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
}
