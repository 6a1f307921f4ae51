package ebs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/retry"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// imageWait bounds and paces waiting for an image to become available.
type imageWait struct {
	MinDelay time.Duration
	MaxWait  time.Duration
	// ReadLag bounds how long a read may trail a write EC2 already accepted (EC2's eventual
	// consistency): the image whose name made CopyImage fail, not yet listed or not yet tagged.
	// ReadDelay is the first pause between reads; each next one doubles, up to 5 seconds.
	ReadLag, ReadDelay time.Duration
}

// copySettings are the amazon-ebs options that shape a copy the way
// amazon-ebs's own region copy would: its encryption. Sharing, deprecation
// and tags are applied to every returned image afterwards (satisfy).
type copySettings struct {
	Encrypt *bool
	// KMSKeyIDs maps a region to its key (region_kms_key_ids).
	KMSKeyIDs map[string]string
}

// copyToMissing copies the plan's source image to every missing region at
// once, tags each copy with the source's tags (the key tag among them) and
// waits until the copies are available. It returns the new ids per region.
// A copy that fails is deregistered, so no key-tagged image is left in a
// state other than available; one region's failure does not stop the
// others, whose copies are kept (complete, tagged, a hit for the next
// build, which then copies only what is missing).
func copyToMissing(ctx context.Context, cl *cloud, id identity, plan Plan, source awslookup.Image, settings copySettings, wait imageWait) (map[string]string, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	created := map[string]string{}
	var errs []error
	for _, region := range plan.Missing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			copied, err := copyOne(ctx, cl.clients[region], region, plan.CopyFrom, id, source, settings, wait)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			created[region] = copied
		}()
	}
	wg.Wait()
	return created, errors.Join(errs...)
}

func copyOne(ctx context.Context, client ec2API, region, from string, want identity, source awslookup.Image, settings copySettings, wait imageWait) (string, error) {
	in := &ec2.CopyImageInput{
		SourceRegion:  aws.String(from),
		SourceImageId: aws.String(source.ID),
		Name:          aws.String(source.Name),
		CopyImageTags: aws.Bool(true),
		Encrypted:     settings.Encrypt,
	}
	if k := settings.KMSKeyIDs[region]; k != "" {
		in.KmsKeyId = aws.String(k)
	}
	out, err := client.CopyImage(ctx, in)
	if awslookup.ErrorCode(err) == "InvalidAMIName.Duplicate" {
		return resumeCopy(ctx, client, region, want, source, wait, err)
	}
	if err != nil {
		return "", fmt.Errorf("%s: CopyImage %s from %s: %w", region, source.ID, from, err)
	}
	id := aws.ToString(out.ImageId)
	// CopyImageTags copies the tags too, but the key tag is what later
	// lookups depend on, so it is set explicitly rather than trusted.
	if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(source.Tags)}); err != nil {
		return "", discard(client, region, id, fmt.Errorf("%s: CreateTags on copy %s: %w", region, id, err))
	}
	if err := waitAvailable(ctx, client, id, wait); err != nil {
		return "", discard(client, region, id, fmt.Errorf("%s: wait for copy %s: %w", region, id, err))
	}
	return id, nil
}

// resumeCopy handles a copy whose name is taken in the region: an earlier
// copy of the same image that a killed or timed-out build left behind
// (spinnaker/spinnaker#4498). A pending one carrying the source's key and
// spec tags (CopyImageTags) is waited for and used; anything else is the
// user's and the error stands.
func resumeCopy(ctx context.Context, client ec2API, region string, want identity, source awslookup.Image, wait imageWait, dup error) (string, error) {
	img, err := readNamedImage(ctx, client, source.Name, want.KeyTag, wait)
	if err != nil {
		return "", fmt.Errorf("%s: CopyImage %s: %w (%v)", region, source.ID, dup, err)
	}
	id := aws.ToString(img.ImageId)
	if tagValue(img.Tags, want.KeyTag) != want.Key || tagValue(img.Tags, DefaultSpecTag) != want.Spec {
		return "", fmt.Errorf("%s: CopyImage %s: %w (the image %s of that name does not carry the same key and spec)", region, source.ID, dup, id)
	}
	switch img.State {
	case ec2types.ImageStateAvailable, ec2types.ImageStatePending:
	default:
		return "", fmt.Errorf("%s: CopyImage %s: %w (an earlier copy %s is %s; deregister it)", region, source.ID, dup, id, img.State)
	}
	if err := waitAvailable(ctx, client, id, wait); err != nil {
		return "", discard(client, region, id, fmt.Errorf("%s: wait for the earlier copy %s: %w", region, id, err))
	}
	return id, nil
}

