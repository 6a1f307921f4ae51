package ebs

import (
	"context"
	"testing"

	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestArtifactImagesReadsAmazonsArtifactAndItsID(t *testing.T) {
	amis := map[string]string{"us-east-1": "ami-11111111", "eu-west-1": "ami-22222222"}
	typed, err := artifactImages(&awscommon.Artifact{Amis: amis})
	if err != nil || len(typed) != 2 || typed["eu-west-1"] != "ami-22222222" {
		t.Errorf("typed artifact: %v, %v", typed, err)
	}
	opaque, err := artifactImages(&packersdk.MockArtifact{IdValue: "eu-west-1:ami-22222222,us-east-1:ami-11111111"})
	if err != nil || len(opaque) != 2 || opaque["us-east-1"] != "ami-11111111" {
		t.Errorf("opaque artifact: %v, %v", opaque, err)
	}
	if _, err := artifactImages(&packersdk.MockArtifact{IdValue: "ami-11111111"}); err == nil {
		t.Error("an id without regions was accepted")
	}
}

func TestEnsureKeyTagTagsOnlyWhatLacksTheKey(t *testing.T) {
	f := newCacheFixture(t, nil)
	tagged := f.addKeyImage("us-east-1", "app-1")
	bare := f.fake.AddImage("eu-west-1", ec2fake.Image{Name: "app-1"}).ID
	cl, err := connect(context.Background(), &f.builder.config)
	if err != nil {
		t.Fatal(err)
	}
	f.fake.ResetCalls()
	if err := ensureTags(context.Background(), cl, map[string]string{"us-east-1": tagged, "eu-west-1": bare}, map[string]string{DefaultKeyTag: testKey, DefaultSpecTag: f.builder.config.specDigest}); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.CallCount("CreateTags"); n != 1 {
		t.Errorf("CreateTags calls = %d, want 1 (only the untagged image)", n)
	}
	if got := f.fake.Images("eu-west-1")[0].Tags[DefaultKeyTag]; got != testKey {
		t.Errorf("eu-west-1 key tag = %q", got)
	}
	f.fake.InjectFault(ec2fake.Fault{Action: "CreateTags", Code: "UnauthorizedOperation"})
	other := f.fake.AddImage("eu-west-1", ec2fake.Image{Name: "app-2"}).ID
	if err := ensureTags(context.Background(), cl, map[string]string{"eu-west-1": other}, map[string]string{DefaultKeyTag: testKey}); err == nil {
		t.Error("a key tag that could not be set was not an error")
	}
}

func TestDescribeImagesAvoidsRoscosRegionPattern(t *testing.T) {
	got := describeImages(map[string]string{"us-east-1": "ami-11111111", "eu-west-1": "ami-22222222"})
	if want := "ami-22222222 in eu-west-1, ami-11111111 in us-east-1"; got != want {
		t.Errorf("describeImages = %q, want %q", got, want)
	}
}
