package ebs

import (
	"context"
	"time"
)

// claimRecheck is the pause before looking again when EC2's answers
// disagree for a moment: a claim a create reported as taken but a read did
// not show, an image of the key that holds ami_name but that the lookup by
// tags does not return yet.
const claimRecheck = time.Second

// sleepCtx pauses for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
