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
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
	"golang.org/x/sync/errgroup"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// grants is what a request asks of its image beyond what the image is: who
// may launch it and create volumes from its snapshots, when it is
// deprecated, whether it is protected from deregistration, and its and its
// snapshots' tags. A cache hit applies them to the images it returns
// (reused or copied), as amazon-ebs applies them to a bake.
type grants struct {
	Users, Groups, OrgArns, OuArns []string
	SnapshotUsers, SnapshotGroups  []string
	// DeprecateAt is deprecate_at rounded to the minute, as EC2 stores it
	// (zero: none).
	DeprecateAt time.Time
	// Protect is deregistration_protection.enabled, ProtectCooldown its
	// with_cooldown (which implies enabled, as amazon-ebs reads it).
	Protect, ProtectCooldown bool
	// Tags are the request's image tags, rendered per region.
	Tags func(region string) (map[string]string, error)
	// SnapshotTags are the request's snapshot_tags (and snapshot_tag),
	// rendered per region.
	SnapshotTags func(region string) (map[string]string, error)
}

// grantsOf reads the grants from the amazon-ebs options. Tags are rendered
// as amazon-ebs renders them (BuildRegion, SourceAMI); the key, spec and
// build-id tags are not among them: the image's own say what made it.
func (b *Builder) grantsOf() grants {
	c := &b.config
	g := grants{
		Users: c.AMIUsers, Groups: c.AMIGroups, OrgArns: c.AMIOrgArns, OuArns: c.AMIOuArns,
		SnapshotUsers: c.SnapshotUsers, SnapshotGroups: c.SnapshotGroups,
	}
	if t, err := time.Parse(time.RFC3339, c.DeprecationTime); err == nil {
		// amazon-ebs checked the format; EC2 rounds to the nearest minute.
		g.DeprecateAt = t.UTC().Round(time.Minute)
	}
	g.ProtectCooldown = c.DeregistrationProtection.WithCooldown
	g.Protect = c.DeregistrationProtection.Enabled || g.ProtectCooldown
	raw := maps.Clone(c.AMITags)
	if raw == nil {
		raw = map[string]string{}
	}
	c.AMITag.CopyOn(&raw)
	g.Tags = c.tagRenderer("tags", raw)
	rawSnap := maps.Clone(c.SnapshotTags)
	if rawSnap == nil {
		rawSnap = map[string]string{}
	}
	c.SnapshotTag.CopyOn(&rawSnap)
	g.SnapshotTags = c.tagRenderer("snapshot_tags", rawSnap)
	return g
}

// tagRenderer renders the tags of option field per region, as amazon-ebs
// renders them (BuildRegion, SourceAMI, user variables).
func (c *Config) tagRenderer(field string, raw map[string]string) func(region string) (map[string]string, error) {
	return func(region string) (map[string]string, error) {
		ictx := c.ictx
		ictx.Data = &awscommon.BuildInfoTemplate{BuildRegion: region, SourceAMI: c.sourceAMI}
		out := make(map[string]string, len(raw))
		for k, v := range raw {
			rk, err := interpolate.Render(k, &ictx)
			if err != nil {
				return nil, fmt.Errorf("%s: render %q: %w", field, k, err)
			}
			rv, err := interpolate.Render(v, &ictx)
			if err != nil {
				return nil, fmt.Errorf("%s[%q]: render %q: %w", field, k, v, err)
			}
			out[rk] = rv
		}
		return out, nil
	}
}

// errImageGone says an image found by the lookup is no longer available: it
// was deregistered (or left "available") between the lookup and now.
var errImageGone = errors.New("image is no longer available")

