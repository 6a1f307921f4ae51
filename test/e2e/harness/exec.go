//go:build linux

package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// command describes one host command. The harness runs host tools (ip,
// mount, debootstrap, gpg, dpkg-deb, rpmbuild ...) rather than
// reimplementing them, so their errors carry the tool's own output.
type command struct {
	name  string
	args  []string
	dir   string
	env   []string // appended to os.Environ()
	stdin string
}

func cmd(name string, args ...string) command { return command{name: name, args: args} }

func (c command) in(dir string) command { c.dir = dir; return c }
func (c command) withEnv(kv ...string) command {
	c.env = append(append([]string(nil), c.env...), kv...)
	return c
}
func (c command) withStdin(s string) command { c.stdin = s; return c }
func (c command) String() string             { return strings.Join(append([]string{c.name}, c.args...), " ") }
func (c command) toCmd(ctx context.Context) *exec.Cmd {
	x := exec.CommandContext(ctx, c.name, c.args...)
	x.Dir = c.dir
	if len(c.env) > 0 {
		x.Env = append(os.Environ(), c.env...)
	}
	if c.stdin != "" {
		x.Stdin = strings.NewReader(c.stdin)
	}
	return x
}

// output runs the command and returns its stdout. On failure the error
// includes stderr, which is where every tool used here explains itself.
func (c command) output(ctx context.Context) (string, error) {
	x := c.toCmd(ctx)
	var stdout, stderr bytes.Buffer
	x.Stdout, x.Stderr = &stdout, &stderr
	if err := x.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %w: %s", c, err, tail(stderr.String()+stdout.String(), 4000))
	}
	return stdout.String(), nil
}

// run runs the command for its effect.
func (c command) run(ctx context.Context) error {
	_, err := c.output(ctx)
	return err
}

// runLogged runs the command with stdout and stderr appended to logPath, for
// long steps (debootstrap, apt in a chroot) whose output is only interesting
// when they fail.
func (c command) runLogged(ctx context.Context, logPath string) error {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log %s: %w", logPath, err)
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ %s\n", c)
	x := c.toCmd(ctx)
	x.Stdout, x.Stderr = f, f
	if err := x.Run(); err != nil {
		b, _ := os.ReadFile(logPath)
		return fmt.Errorf("%s: %w (log %s):\n%s", c, err, logPath, tail(string(b), 3000))
	}
	return nil
}

// tail keeps the last n bytes of s: the end of a tool's output is where the
// reason for a failure is.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
