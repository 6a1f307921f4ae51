package ebs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestCopyResumesACopyWhoseTagsTrailItsName: EC2 lists the earlier copy before the tags
// CopyImageTags gives it; the build reads again until they show.
func TestCopyResumesACopyWhoseTagsTrailItsName(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.addKeyImage("us-east-1", "app-1")
	left := f.compute.AddImage("eu-west-1", ec2fake.Image{Name: "app-1", State: "pending", Tags: map[string]string{}})
	go func() {
		time.Sleep(300 * time.Millisecond)
		f.fake.UpdateImage("eu-west-1", left.ID, func(i *ec2fake.Image) {
			i.Tags = map[string]string{DefaultKeyTag: testKey, DefaultSpecTag: f.builder.config.specDigest}
			i.State = "available"
		})
	}()
	art, err := f.run(t)
	if err != nil {
		t.Fatalf("a copy whose tags were not yet visible failed the build: %v\n%s", err, f.out.String())
	}
	if !strings.Contains(art.Id(), "eu-west-1:"+left.ID) {
		t.Errorf("artifact %s does not use the earlier copy %s", art.Id(), left.ID)
	}
}

// laggingReads hides the images a DescribeImages by name finds for the first hide calls, as an
// EC2 read that has not caught up with a create yet answers (the fake is always consistent).
type laggingReads struct {
	ec2API
	hide int
}

func (l *laggingReads) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	out, err := l.ec2API.DescribeImages(ctx, in, opts...)
	if err == nil && len(in.Filters) > 0 && l.hide > 0 {
		l.hide--
		out.Images = nil
	}
	return out, err
}

func TestResumeCopyReadsAgainUntilTheImageIsListed(t *testing.T) {
	f := newCacheFixture(t, nil)
	cl := f.cloud(t)
	want := f.identity()
	left := f.compute.AddImage("eu-west-1", ec2fake.Image{Name: "app-1", Tags: map[string]string{DefaultKeyTag: testKey, DefaultSpecTag: want.Spec}})
	source := awslookup.Image{ID: "ami-0123456789abcdef0", Name: "app-1"}
	wait := imageWait{MinDelay: 50 * time.Millisecond, MaxWait: 5 * time.Second, ReadLag: 5 * time.Second, ReadDelay: 10 * time.Millisecond}
	dup := &ec2fake.APIError{Code: "InvalidAMIName.Duplicate"}

	id, err := resumeCopy(context.Background(), &laggingReads{ec2API: cl.clients["eu-west-1"], hide: 3}, "eu-west-1", want, source, wait, dup)
	if err != nil || id != left.ID {
		t.Fatalf("resumeCopy = %q, %v; want %s", id, err, left.ID)
	}

	wait.ReadLag = 100 * time.Millisecond
	start := time.Now()
	_, err = resumeCopy(context.Background(), &laggingReads{ec2API: cl.clients["eu-west-1"], hide: 1000}, "eu-west-1", want, source, wait, dup)
	if err == nil || !strings.Contains(err.Error(), "not visible yet after 100ms") {
		t.Errorf("never listed: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s, want about ReadLag", d)
	}

	// An image of that name tagged with another key is the user's: no waiting.
	f.fake.UpdateImage("eu-west-1", left.ID, func(i *ec2fake.Image) { i.Tags[DefaultKeyTag] = "other" })
	wait.ReadLag = time.Minute
	start = time.Now()
	if _, err := resumeCopy(context.Background(), cl.clients["eu-west-1"], "eu-west-1", want, source, wait, dup); err == nil || !strings.Contains(err.Error(), "does not carry the same key and spec") {
		t.Errorf("another key's image: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("another key's image: failed after %s, want at once", d)
	}
}
