package ebs

import (
	"context"
	"strings"
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

// A copy is a cache entry once it is available: another build may have
// reused it before this build's artifact is destroyed, so Destroy keeps it.
func TestDestroyKeepsACopyAnotherBuildMayHaveReused(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.addKeyImage("us-east-1", "app-1")
	copied, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	eu := f.fake.Images("eu-west-1")
	if len(eu) != 1 {
		t.Fatalf("eu-west-1 images = %+v, want the copy", eu)
	}
	// Another build of the same key and spec: a hit on both images, the copy
	// among them, with no write call (the request is applied already).
	f.fake.ResetCalls()
	reused, err := f.run(t)
	if err != nil || !strings.Contains(reused.Id(), eu[0].ID) {
		t.Fatalf("second build: %v, %v", reused, err)
	}
	for action := range f.callCounts() {
		if !strings.HasPrefix(action, "Describe") {
			t.Errorf("the hit made a %s call, which would have left a trace", action)
		}
	}
	if err := copied.Destroy(); err != nil {
		t.Fatal(err)
	}
	if got := f.fake.Images("eu-west-1"); len(got) != 1 || got[0].ID != eu[0].ID || got[0].State != "available" {
		t.Errorf("Destroy of the copying build removed the copy the other build returned: %+v", got)
	}
	if snaps := f.compute.Snapshots("eu-west-1"); len(snaps) != 1 {
		t.Errorf("eu-west-1 snapshots = %v, want the copy's", snaps)
	}
	if n := f.fake.CallCount("DeregisterImage") + f.fake.CallCount("DeleteSnapshot"); n != 0 {
		t.Errorf("Destroy made %d deregister or delete calls", n)
	}
}