// satisfy applies the grants to every image (region → id) and returns the
// regions whose image is gone (errImageGone), so the caller can look up
// again. It reads before it writes and writes only what is missing: a
// second identical hit makes no write call. A tag the image already has
// keeps its value (the image describes the bake that made it); a request
// value that differs is reported through note.
func satisfy(ctx context.Context, cl *cloud, images map[string]string, g grants, note func(string)) ([]string, error) {
	var mu sync.Mutex
	var gone []string
	eg, ectx := errgroup.WithContext(ctx)
	for _, region := range slices.Sorted(maps.Keys(images)) {
		eg.Go(func() error {
			err := satisfyOne(ectx, cl.clients[region], region, images[region], g, note)
			if errors.Is(err, errImageGone) {
				mu.Lock()
				gone = append(gone, region)
				mu.Unlock()
				return nil
			}
			return err
		})
	}
	err := eg.Wait()
	slices.Sort(gone)
	return gone, err
}

func satisfyOne(ctx context.Context, client ec2API, region, id string, g grants, note func(string)) error {
	out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if awslookup.ErrorCode(err) == "InvalidAMIID.NotFound" {
		return errImageGone
	}
	if err != nil {
		return fmt.Errorf("%s: DescribeImages %s: %w", region, id, err)
	}
	if len(out.Images) != 1 || out.Images[0].State != ec2types.ImageStateAvailable {
		return errImageGone
	}
	img := out.Images[0]
	if err := addMissingTags(ctx, client, region, img, g, note); err != nil {
		return err
	}
	if err := addLaunchPermissions(ctx, client, region, id, g); err != nil {
		return err
	}
	if err := addSnapshotPermissions(ctx, client, region, img, g); err != nil {
		return err
	}
	if err := addMissingSnapshotTags(ctx, client, region, img, g, note); err != nil {
		return err
	}
	if err := settleDeprecation(ctx, client, region, img, g, note); err != nil {
		return err
	}
	return settleProtection(ctx, client, region, img, g, note)
}

// settleDeprecation gives a reused or copied image the request's deprecation: deprecate_at when
// the request has one, none otherwise. The image may carry a time the request did not ask for
// (deprecate_superseded retired it, or an older request's deprecate_at): once that time passes,
// other accounts no longer find the image by name, so a hit that hands it back (a rollback to an
// older key) cancels it. An image that already has the request's deprecation gets no call.
func settleDeprecation(ctx context.Context, client ec2API, region string, img ec2types.Image, g grants, note func(string)) error {
	id, have := aws.ToString(img.ImageId), aws.ToString(img.DeprecationTime)
	switch {
	case !g.DeprecateAt.IsZero() && !sameTime(have, g.DeprecateAt):
		if _, err := client.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: aws.String(id), DeprecateAt: aws.Time(g.DeprecateAt)}); err != nil {
			return fmt.Errorf("%s: EnableImageDeprecation %s at %s (deprecate_at): %w", region, id, g.DeprecateAt.Format(time.RFC3339), err)
		}
		if have != "" {
			note(fmt.Sprintf("%s: %s was deprecated at %s; set to this request's deprecate_at %s", region, id, have, g.DeprecateAt.Format(time.RFC3339)))
		}
	case g.DeprecateAt.IsZero() && have != "":
		if _, err := client.DisableImageDeprecation(ctx, &ec2.DisableImageDeprecationInput{ImageId: aws.String(id)}); err != nil {
			return fmt.Errorf("%s: DisableImageDeprecation %s (deprecated at %s; this request has no deprecate_at): %w", region, id, have, err)
		}
		note(fmt.Sprintf("%s: %s was deprecated at %s; deprecation cancelled, this request has no deprecate_at", region, id, have))
	}
	return nil
}

func sameTime(ec2Time string, want time.Time) bool {
	t, err := time.Parse(time.RFC3339Nano, ec2Time)
	return err == nil && t.Equal(want)
}