// errReadLag says a read does not show yet what EC2 already said exists.
var errReadLag = errors.New("not visible yet")

// readNamedImage reads the account's one image called name after CopyImage found the name taken.
// EC2's reads trail its writes: the image may not be listed yet, or be listed before its tags
// (CopyImageTags) are; both are read again, with backoff, for up to wait.ReadLag. Any other
// answer (an error, two images, an image tagged with another key) is final.
func readNamedImage(ctx context.Context, client ec2API, name, keyTag string, wait imageWait) (ec2types.Image, error) {
	var img ec2types.Image
	backoff := &retry.Backoff{InitialBackoff: wait.ReadDelay, MaxBackoff: 5 * time.Second, Multiplier: 2}
	err := retry.Config{
		StartTimeout: wait.ReadLag,
		RetryDelay:   backoff.Linear,
		ShouldRetry:  func(err error) bool { return errors.Is(err, errReadLag) },
	}.Run(ctx, func(ctx context.Context) error {
		out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{
			Owners:  []string{"self"},
			Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{name}}},
		})
		switch {
		case err != nil:
			return fmt.Errorf("DescribeImages name=%s: %w", name, err)
		case len(out.Images) == 0:
			return fmt.Errorf("image %s: %w", name, errReadLag)
		case len(out.Images) > 1:
			return fmt.Errorf("%d images are named %s", len(out.Images), name)
		case tagValue(out.Images[0].Tags, keyTag) == "":
			return fmt.Errorf("the tags of image %s (%s): %w", aws.ToString(out.Images[0].ImageId), name, errReadLag)
		}
		img = out.Images[0]
		return nil
	})
	if err != nil && errors.Is(err, errReadLag) {
		err = fmt.Errorf("%w after %s", err, wait.ReadLag)
	}
	return img, err
}

// discard deregisters an image this build created and cannot finish, so it
// does not carry the key without being usable. Its own failure is reported
// with the original one.
func discard(client ec2API, region, id string, cause error) error {
	// The build's context may be what failed; cleanup gets its own.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := destroyImage(ctx, client, id, liftOwnProtection); err != nil {
		return fmt.Errorf("%w (and removing %s in %s failed: %v)", cause, id, region, err)
	}
	return cause
}

func waitAvailable(ctx context.Context, client ec2API, id string, wait imageWait) error {
	w := ec2.NewImageAvailableWaiter(client, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay = wait.MinDelay
		if o.MaxDelay < o.MinDelay {
			o.MaxDelay = o.MinDelay
		}
	})
	return w.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, wait.MaxWait)
}

// ensureTags puts the tags on every image of a fresh bake (finishBake: the
// key, the spec and the lifecycle tags), all that an image lacks in one
// CreateTags, and none on an image that has them all.
func ensureTags(ctx context.Context, cl *cloud, amis map[string]string, tags map[string]string) error {
	for _, region := range slices.Sorted(maps.Keys(amis)) {
		id := amis[region]
		client, ok := cl.clients[region]
		if !ok {
			return fmt.Errorf("tag %s in %s: no client for the region", id, region)
		}
		out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		if err != nil {
			return fmt.Errorf("%s: DescribeImages %s to check its tags: %w", region, id, err)
		}
		missing := map[string]string{}
		for k, v := range tags {
			if len(out.Images) != 1 || tagValue(out.Images[0].Tags, k) != v {
				missing[k] = v
			}
		}
		if len(missing) == 0 {
			continue
		}
		if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(missing)}); err != nil {
			return fmt.Errorf("%s: CreateTags %s on %s: %w", region, strings.Join(slices.Sorted(maps.Keys(missing)), ", "), id, err)
		}
	}
	return nil
}

func tagValue(tags []ec2types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func ec2Tags(m map[string]string) []ec2types.Tag {
	out := make([]ec2types.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// copySettings takes encryption from the amazon-ebs options.
func (b *Builder) copySettings() copySettings {
	c := &b.config
	return copySettings{
		Encrypt:   c.AMIEncryptBootVolume.ToBoolPointer(),
		KMSKeyIDs: c.AMIRegionKMSKeyIDs,
	}
}

// imageWait paces waiting for copies like amazon-ebs's aws_polling does.
func (b *Builder) imageWait() imageWait {
	w := imageWait{MinDelay: 5 * time.Second, MaxWait: 30 * time.Minute, ReadLag: 30 * time.Second, ReadDelay: time.Second}
	if p := b.config.PollingConfig; p != nil && p.DelaySeconds > 0 {
		w.MinDelay = time.Duration(p.DelaySeconds) * time.Second
		if p.MaxAttempts > 0 {
			w.MaxWait = time.Duration(p.MaxAttempts) * w.MinDelay
		}
	}
	return w
}
