package ebs

import (
	"context"
	"encoding/hex"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// The claim makes one build per identity (key and spec) bake, or copy to
// the regions that lack the image, while others wait. One claim for both:
// a bake and a copy make images of the same identity in the same regions.
// Claims per region would let builds copy to different regions at once, but
// builds that miss the same regions wait on each other anyway, and a bake,
// which makes every region's image, would have to hold them all. EC2 has no lock service, but CreateKeyPair is an atomic create: a
// second create of the same name in a region fails with
// InvalidKeyPair.Duplicate. amazon-ebs already needs ec2:CreateKeyPair and
// ec2:DeleteKeyPair for its temporary key pair, so the claim asks for no
// new permission (DescribeKeyPairs aside). A tag cannot serve: CreateTags is
// not conditional, the last writer wins.
//
// The claim carries its expiry in a tag. The holder pushes it forward while
// it bakes, so a holder killed with SIGKILL stops doing so and the next
// build takes the claim over once it expires: it deletes the stale key pair
// by its id (never by name, which could delete a newer claim) and creates
// its own. Expiry compares the tag with the waiting build's clock: runners'
// clocks must agree to well within claim_ttl.

// ClaimExpiresTag is the claim key pair's tag holding its expiry (RFC 3339).
const ClaimExpiresTag = "spinnaker:claim-expires"

// claimPrefix starts every claim key pair's name.
const claimPrefix = "spinnaker-bake-claim-"

// DefaultClaimTTL is how long a claim lives without being renewed.
const DefaultClaimTTL = 5 * time.Minute

// claimName is the key pair name of an identity's claim: a hash, since the
// key and spec are longer than a name may usefully be.
func claimName(id identity) string {
	sum := id.digest()
	return claimPrefix + hex.EncodeToString(sum[:20])
}

// claim is a held claim.
type claim struct {
	client ec2API
	region string
	name   string
	id     string // key pair id
	ttl    time.Duration
	stop   chan struct{}
	done   chan struct{}
}

// otherClaim is a claim another build holds.
type otherClaim struct {
	ID      string
	Expires time.Time
	BuildID string
}

// tryClaim creates the identity's claim in the build region. It returns the
// held claim, or, when another build holds it, that claim.
func tryClaim(ctx context.Context, cl *cloud, id identity, buildID string, ttl time.Duration, now time.Time) (*claim, *otherClaim, error) {
	client := cl.clients[cl.buildRegion]
	name := claimName(id)
	out, err := client.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{
		KeyName: aws.String(name),
		KeyType: ec2types.KeyTypeEd25519,
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: ec2types.ResourceTypeKeyPair,
			Tags: ec2Tags(map[string]string{
				id.KeyTag: id.Key, DefaultSpecTag: id.Spec, BuildIDTag: buildID,
				ClaimExpiresTag: now.Add(ttl).UTC().Format(time.RFC3339),
			}),
		}},
	})
	switch {
	case err == nil:
		// The private key is never used: the key pair is only a name.
		c := &claim{client: client, region: cl.buildRegion, name: name, id: aws.ToString(out.KeyPairId), ttl: ttl,
			stop: make(chan struct{}), done: make(chan struct{})}
		go c.renew()
		return c, nil, nil
	case awslookup.ErrorCode(err) != "InvalidKeyPair.Duplicate":
		return nil, nil, fmt.Errorf("%s: CreateKeyPair %s (the bake claim): %w", cl.buildRegion, name, err)
	}
	other, err := readClaim(ctx, client, cl.buildRegion, name, ttl)
	if err != nil {
		return nil, nil, err
	}
	if other == nil {
		// Released between the create and the read: the caller tries again.
		return nil, &otherClaim{}, nil
	}
	return nil, other, nil
}

// readClaim reads the claim of that name; nil when there is none. A filter
// rather than KeyNames: a missing name is then an empty answer, not an error.
func readClaim(ctx context.Context, client ec2API, region, name string, ttl time.Duration) (*otherClaim, error) {
	out, err := client.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{
		Filters: []ec2types.Filter{{Name: aws.String("key-name"), Values: []string{name}}},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: DescribeKeyPairs %s (the bake claim): %w", region, name, err)
	}
	if len(out.KeyPairs) == 0 {
		return nil, nil
	}
	kp := out.KeyPairs[0]
	o := &otherClaim{ID: aws.ToString(kp.KeyPairId), BuildID: tagValue(kp.Tags, BuildIDTag)}
	if t, err := time.Parse(time.RFC3339, tagValue(kp.Tags, ClaimExpiresTag)); err == nil {
		o.Expires = t
	} else if kp.CreateTime != nil {
		// Without a readable expiry the claim lives one ttl from its creation.
		o.Expires = kp.CreateTime.Add(ttl)
	}
	return o, nil
}

// removeStale deletes an expired claim by its id, so that a claim created
// since by another build is never touched.
func removeStale(ctx context.Context, cl *cloud, other *otherClaim) error {
	if _, err := cl.clients[cl.buildRegion].DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: aws.String(other.ID)}); err != nil && !claimGone(err) {
		return fmt.Errorf("%s: DeleteKeyPair %s (a stale bake claim): %w", cl.buildRegion, other.ID, err)
	}
	return nil
}

// claimGone tells that a claim was deleted already: two waiters may remove
// one stale claim at once, and EC2's reference does not promise success for
// an id that no longer exists, so its not-found answers mean "done".
func claimGone(err error) bool {
	switch awslookup.ErrorCode(err) {
	case "InvalidKeyPair.NotFound", "InvalidKeyPairId.NotFound":
		return true
	}
	return false
}

// renew pushes the expiry forward every third of the ttl until release.
func (c *claim) renew() {
	defer close(c.done)
	t := time.NewTicker(c.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case now := <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.ttl/3)
			_, err := c.client.CreateTags(ctx, &ec2.CreateTagsInput{
				Resources: []string{c.id},
				Tags:      ec2Tags(map[string]string{ClaimExpiresTag: now.Add(c.ttl).UTC().Format(time.RFC3339)}),
			})
			cancel()
			if err != nil {
				// The next tick tries again; a claim that expires meanwhile
				// lets another build bake too, which wastes but breaks nothing.
				log.Printf("[WARN] spinnaker-ebs: renew the bake claim %s: %v", c.name, err)
			}
		}
	}
}

// release stops renewing and deletes the claim. It gets its own context:
// the build's may be what ended.
func (c *claim) release() error {
	close(c.stop)
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.client.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: aws.String(c.id)}); err != nil && !claimGone(err) {
		return fmt.Errorf("%s: DeleteKeyPair %s (the bake claim %s): %w", c.region, c.id, c.name, err)
	}
	return nil
}
