//go:build e2e

package e2e

import (
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// TestHarnessPrepare builds (or finds in the cache) everything the targets
// need, so its duration is the harness's setup time: cold on a fresh
// machine, warm afterwards.
func TestHarnessPrepare(t *testing.T) {
	harness.Suite().Prepare(t, harness.Debian, harness.RPM)
}
