package awslookup_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestMain keeps the AWS SDK away from the host's credentials and instance metadata.
func TestMain(m *testing.M) { os.Exit(ec2fake.RunIsolated(m)) }

const testKeyID = "AKIDFAKEFORTESTS0001"

// newFake starts the EC2 fake on an httptest server and returns access
// options with static credentials pointing at it.
func newFake(t testing.TB, opts ec2fake.Options) (*ec2fake.Server, awslookup.AccessConfig) {
	t.Helper()
	fake := ec2fake.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, awslookup.AccessConfig{
		AccessKey:         testKeyID,
		SecretKey:         "fake-secret-not-used-for-anything",
		CustomEndpointEC2: srv.URL,
	}
}

// fastRetries keeps the SDK's standard retryer (what decides that a code is
// retryable) but with a 1 ms backoff, so throttling tests take no time.
func fastRetries(o *config.LoadOptions) error {
	o.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	}
	return nil
}

func clientsFor(t testing.TB, ac awslookup.AccessConfig, regions ...string) map[string]awslookup.EC2DescribeImagesAPI {
	t.Helper()
	clients, err := ac.EC2Clients(context.Background(), regions, fastRetries)
	if err != nil {
		t.Fatalf("EC2Clients(%v): %v", regions, err)
	}
	return clients
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
