package awslookup_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestAccessConfigPrepare(t *testing.T) {
	cases := []struct {
		name string
		c    awslookup.AccessConfig
		want string
	}{
		{"key without secret", awslookup.AccessConfig{AccessKey: "AKID"}, "access_key and secret_key must be set together"},
		{"secret without key", awslookup.AccessConfig{SecretKey: "s3cr3t"}, "access_key and secret_key must be set together"},
		{"token alone", awslookup.AccessConfig{Token: "tok"}, "token needs access_key and secret_key"},
		{"negative retries", awslookup.AccessConfig{MaxRetries: -1}, "max_retries must not be negative, got -1"},
		{"relative endpoint", awslookup.AccessConfig{CustomEndpointEC2: "localhost:8080"}, `custom_endpoint_ec2 "localhost:8080" is not an absolute URL`},
		{"session without role", awslookup.AccessConfig{AssumeRole: awslookup.AssumeRoleConfig{SessionName: "bake"}}, "assume_role needs role_arn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.c.Prepare()
			if len(errs) != 1 || errs[0].Error() != c.want {
				t.Fatalf("Prepare() = %v, want [%s]", errs, c.want)
			}
			if strings.Contains(errs[0].Error(), "s3cr3t") {
				t.Error("error shows the secret")
			}
		})
	}
	ok := awslookup.AccessConfig{AccessKey: "AKID", SecretKey: "s", Token: "t", CustomEndpointEC2: "http://127.0.0.1:1", MaxRetries: 3,
		AssumeRole: awslookup.AssumeRoleConfig{RoleARN: "arn:aws:iam::123456789012:role/bake", SessionName: "bake", ExternalID: "x"}}
	if errs := ok.Prepare(); len(errs) != 0 {
		t.Errorf("Prepare() = %v for a valid config", errs)
	}
}

func TestAWSConfigUsesProfileFromSharedCredentialsFile(t *testing.T) {
	fake, ac := newFake(t, ec2fake.Options{})
	creds := filepath.Join(t.TempDir(), "credentials")
	content := "[bakery]\naws_access_key_id = AKIDFROMPROFILE00001\naws_secret_access_key = from-profile\n"
	if err := os.WriteFile(creds, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ac.AccessKey, ac.SecretKey = "", ""
	ac.Profile, ac.SharedCredentialsFile = "bakery", creds

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	if _, err := awslookup.FindImages(testContext(t), clientsFor(t, ac, "ap-south-1"), q); err != nil {
		t.Fatal(err)
	}
	if c := fake.Calls()[0]; c.AccessKeyID != "AKIDFROMPROFILE00001" || c.Region != "ap-south-1" {
		t.Errorf("call signed with %q for %q, want the profile's key for ap-south-1", c.AccessKeyID, c.Region)
	}
}

func TestAWSConfigNeedsRegion(t *testing.T) {
	_, err := awslookup.AccessConfig{}.AWSConfig(context.Background(), "")
	if err == nil || err.Error() != "aws config: region must be set" {
		t.Errorf("err = %v", err)
	}
}