func addMissingTags(ctx context.Context, client ec2API, region string, img ec2types.Image, g grants, note func(string)) error {
	want, err := g.Tags(region)
	if err != nil {
		return err
	}
	missing := missingTags(want, img.Tags, func(k, old string) {
		note(fmt.Sprintf("%s %s keeps tag %s = %q from the bake that made it (this request: %q)", region, aws.ToString(img.ImageId), k, old, want[k]))
	})
	if len(missing) == 0 {
		return nil
	}
	id := aws.ToString(img.ImageId)
	if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(missing)}); err != nil {
		return fmt.Errorf("%s: CreateTags on %s (tags %s): %w", region, id, strings.Join(slices.Sorted(maps.Keys(missing)), ", "), err)
	}
	return nil
}

func addLaunchPermissions(ctx context.Context, client ec2API, region, id string, g grants) error {
	wanted := launchPermissionList(g)
	if len(wanted) == 0 {
		return nil
	}
	out, err := client.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(id), Attribute: ec2types.ImageAttributeNameLaunchPermission})
	if err != nil {
		return fmt.Errorf("%s: DescribeImageAttribute launchPermission %s: %w", region, id, err)
	}
	have := map[string]bool{}
	for _, p := range out.LaunchPermissions {
		have[launchPermissionKey(p)] = true
	}
	var add []ec2types.LaunchPermission
	for _, p := range wanted {
		if !have[launchPermissionKey(p)] {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if _, err := client.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{
		ImageId:          aws.String(id),
		LaunchPermission: &ec2types.LaunchPermissionModifications{Add: add},
	}); err != nil {
		return fmt.Errorf("%s: share %s (ami_users, ami_groups, ami_org_arns, ami_ou_arns): %w", region, id, err)
	}
	return nil
}

func launchPermissionList(g grants) []ec2types.LaunchPermission {
	var out []ec2types.LaunchPermission
	for _, u := range g.Users {
		out = append(out, ec2types.LaunchPermission{UserId: aws.String(u)})
	}
	for _, grp := range g.Groups {
		out = append(out, ec2types.LaunchPermission{Group: ec2types.PermissionGroup(grp)})
	}
	for _, a := range g.OrgArns {
		out = append(out, ec2types.LaunchPermission{OrganizationArn: aws.String(a)})
	}
	for _, a := range g.OuArns {
		out = append(out, ec2types.LaunchPermission{OrganizationalUnitArn: aws.String(a)})
	}
	return out
}

func launchPermissionKey(p ec2types.LaunchPermission) string {
	return strings.Join([]string{aws.ToString(p.UserId), string(p.Group), aws.ToString(p.OrganizationArn), aws.ToString(p.OrganizationalUnitArn)}, "|")
}

func addSnapshotPermissions(ctx context.Context, client ec2API, region string, img ec2types.Image, g grants) error {
	if len(g.SnapshotUsers)+len(g.SnapshotGroups) == 0 {
		return nil
	}
	for _, snap := range snapshotIDs(img) {
		out, err := client.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snap), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
		if err != nil {
			return fmt.Errorf("%s: DescribeSnapshotAttribute createVolumePermission %s: %w", region, snap, err)
		}
		have := map[string]bool{}
		for _, p := range out.CreateVolumePermissions {
			have[aws.ToString(p.UserId)+"|"+string(p.Group)] = true
		}
		var add []ec2types.CreateVolumePermission
		for _, u := range g.SnapshotUsers {
			if !have[u+"|"] {
				add = append(add, ec2types.CreateVolumePermission{UserId: aws.String(u)})
			}
		}
		for _, grp := range g.SnapshotGroups {
			if !have["|"+grp] {
				add = append(add, ec2types.CreateVolumePermission{Group: ec2types.PermissionGroup(grp)})
			}
		}
		if len(add) == 0 {
			continue
		}
		if _, err := client.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{
			SnapshotId:             aws.String(snap),
			Attribute:              ec2types.SnapshotAttributeNameCreateVolumePermission,
			CreateVolumePermission: &ec2types.CreateVolumePermissionModifications{Add: add},
		}); err != nil {
			return fmt.Errorf("%s: share snapshot %s of %s (snapshot_users, snapshot_groups): %w", region, snap, aws.ToString(img.ImageId), err)
		}
	}
	return nil
}
