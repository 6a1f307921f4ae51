//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// TestMain runs the suite, then fails the run if the harness left any
// mount, network namespace, veth or process behind, and removes this
// process's work directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := harness.CheckLeaks(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: leak check:", err)
		code = 1
	}
	if err := harness.Suite().Close(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: harness cleanup:", err)
		code = 1
	}
	os.Exit(code)
}
