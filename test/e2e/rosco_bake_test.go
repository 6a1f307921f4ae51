//go:build e2e

package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// roscoBakeBaseAMI is the base image the fake EC2 knows; its "instance" is
// a booted Debian harness target.
const roscoBakeBaseAMI = "ami-0deb1a00000000777"

// roscoBakeKeyring is where the base image carries the repository's key,
// as a real base AMI would; Rosco's repository entry names it in signed-by.
const roscoBakeKeyring = "/usr/share/keyrings/spinnaker-e2e.asc"

// TestRoscoAWSEBSBake runs example/rosco's aws-ebs template, in both forms,
// with the exact command Rosco would run for a bake request: spinnaker-ebs
// launches the "instance" through the loopback EC2 fake (a booted target),
// spinnaker-packages installs the package over SSH as the base image's
// sudo user, and the image is created and tagged. Rosco's log scraping,
// applied to the output, finds the AMI. Each form then runs again with a
// new ami_suffix, as Orca sends one per execution, and reuses the image,
// once more with -timestamp-ui.
func TestRoscoAWSEBSBake(t *testing.T) {
	for _, file := range []string{"aws-ebs.pkr.hcl", "aws-ebs.json"} {
		t.Run(file, func(t *testing.T) {
			tg := harness.NewTarget(t, harness.Debian)
			p := harness.NewPacker(t)
			fake := roscoEC2(t, tg)
			tg.WriteFile(t, roscoBakeKeyring, tg.Repos.RepoKey.Armored, 0o644)

			b := roscoEBSBake(t, tg, file, "20261121140000")
			out, err := runAsRosco(t, p, b)
			mustSucceed(t, out, err)

			imageName, err := rosco.ImageName(b.Base.PackageType, b.Request, 0)
			if err != nil {
				t.Fatal(err)
			}
			img := imageNamed(t, fake, b.Region, imageName)
			wantTags := map[string]string{
				"appversion":     "hello-svc-1.0.1-h42.0abc123/hello-svc/42",
				"build_host":     b.Request.BuildHost,
				"build_info_url": b.Request.BuildInfoURL,
				"Packages":       "hello-svc=1.0.1-h6 hello-lib=1.0.0-h5",
			}
			for k, v := range wantTags {
				if img.Tags[k] != v {
					t.Errorf("image tag %s = %q, want %q (tags %v)", k, img.Tags[k], v, img.Tags)
				}
			}
			// The template's bake block computes, from Rosco's variables, the
			// key data "spinnaker-bake" computes for the same inputs.
			if want := roscoTemplateKey(t, b, file); img.Tags[keyTag] != want {
				t.Errorf("image tag %s = %q, want the strict key %s", keyTag, img.Tags[keyTag], want)
			}
			wantVersion(t, tg, "hello-svc", "1.0.1-h6")
			wantVersion(t, tg, "hello-lib", "1.0.0-h5")
			wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
			wantNotStarted(t, tg)
			for _, header := range []string{"package_type=deb", "packages=hello-svc=1.0.1-h6 hello-lib=1.0.0-h5"} {
				if !strings.Contains(out, header) {
					t.Errorf("output lacks Rosco's header line %q", header)
				}
			}
			wantRoscoScrape(t, out, b.Region, img.ID)

			fake.ResetCalls()
			again := roscoEBSBake(t, tg, file, "20261121150000")
			out, err = runAsRosco(t, p, again)
			mustSucceed(t, out, err)
			if !strings.Contains(out, "No changes detected; reused existing bake") {
				t.Errorf("the second bake did not reuse the image:\n%s", out)
			}
			if n := fake.CallCount("RunInstances"); n != 0 {
				t.Errorf("RunInstances calls on the second bake = %d, want 0", n)
			}
			wantRoscoScrape(t, out, b.Region, img.ID)

			// The Fargate executor always adds -timestamp-ui (packer.timestamp
			// does the same locally); the summary lines stay unprefixed.
			stamped := roscoEBSBake(t, tg, file, "20261121160000")
			stamped.Config.PackerTimestamp = true
			out, err = runAsRosco(t, p, stamped)
			mustSucceed(t, out, err)
			if !strings.Contains(strings.Join(stamped.argv(t), " "), " -timestamp-ui ") {
				t.Fatalf("argv lacks -timestamp-ui: %q", stamped.argv(t))
			}
			wantRoscoScrape(t, out, b.Region, img.ID)
		})
	}
}

