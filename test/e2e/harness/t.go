//go:build linux

package harness

// T is the part of testing.TB the harness needs. *testing.T and *testing.B
// satisfy it; the demo and benchmark programs supply their own.
type T interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// skipper is implemented by *testing.T; the harness skips through it when a
// prerequisite is missing outside CI.
type skipper interface {
	Skipf(format string, args ...any)
}
