//go:build e2e

package main

import (
	"fmt"
	"os"
	"runtime"
)

// scope is this program's harness.T: logs go to stderr, Fatalf aborts the
// scope (cleanups still run), Cleanup functions run in reverse order when
// the scope ends.
type scope struct {
	name     string
	cleanups []func()
	verbose  bool
}

type fatal struct{ msg string }

func (s *scope) Helper() {}

func (s *scope) Logf(format string, args ...any) {
	if s.verbose {
		fmt.Fprintf(os.Stderr, "    %s: %s\n", s.name, fmt.Sprintf(format, args...))
	}
}

func (s *scope) Fatalf(format string, args ...any) {
	panic(fatal{fmt.Sprintf(format, args...)})
}

func (s *scope) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

// run calls f in a fresh scope and returns its fatal error, if any, after
// the scope's cleanups ran.
func run(name string, verbose bool, f func(s *scope)) (err error) {
	s := &scope{name: name, verbose: verbose}
	defer func() {
		for i := len(s.cleanups) - 1; i >= 0; i-- {
			s.cleanups[i]()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(fatal); ok {
				err = fmt.Errorf("%s: %s", name, f.msg)
				return
			}
			buf := make([]byte, 8192)
			buf = buf[:runtime.Stack(buf, false)]
			err = fmt.Errorf("%s: panic: %v\n%s", name, r, buf)
		}
	}()
	f(s)
	return nil
}
