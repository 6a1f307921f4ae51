//go:build linux

package harness

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is written by the ticker goroutine and read by the step.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressTicksWhileTheStepRunsAndReportsTheTotal(t *testing.T) {
	var out syncBuffer
	p := progress{w: &out, label: "building x", interval: 5 * time.Millisecond, detail: func() string { return "I: Retrieving libc6" }}
	err := p.run(context.Background(), func(context.Context) error {
		// The step lasts until it has been reported twice, however slow the machine.
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), "building x: ") < 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "building x ..." {
		t.Errorf("first line = %q, want the step's label", lines[0])
	}
	if len(lines) < 4 || !strings.Contains(lines[1], "(I: Retrieving libc6)") {
		t.Errorf("want at least two ticks carrying the detail, got:\n%s", out.String())
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "building x: done in ") {
		t.Errorf("last line = %q, want the total", last)
	}
}

func TestProgressReportsAFailure(t *testing.T) {
	var out syncBuffer
	boom := errors.New("boom")
	err := progress{w: &out, label: "building y", interval: time.Hour}.run(context.Background(),
		func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the step's error", err)
	}
	if want := "building y ...\nbuilding y: failed after 0s\n"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
}

func TestLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build.log")
	if got := lastLine(path, 10); got != "" {
		t.Errorf("missing log: %q, want empty", got)
	}
	if err := os.WriteFile(path, []byte("first\nI: Retrieving a very long package name\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := lastLine(path, 13), "I: Retrieving…"; got != want {
		t.Errorf("lastLine = %q, want %q", got, want)
	}
}

func TestProgressQuietIfQuick(t *testing.T) {
	var out syncBuffer
	p := progress{w: &out, label: "building z", interval: time.Hour, quietIfQuick: true}
	if err := p.run(context.Background(), func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if out.String() != "" {
		t.Errorf("a quick step printed %q, want nothing", out.String())
	}
	p.interval = 5 * time.Millisecond
	_ = p.run(context.Background(), func(context.Context) error {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), "building z: ") && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if !strings.Contains(out.String(), "building z: done in ") {
		t.Errorf("a slow step must report its total, got %q", out.String())
	}
}
