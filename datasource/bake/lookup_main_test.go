package bake

import (
	"os"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestMain keeps the AWS SDK away from the host's credentials and instance metadata.
func TestMain(m *testing.M) { os.Exit(ec2fake.RunIsolated(m)) }
