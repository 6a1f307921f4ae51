package ebs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// protection is an image's deregistration protection as DescribeImages
// reports it in DeregistrationProtection: "disabled",
// "enabled-without-cooldown", "enabled-with-cooldown", or, for 24 hours after
// protection with the cooldown was disabled, "disabled-after <time>".
type protection struct {
	Enabled, Cooldown bool
	// Until is when a running cooldown ends (zero: none, or not readable).
	Until time.Time
	// Raw is EC2's text, for messages.
	Raw string
}

func protectionOf(img ec2types.Image) protection {
	raw := aws.ToString(img.DeregistrationProtection)
	p := protection{Raw: raw}
	switch {
	case raw == "enabled-with-cooldown":
		p.Enabled, p.Cooldown = true, true
	case raw == "enabled-without-cooldown":
		p.Enabled = true
	case strings.HasPrefix(raw, "disabled-after"):
		p.Cooldown = true
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(strings.TrimPrefix(raw, "disabled-after"))); err == nil {
			p.Until = t
		}
	}
	return p
}

// blocks reports whether the protection refuses DeregisterImage now.
func (p protection) blocks(now time.Time) bool {
	return p.Enabled || (p.Cooldown && (p.Until.IsZero() || now.Before(p.Until)))
}

// settleProtection gives a reused or copied image the request's
// deregistration_protection, as amazon-ebs gives a bake: enabled, with the
// 24-hour cooldown when with_cooldown is set. It only adds protection: an
// image protected by an earlier request (or by hand) keeps it, and one with
// the cooldown keeps the cooldown when this request asks for none. An image
// that already has what the request asks gets no call.
func settleProtection(ctx context.Context, client ec2API, region string, img ec2types.Image, g grants, note func(string)) error {
	if !g.Protect {
		return nil
	}
	have := protectionOf(img)
	id := aws.ToString(img.ImageId)
	if have.Enabled && (have.Cooldown || !g.ProtectCooldown) {
		if have.Cooldown && !g.ProtectCooldown {
			note(fmt.Sprintf("%s: %s keeps its deregistration protection with the 24-hour cooldown (this request: without)", region, id))
		}
		return nil
	}
	if _, err := client.EnableImageDeregistrationProtection(ctx, &ec2.EnableImageDeregistrationProtectionInput{
		ImageId: aws.String(id), WithCooldown: aws.Bool(g.ProtectCooldown),
	}); err != nil {
		return fmt.Errorf("%s: EnableImageDeregistrationProtection %s (deregistration_protection, with_cooldown = %t): %w", region, id, g.ProtectCooldown, err)
	}
	return nil
}

// errProtected says an image cannot be deregistered yet: its deregistration
// protection had the 24-hour cooldown.
var errProtected = errors.New("deregistration protection")

// liftProtection makes an image this build made and now removes (a failed
// bake's, a failed copy) deregistrable: protection without the cooldown is
// disabled. Protection with the cooldown is disabled too, but the image
// stays protected for 24 hours: that is reported as errProtected with the
// time it can go, rather than as DeregisterImage's refusal (whose error code
// EC2 does not document). The time is read back from DescribeImages
// ("disabled-after <time>"): DisableImageDeregistrationProtection answers
// only "true". An image another run made (one the name check takes over) is
// never unprotected: see keepOthersProtection.
func liftProtection(ctx context.Context, client ec2API, img ec2types.Image) error {
	p := protectionOf(img)
	if !p.blocks(time.Now()) {
		return nil
	}
	id := aws.ToString(img.ImageId)
	var unread error
	if p.Enabled {
		if _, err := client.DisableImageDeregistrationProtection(ctx, &ec2.DisableImageDeregistrationProtectionInput{ImageId: aws.String(id)}); err != nil {
			return fmt.Errorf("DisableImageDeregistrationProtection %s (%s): %w", id, p.Raw, err)
		}
		if !p.Cooldown {
			return nil
		}
		p, unread = protectionNow(ctx, client, id)
	}
	when := "in 24 hours"
	switch {
	case !p.Until.IsZero():
		when = "after " + p.Until.UTC().Format(time.RFC3339)
	case unread != nil:
		when += " (reading when exactly: " + unread.Error() + ")"
	}
	return fmt.Errorf("%s has %w with the 24-hour cooldown (deregistration_protection.with_cooldown), now disabled: deregister it and delete its snapshots %s", id, errProtected, when)
}

// protectionNow reads an image's deregistration protection from
// DescribeImages.
func protectionNow(ctx context.Context, client ec2API, id string) (protection, error) {
	out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		return protection{}, fmt.Errorf("DescribeImages %s: %w", id, err)
	}
	if len(out.Images) != 1 {
		return protection{}, fmt.Errorf("DescribeImages %s: %d images", id, len(out.Images))
	}
	return protectionOf(out.Images[0]), nil
}
