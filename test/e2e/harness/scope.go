//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Scope is a T for programs that use the harness outside `go test` (`make demo`, `make bench`):
// logs go to stderr when verbose, Fatalf ends the scope, and the Cleanup functions run in reverse
// order when the scope ends.
type Scope struct {
	name    string
	verbose bool

	mu       sync.Mutex
	cleanups []func()
	ended    bool
}

// scopeFatal carries a Fatalf message out of the scope's function.
type scopeFatal struct{ msg string }

// Helper is part of T; a Scope reports no caller lines.
func (s *Scope) Helper() {}

// Logf writes to stderr when the scope is verbose.
func (s *Scope) Logf(format string, args ...any) {
	if s.verbose {
		fmt.Fprintf(os.Stderr, "    %s: %s\n", s.name, fmt.Sprintf(format, args...))
	}
}

// Fatalf ends the scope with an error; the cleanups still run.
func (s *Scope) Fatalf(format string, args ...any) {
	panic(scopeFatal{fmt.Sprintf(format, args...)})
}

// Cleanup registers f to run when the scope ends. After an interrupt ended the scope, the
// scope's function may still be finishing something it started (a target that was booting, a
// Packer build just launched): f then runs at once.
func (s *Scope) Cleanup(f func()) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		f()
		return
	}
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}

// runCleanups ends the scope and runs the registered functions once, newest first.
func (s *Scope) runCleanups() {
	s.mu.Lock()
	cleanups := s.cleanups
	s.cleanups, s.ended = nil, true
	s.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

// RunScope calls f in a fresh Scope and returns its Fatalf message (or panic) as an error, after
// every cleanup ran. An interrupt (Ctrl-C) or SIGTERM runs the cleanups too and returns at once,
// so booted targets, mounts and network namespaces never outlive the program.
func RunScope(name string, verbose bool, f func(s *Scope)) error {
	s := &Scope{name: name, verbose: verbose}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- s.call(f) }()
	select {
	case err := <-done:
		s.runCleanups()
		return err
	case <-ctx.Done():
		s.runCleanups()
		// Let the function reach a point where whatever it was starting has registered, and so
		// run, its cleanup.
		select {
		case <-done:
		case <-time.After(scopeWindDown):
		}
		return fmt.Errorf("%s: interrupted; everything it started was stopped", name)
	}
}

// scopeWindDown bounds the wait for an interrupted scope's function: long enough for a target
// boot or a Packer build to be stopped.
const scopeWindDown = 30 * time.Second

func (s *Scope) call(f func(s *Scope)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if fatal, ok := r.(scopeFatal); ok {
				err = fmt.Errorf("%s: %s", s.name, fatal.msg)
				return
			}
			buf := make([]byte, 8192)
			buf = buf[:runtime.Stack(buf, false)]
			err = fmt.Errorf("%s: panic: %v\n%s", s.name, r, buf)
		}
	}()
	f(s)
	return nil
}
