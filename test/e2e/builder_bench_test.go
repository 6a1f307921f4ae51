//go:build e2e

package e2e

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkEBSBakeCache prints the bake cache's figures (no pass/fail):
//
//	bake-s          wall time of a full bake of example/ebs (one run, with a copy region)
//	hit-s           wall time of a cache-hit `packer build` of the same template (per op)
//	validate-s      wall time of `packer validate -evaluate-datasources` of it: Packer's own start-up floor
//	hit/validate    target: at most 1.5
//	hit/bake        how much a cache hit saves
//	ec2-calls/hit   target: two DescribeImages per region (4 here): the lookup and the check of the found image
//
// Run: go test -tags e2e -p 1 -run '^$' -bench BenchmarkEBSBakeCache -benchtime 5x ./test/e2e/
func BenchmarkEBSBakeCache(b *testing.B) {
	e := newEBSEnv(b)
	start := time.Now()
	out, err := e.build(b, "-var", "ami_suffix=20261121130000")
	if err != nil {
		b.Fatalf("bake: %v\n%s", err, out)
	}
	bake := time.Since(start)

	var validates []time.Duration
	for range 3 {
		start := time.Now()
		// The image name comes from the data source, which validate only
		// runs when asked; amazon-ebs rejects the "<unknown>" placeholder.
		if out, err := e.packer.Validate(b, e.example, append([]string{"-evaluate-datasources"}, e.varArgs()...)...); err != nil {
			b.Fatalf("validate: %v\n%s", err, out)
		}
		validates = append(validates, time.Since(start))
	}
	validate := median(validates)

	// A sub-benchmark keeps Go from running the setup and the bake again
	// for each b.N it tries.
	b.Run("cache-hit", func(b *testing.B) {
		e.fake.ResetCalls()
		b.ResetTimer()
		for range b.N {
			if out, err := e.build(b); err != nil {
				b.Fatalf("cache hit: %v\n%s", err, out)
			}
		}
		b.StopTimer()
		hit := b.Elapsed() / time.Duration(b.N)
		if e.fake.CallCount("RunInstances") != 0 {
			b.Fatalf("a cache hit launched an instance: %v", e.calls())
		}
		b.ReportMetric(bake.Seconds(), "bake-s")
		b.ReportMetric(hit.Seconds(), "hit-s")
		b.ReportMetric(validate.Seconds(), "validate-s")
		b.ReportMetric(hit.Seconds()/validate.Seconds(), "hit/validate")
		b.ReportMetric(hit.Seconds()/bake.Seconds(), "hit/bake")
		b.ReportMetric(float64(len(e.fake.Calls()))/float64(b.N), "ec2-calls/hit")
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
