package awslookup_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestMain keeps the AWS SDK away from the host's credentials and instance metadata.
func TestMain(m *testing.M) { os.Exit(ec2fake.RunIsolated(m)) }

const testKeyID = "AKIDFAKEFORTESTS0001"

// newFake starts the EC2 fake on an httptest server and returns its endpoint.
func newFake(t testing.TB, opts ec2fake.Options) (*ec2fake.Server, string) {
	t.Helper()
	fake := ec2fake.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv.URL
}

// testConfig is an SDK configuration with static credentials and the SDK's standard retryer (what
// decides that a code is retryable) with a 1 ms backoff, so throttling tests take no time.
func testConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(testKeyID, "fake-secret-not-used-for-anything", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		},
	}
}

func clientsFor(t testing.TB, endpoint string, regions ...string) map[string]awslookup.EC2DescribeImagesAPI {
	t.Helper()
	return awslookup.RegionClients(testConfig(), endpoint, regions)
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