// roscoTemplateKey is the strict key data "spinnaker-bake" computes for the
// variables Rosco sends for b, as the EBS templates hand them to their
// bake block.
func roscoTemplateKey(t *testing.T, b roscoBake, template string) string {
	t.Helper()
	vars := map[string]string{}
	args, _ := roscoCommandParts(t, b.argv(t))
	for _, kv := range varArgs(args) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return datasourceKeyFor(t, map[string]interface{}{
		"package_name":        vars["packages"],
		"package_type":        vars["package_type"],
		"base_ami":            vars["aws_source_ami"],
		"repository":          vars["repository"],
		"upgrade":             vars["upgrade"],
		"enhanced_networking": vars["aws_ena_support"] == "true",
		"template_file_name":  template,
	})
}

// roscoEBSBake is the bake request for the target's signed repository, with
// rosco.yml's debianRepository naming the key the base image carries.
func roscoEBSBake(t *testing.T, tg *harness.Target, template, amiSuffix string) roscoBake {
	t.Helper()
	b := realisticBake(filepath.Join(repoDir(t), "example", "rosco"), template)
	b.Config.AWSSubnetID, b.Config.AWSVPCID = "", "" // the fake's default VPC
	b.Config.DebianRepository = "[signed-by=" + roscoBakeKeyring + "] " + tg.Repos.AptSigned + " ./"
	b.Base.SourceAMI = roscoBakeBaseAMI
	b.Base.InstanceType = "t3.micro"
	b.Base.SSHUserName = tg.SudoUser
	b.Request = rosco.Request{
		PackageName:      "hello-svc_1.0.1-h6_all hello-lib_1.0.0-h5_all",
		BaseOS:           "bookworm",
		AMISuffix:        amiSuffix,
		TemplateFileName: template,
		BuildNumber:      "42",
		CommitHash:       "0abc123",
		Job:              "hello-svc",
		BuildHost:        "https://jenkins.example.com/",
		BuildInfoURL:     "https://jenkins.example.com/job/hello-svc/42/",
		ExtendedAttributes: []rosco.Attribute{
			{Key: "services", Value: "hello-svc"},
		},
	}
	return b
}

// runAsRosco runs Rosco's argv for b: everything after `packer build`,
// unchanged (-color=false included), on the template in example/rosco.
func runAsRosco(t *testing.T, p *harness.Packer, b roscoBake) (string, error) {
	t.Helper()
	args, template := roscoCommandParts(t, b.argv(t))
	return p.Run(t, template, "build", args...)
}

// imageNamed returns the one image called name in region.
func imageNamed(t *testing.T, fake *ec2fake.Server, region, name string) ec2fake.Image {
	t.Helper()
	var found []ec2fake.Image
	for _, img := range fake.Images(region) {
		if img.Name == name {
			found = append(found, img)
		}
	}
	if len(found) != 1 {
		t.Fatalf("images named %s in %s: %+v", name, region, fake.Images(region))
	}
	if found[0].State != "available" {
		t.Fatalf("image %s is %s", found[0].ID, found[0].State)
	}
	return found[0]
}

// wantRoscoScrape applies Rosco's scraping rules to the build output. The
// AMI comes from the final summary; Packer >= 1.4 prints no line Rosco
// takes an image name from, so none may be found, or only the right one.
func wantRoscoScrape(t *testing.T, out, region, ami string) {
	t.Helper()
	got, err := rosco.ScrapeLog(region, out)
	if err != nil {
		t.Fatal(err)
	}
	if got.AMI != ami {
		t.Errorf("Rosco scrapes AMI %q, want %s", got.AMI, ami)
	}
	if len(got.Artifacts) == 0 || got.Artifacts[0].Location != region || got.Artifacts[0].Reference != ami {
		t.Errorf("Rosco's artifacts = %+v, want %s: %s first", got.Artifacts, region, ami)
	}
	if got.ImageNameFound {
		t.Errorf("Rosco scrapes image name %q: something printed an image-name token", got.ImageName)
	}
}

