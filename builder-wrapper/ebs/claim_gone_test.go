package ebs

import (
	"context"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// Two waiters can remove one stale claim at once: the one whose delete finds
// the claim gone goes on as if it had removed it.
func TestRunTakesOverAStaleClaimAnotherWaiterRemovedFirst(t *testing.T) {
	f := newCacheFixture(t, nil)
	stale, _, err := tryClaim(context.Background(), f.cloud(t), f.identity(), "killedbuild", 2*time.Hour, time.Now().Add(-3*time.Hour))
	if err != nil || stale == nil {
		t.Fatalf("claim: %v, %v", stale, err)
	}
	f.fake.InjectFault(ec2fake.Fault{Action: "DeleteKeyPair", Code: "InvalidKeyPair.NotFound", Times: 1})
	_, err = f.run(t)
	bakeAttempted(t, f, err)
}
