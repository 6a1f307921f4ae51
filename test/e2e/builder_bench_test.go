//go:build e2e

package e2e

import (
	"fmt"
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

// BenchmarkEBSHitThreeRegions prints the figures of a cache hit in three
// regions (the build region and two ami_regions) with nothing to apply:
//
//	hit-s           wall time of the hit's `packer build` (per op)
//	ec2-calls/hit   target: two DescribeImages per region (6), nothing else
//
// Run: go test -tags e2e -p 1 -run '^$' -bench BenchmarkEBSHitThreeRegions -benchtime 5x ./test/e2e/
func BenchmarkEBSHitThreeRegions(b *testing.B) {
	e := newEBSEnv(b)
	if out, err := e.requestBuild(b, threeRegions...); err != nil {
		b.Fatalf("bake: %v\n%s", err, out)
	}
	b.Run("cache-hit", func(b *testing.B) {
		e.fake.ResetCalls()
		b.ResetTimer()
		for range b.N {
			if out, err := e.requestBuild(b, threeRegions...); err != nil {
				b.Fatalf("cache hit: %v\n%s", err, out)
			}
		}
		b.StopTimer()
		if e.fake.CallCount("RunInstances")+e.fake.CallCount("CopyImage") != 0 {
			b.Fatalf("a cache hit baked or copied: %v", e.calls())
		}
		b.ReportMetric((b.Elapsed() / time.Duration(b.N)).Seconds(), "hit-s")
		b.ReportMetric(float64(len(e.fake.Calls()))/float64(b.N), "ec2-calls/hit")
	})
}

// BenchmarkEBSParallelBuilds prints, for eight `packer build`s of one key
// started together, how many instances they launch (target: 1) and their
// wall time against one build of another key alone:
//
//	single-s        wall time of one build that bakes
//	parallel-s      wall time until all eight builds are done
//	parallel/single target: close to 1 (seven wait for the one bake, then reuse)
//	instances       instances the eight launched (must be 1)
//
// Run: go test -tags e2e -p 1 -run '^$' -bench BenchmarkEBSParallelBuilds -benchtime 1x ./test/e2e/
func BenchmarkEBSParallelBuilds(b *testing.B) {
	e := newEBSEnv(b)
	start := time.Now()
	if out, err := e.requestBuild(b, "-var", "key_salt=single"); err != nil {
		b.Fatalf("single build: %v\n%s", err, out)
	}
	single := time.Since(start)
	b.Run("eight", func(b *testing.B) {
		for n := range b.N {
			before := len(e.compute.Instances())
			salt := fmt.Sprintf("key_salt=parallel-%d", n)
			b.ResetTimer()
			runParallel(b, func(int) (string, error) { return e.requestBuild(b, "-var", salt) })
			b.StopTimer()
			parallel := b.Elapsed()
			launched := len(e.compute.Instances()) - before
			if launched != 1 {
				b.Errorf("instances launched by %d parallel builds of one key = %d, want 1", parallelBuilds, launched)
			}
			b.ReportMetric(single.Seconds(), "single-s")
			b.ReportMetric(parallel.Seconds(), "parallel-s")
			b.ReportMetric(parallel.Seconds()/single.Seconds(), "parallel/single")
			b.ReportMetric(float64(launched), "instances")
		}
	})
}