// roscoEC2 starts the EC2 fake with compute for a Rosco template: the
// template sets no key pair, so amazon-ebs creates a temporary one and the
// launcher installs its public key for the SSH user, as cloud-init does on
// a real instance. The fake also answers the two calls Rosco's template
// makes that amazon-ebs's own tests avoid: STS GetCallerIdentity (no
// skip_credential_validation) and ModifyInstanceAttribute (ena_support is
// set, to "false" by default).
func roscoEC2(t *testing.T, tg *harness.Target) *ec2fake.Server {
	t.Helper()
	fake := ec2fake.New(ec2fake.Options{})
	compute := ec2fake.EnableCompute(fake, ec2fake.ComputeOptions{
		Launcher: func(ctx context.Context, req ec2fake.LaunchRequest) (addr string, err error) {
			if err := authorizeLaunchKey(t, tg, req.PublicKey); err != nil {
				return "", err
			}
			return tg.Addr, nil
		},
	})
	fake.AddImage("us-east-1", ec2fake.Image{ID: roscoBakeBaseAMI, Name: "debian-12-amd64-base", State: "available"})
	fake.Handle("GetCallerIdentity", func(_ *ec2fake.Server, r *ec2fake.Request) (any, error) {
		return callerIdentityResponse{
			RequestID: r.RequestID,
			Result: callerIdentity{
				Arn: "arn:aws:iam::" + fake.AccountID() + ":user/rosco", UserID: "AIDAE2ETESTROSCO", Account: fake.AccountID(),
			},
		}, nil
	})
	fake.Handle("ModifyInstanceAttribute", func(_ *ec2fake.Server, r *ec2fake.Request) (any, error) {
		return modifyInstanceAttributeResponse{RequestID: r.RequestID, Return: true}, nil
	})
	t.Cleanup(compute.Close)
	endpoint := serveFakeEC2(t, fake)
	// Rosco's template also validates its credentials with STS and waits with amazon-ebs's
	// default 15 s polling; both go to the fake and poll every second.
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_STS":   endpoint,
		"AWS_POLL_DELAY_SECONDS": "1",
		"AWS_SUBNET_ID":          "",
		"AWS_VPC_ID":             "",
	} {
		t.Setenv(k, v)
	}
	return fake
}

// authorizeLaunchKey appends pub to the SSH user's authorized_keys. It runs
// in the fake's launcher goroutine, where the test must not stop, so a
// harness failure comes back as an error.
func authorizeLaunchKey(t *testing.T, tg *harness.Target, pub string) (err error) {
	if pub == "" || strings.ContainsAny(pub, "'\n") {
		return fmt.Errorf("unexpected public key %q", pub)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("install the launch key on %s: %v", tg.Addr, r)
		}
	}()
	script := fmt.Sprintf(`set -e
home=$(getent passwd %[1]s | cut -d: -f6)
install -d -m 700 -o %[1]s -g %[1]s "$home/.ssh"
printf '%%s\n' '%[2]s' >> "$home/.ssh/authorized_keys"
chown %[1]s: "$home/.ssh/authorized_keys"
chmod 600 "$home/.ssh/authorized_keys"`, tg.SudoUser, pub)
	if out, rc := tg.Run(panickingT{t}, script); rc != 0 {
		return fmt.Errorf("install the launch key on %s: rc %d: %s", tg.Addr, rc, out)
	}
	return nil
}

// panickingT turns the harness's Fatalf into a panic that
// authorizeLaunchKey recovers, since Fatalf must not be called outside the
// test's goroutine.
type panickingT struct{ *testing.T }

func (p panickingT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

type callerIdentityResponse struct {
	XMLName   xml.Name       `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result    callerIdentity `xml:"GetCallerIdentityResult"`
	RequestID string         `xml:"ResponseMetadata>RequestId"`
}

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

type modifyInstanceAttributeResponse struct {
	XMLName   xml.Name `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ ModifyInstanceAttributeResponse"`
	RequestID string   `xml:"requestId"`
	Return    bool     `xml:"return"`
}
