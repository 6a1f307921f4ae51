package ec2fake

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// retryingClient is a real SDK client for region that makes up to
// maxAttempts attempts per call with no backoff and no retry quota, so a
// test sees the fault counting and not the SDK's pacing.
func retryingClient(url, region string, maxAttempts int) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		}),
	})
}

// Identical calls in flight at once, in two regions, each fail exactly
// twice and then succeed: the fault counts per logical call, not per action.
func TestFaultCycleCountsEachConcurrentCall(t *testing.T) {
	s := New(Options{})
	s.AddImage("us-east-1", Image{Name: "app-1"})
	s.AddImage("eu-west-1", Image{Name: "app-1"})
	s.InjectFault(Fault{Action: "DescribeImages", Code: "RequestLimitExceeded", Cycle: 3})
	s.SetLatency(20 * time.Millisecond) // keeps the calls overlapping
	srv := httptest.NewServer(s)
	defer srv.Close()

	const perRegion = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*perRegion)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		cl := retryingClient(srv.URL, region, 3)
		for range perRegion {
			wg.Go(func() {
				_, err := cl.DescribeImages(context.Background(), &ec2.DescribeImagesInput{
					Owners:  []string{"self"},
					Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"app-*"}}},
				})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a call failed with three attempts: %v", err)
		}
	}

	// The SDK's invocation id marks its attempts of one call: read the log
	// by it, apart from how LogicalCalls groups.
	byInvocation := map[string][]Call{}
	for _, c := range s.Calls() {
		if c.InvocationID == "" {
			t.Fatalf("call without the SDK's invocation id: %+v", c)
		}
		byInvocation[c.InvocationID] = append(byInvocation[c.InvocationID], c)
	}
	if len(byInvocation) != 2*perRegion {
		t.Fatalf("%d SDK calls reached the fake, want %d", len(byInvocation), 2*perRegion)
	}
	for id, attempts := range byInvocation {
		var faults []string
		for _, a := range attempts {
			faults = append(faults, a.Fault)
		}
		if len(faults) != 3 || faults[0] != "RequestLimitExceeded" || faults[1] != "RequestLimitExceeded" || faults[2] != "" {
			t.Errorf("call %s: attempts answered by faults %q, want two RequestLimitExceeded then the answer", id, faults)
		}
	}

	calls := LogicalCalls(s.Calls())
	if len(calls) != 2*perRegion {
		t.Fatalf("LogicalCalls found %d calls, want %d", len(calls), 2*perRegion)
	}
	for _, lc := range calls {
		if lc.Faults() != 2 || !lc.GotThrough() || len(lc.Attempts) != 3 {
			t.Errorf("%s %s: %d attempts, %d faults, got through %v", lc.Region, lc.Action, len(lc.Attempts), lc.Faults(), lc.GotThrough())
		}
	}
}

// A client that gives up after two attempts never gets through, call after
// call: a new call does not inherit the attempts of the one before.
func TestFaultCycleNewCallStartsOver(t *testing.T) {
	s := New(Options{})
	s.InjectFault(Fault{Action: "DescribeImages", Code: "RequestLimitExceeded", Cycle: 3})
	srv := httptest.NewServer(s)
	defer srv.Close()
	cl := retryingClient(srv.URL, "us-east-1", 2)
	for i := range 3 {
		if _, err := cl.DescribeImages(context.Background(), &ec2.DescribeImagesInput{}); apiCode(err) != "RequestLimitExceeded" {
			t.Errorf("call %d with two attempts: %v, want RequestLimitExceeded", i, err)
		}
	}
	for _, lc := range LogicalCalls(s.Calls()) {
		if lc.Faults() != 2 || lc.GotThrough() {
			t.Errorf("%d faults, got through %v; want 2 and not through", lc.Faults(), lc.GotThrough())
		}
	}
}

// Without an invocation id (a client that sends none), the retries of one
// call are the same request: the cycle runs per region and form.
func TestFaultCycleWithoutInvocationID(t *testing.T) {
	s := New(Options{})
	s.InjectFault(Fault{Action: "DescribeImages", Code: "RequestLimitExceeded", Cycle: 3})
	var got []int
	for _, step := range []struct{ region, name string }{
		{"us-east-1", "a"}, {"us-east-1", "b"}, {"eu-west-1", "a"}, {"us-east-1", "a"}, {"us-east-1", "a"},
		{"us-east-1", "b"}, {"us-east-1", "b"}, {"us-east-1", "a"},
	} {
		status, _ := post(t, s, describe("Filter.1.Name", "name", "Filter.1.Value.1", step.name), step.region)
		got = append(got, status)
	}
	if want := []int{503, 503, 503, 503, 200, 503, 200, 503}; !slices.Equal(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
	var shapes []int
	for _, lc := range LogicalCalls(s.Calls()) {
		shapes = append(shapes, len(lc.Attempts))
	}
	// us-east-1 a: 3 then 1 (open); b: 3; eu-west-1 a: 1 (open).
	if want := []int{3, 3, 1, 1}; !slices.Equal(shapes, want) {
		t.Errorf("attempts per logical call = %v, want %v", shapes, want)
	}
}
