package ebs

import (
	"context"
	"testing"
	"time"
)

// BenchmarkClaimOverheadOnAMiss is what the claim adds to a bake: taking
// and releasing it, against the loopback EC2 fake (so the figure is the
// claim's own work plus two round trips; on AWS add two API latencies).
//
//	ec2-calls/op   CreateKeyPair and DeleteKeyPair (2)
func BenchmarkClaimOverheadOnAMiss(b *testing.B) {
	f := newCacheFixture(b, nil)
	cl, err := connect(context.Background(), &f.builder.config)
	if err != nil {
		b.Fatal(err)
	}
	id := identity{KeyTag: DefaultKeyTag, Key: testKey, Spec: f.builder.config.specDigest}
	f.fake.ResetCalls()
	b.ResetTimer()
	for range b.N {
		held, _, err := tryClaim(context.Background(), cl, id, "bench", time.Hour, time.Now())
		if err != nil || held == nil {
			b.Fatalf("claim: %v", err)
		}
		if err := held.release(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.fake.CallCount(""))/float64(b.N), "ec2-calls/op")
}
