package awslookup_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// benchLatency is what the fake adds to every call, standing in for EC2's round trip.
const benchLatency = 100 * time.Millisecond

var benchRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// benchLookup prepares a fake with latency whose regions each hold enough
// matching images for pages pages of 5, and returns a function doing one lookup.
func benchLookup(b *testing.B, regions []string, pages int) (*ec2fake.Server, func()) {
	b.Helper()
	fake, endpoint := newFake(b, ec2fake.Options{})
	for _, r := range regions {
		for i := range pages*5 - 2 {
			fake.AddImage(r, ec2fake.Image{Name: fmt.Sprintf("app-%d", i), Tags: map[string]string{keyTag: "k"}})
		}
	}
	fake.SetLatency(benchLatency)
	clients := clientsFor(b, endpoint, regions...)
	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}, PageSize: 5}
	return fake, func() {
		res, err := awslookup.FindImages(testContext(b), clients, q)
		if err != nil || !res.Found {
			b.Fatalf("lookup: %+v, %v", res, err)
		}
	}
}

// BenchmarkLookup reports the wall time and the EC2 calls of one lookup
// against the fake adding 100 ms per call. Expected calls: one DescribeImages
// per region, plus one per extra page.
func BenchmarkLookup(b *testing.B) {
	cases := []struct {
		regions []string
		pages   int
	}{
		{benchRegions[:1], 1},
		{benchRegions, 1},
		{benchRegions, 3},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("regions=%d/pages=%d", len(c.regions), c.pages), func(b *testing.B) {
			fake, lookup := benchLookup(b, c.regions, c.pages)
			fake.ResetCalls()
			for b.Loop() {
				lookup()
			}
			b.ReportMetric(float64(fake.CallCount("DescribeImages"))/float64(b.N), "ec2-calls/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkLookupThreeRegionsVsOne reports the wall time of a 3-region
// lookup divided by that of a 1-region lookup, both against the fake adding
// 100 ms per call. Target: at most 1.3, because the regions run concurrently.
func BenchmarkLookupThreeRegionsVsOne(b *testing.B) {
	_, one := benchLookup(b, benchRegions[:1], 1)
	_, three := benchLookup(b, benchRegions, 1)
	var tOne, tThree time.Duration
	for b.Loop() {
		start := time.Now()
		one()
		tOne += time.Since(start)
		start = time.Now()
		three()
		tThree += time.Since(start)
	}
	b.ReportMetric(float64(tOne.Milliseconds())/float64(b.N), "ms-1-region/op")
	b.ReportMetric(float64(tThree.Milliseconds())/float64(b.N), "ms-3-regions/op")
	b.ReportMetric(float64(tThree)/float64(tOne), "ratio-3-vs-1")
}
