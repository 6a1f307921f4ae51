package bake

import (
	"fmt"
	"os"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/ec2fake"
)

// TestMain keeps the AWS SDK away from the host's credentials and instance metadata.
func TestMain(m *testing.M) {
	restore, err := ec2fake.IsolateAWSEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	restore()
	os.Exit(code)
}
