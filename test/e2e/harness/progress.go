//go:build linux

package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progressInterval is how often a first-time build says it is still running: often enough that
// nobody takes a five-minute debootstrap for a hang.
const progressInterval = 15 * time.Second

// progress is the harness's ticker for first-time builds (rootfs, rpm layer, fixtures), the same
// as scripts/progress.sh for the shell steps: "<label> ..." at the start, "<label>: <elapsed>"
// every interval while it runs, "<label>: done in <elapsed>" at the end. Only cache misses use
// it, so warm runs stay quiet.
type progress struct {
	w        io.Writer
	label    string
	interval time.Duration
	// detail, when set, is added to each tick, e.g. the last line of the build's log.
	detail func() string
	// quietIfQuick prints nothing for a step that ends within one interval: for steps every run
	// has (building the plugin) that are slow only on a cold Go cache.
	quietIfQuick bool
}

// newProgress reports to stderr, which both `go test -v` and `make demo` show as it happens.
func newProgress(label, logPath string) progress {
	return progress{w: os.Stderr, label: label, interval: progressInterval, detail: func() string { return lastLine(logPath, 72) }}
}

func (p progress) run(ctx context.Context, f func(ctx context.Context) error) error {
	start := time.Now()
	if !p.quietIfQuick {
		fmt.Fprintf(p.w, "%s ...\n", p.label)
	}
	var ticked bool // written by the ticker, read after wg.Wait
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(p.interval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				ticked = true
				line := fmt.Sprintf("%s: %s", p.label, since(start))
				if p.detail != nil {
					if d := p.detail(); d != "" {
						line += " (" + d + ")"
					}
				}
				fmt.Fprintln(p.w, line)
			}
		}
	}()
	err := f(ctx)
	close(stop)
	wg.Wait()
	if p.quietIfQuick && !ticked {
		return err
	}
	if err != nil {
		fmt.Fprintf(p.w, "%s: failed after %s\n", p.label, since(start))
		return err
	}
	fmt.Fprintf(p.w, "%s: done in %s\n", p.label, since(start))
	return nil
}

func since(start time.Time) string { return time.Since(start).Round(time.Second).String() }

// lastLine is the last non-empty line of the file at path, cut to max bytes; "" when there is
// none yet.
func lastLine(path string, max int) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	s = strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:])
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
