package ebs

import (
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// max_retries means what it means in amazon-ebs: the attempts per call
// (default 10), here in the cache's own lookup.
func TestMaxRetriesIsAmazonEBSAttemptsPerCall(t *testing.T) {
	for _, tc := range []struct {
		name       string
		set        map[string]interface{}
		throttled  int
		wantErr    bool
		wantLookup int // DescribeImages calls in the build region
	}{
		{"max_retries 3, throttled twice: the third attempt succeeds", map[string]interface{}{"max_retries": 3}, 2, false, 4},
		{"max_retries 3, throttled three times: fails after 3 attempts", map[string]interface{}{"max_retries": 3}, 3, true, 3},
		{"default, throttled three times: succeeds (amazon-ebs's 10, not the SDK's 3)", nil, 3, false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCacheFixture(t, tc.set)
			f.addKeyImage("us-east-1", "app-1")
			f.addKeyImage("eu-west-1", "app-1")
			f.fake.InjectFault(ec2fake.Fault{Action: "DescribeImages", Region: "us-east-1", Code: "RequestLimitExceeded", Times: tc.throttled})
			f.fake.ResetCalls()
			_, err := f.run(t)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr && !strings.Contains(err.Error(), "RequestLimitExceeded") {
				t.Errorf("error %v does not name the throttling", err)
			}
			n := 0
			for _, c := range f.fake.Calls() {
				if c.Action == "DescribeImages" && c.Region == "us-east-1" {
					n++
				}
			}
			if n != tc.wantLookup {
				t.Errorf("DescribeImages calls in us-east-1 = %d, want %d", n, tc.wantLookup)
			}
		})
	}
}
