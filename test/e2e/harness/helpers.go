//go:build linux

package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// commandTimeout bounds one remote command; apt or dnf transactions in the
// tests take seconds.
const commandTimeout = 10 * time.Minute

// Run runs cmd as root over SSH and returns its combined output and exit
// status. A transport failure (the target is gone) fails the test.
func (tg *Target) Run(t T, cmd string) (out string, rc int) {
	t.Helper()
	return tg.RunAs(t, "root", cmd)
}

// RunAs is Run as another login, e.g. tg.SudoUser.
func (tg *Target) RunAs(t T, user, cmd string) (out string, rc int) {
	t.Helper()
	stdout, stderr, rc, err := tg.sshExec(user, cmd)
	if err != nil {
		t.Fatalf("%s: ssh %s@%s: %v", tg.Name, user, tg.Addr, err)
	}
	return stdout + stderr, rc
}

// MustRun runs cmd as root and fails the test unless it exits 0; it
// returns the output.
func (tg *Target) MustRun(t T, cmd string) string {
	t.Helper()
	out, rc := tg.Run(t, cmd)
	if rc != 0 {
		t.Fatalf("%s: %q exited %d:\n%s", tg.Name, cmd, rc, out)
	}
	return out
}

// ReadFile returns the content of path on the target and whether it exists.
func (tg *Target) ReadFile(t T, path string) (string, bool) {
	t.Helper()
	stdout, stderr, rc, err := tg.sshExec("root", "cat -- "+shellQuote(path))
	if err != nil {
		t.Fatalf("%s: read %s: %v", tg.Name, path, err)
	}
	if rc != 0 {
		if strings.Contains(stderr, "No such file") {
			return "", false
		}
		t.Fatalf("%s: read %s: rc=%d %s", tg.Name, path, rc, stderr)
	}
	return stdout, true
}

// FileExists reports whether path exists on the target.
func (tg *Target) FileExists(t T, path string) bool {
	t.Helper()
	_, rc := tg.Run(t, "test -e "+shellQuote(path))
	return rc == 0
}

// WriteFile writes content to path on the target (as root) with mode.
func (tg *Target) WriteFile(t T, path, content string, mode uint32) {
	t.Helper()
	c, err := tg.client("root")
	if err != nil {
		t.Fatalf("%s: write %s: %v", tg.Name, path, err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatalf("%s: write %s: %v", tg.Name, path, err)
	}
	defer s.Close()
	s.Stdin = strings.NewReader(content)
	q := shellQuote(path)
	if out, err := s.CombinedOutput(fmt.Sprintf("mkdir -p \"$(dirname %s)\" && cat > %s && chmod %o %s", q, q, mode, q)); err != nil {
		t.Fatalf("%s: write %s: %v: %s", tg.Name, path, err, out)
	}
}

// PackageVersion returns the installed version-release of a package
// ("1.0.0-h5"), or "" when it is not installed. It asks dpkg on Debian and
// Chroot targets and rpm on RPM targets.
func (tg *Target) PackageVersion(t T, name string) string {
	t.Helper()
	q := shellQuote(name)
	if tg.Kind == RPM {
		out, _, rc, err := tg.sshExec("root", "rpm -q --qf '%{VERSION}-%{RELEASE}' "+q)
		if err != nil {
			t.Fatalf("%s: rpm -q %s: %v", tg.Name, name, err)
		}
		if rc != 0 {
			return ""
		}
		return strings.TrimSpace(out)
	}
	out, _, rc, err := tg.sshExec("root", "dpkg-query -W -f '${db:Status-Status} ${Version}' "+q)
	if err != nil {
		t.Fatalf("%s: dpkg-query %s: %v", tg.Name, name, err)
	}
	status, version, _ := strings.Cut(strings.TrimSpace(out), " ")
	if rc != 0 || status != "installed" {
		return ""
	}
	return version
}

// UnitState returns `systemctl is-enabled` and `systemctl is-active` for a
// unit, e.g. ("enabled", "inactive"). On a Chroot target, where no systemd
// runs, active is "offline".
func (tg *Target) UnitState(t T, unit string) (enabled, active string) {
	t.Helper()
	q := shellQuote(unit)
	out, _, _, err := tg.sshExec("root", "systemctl is-enabled "+q)
	if err != nil {
		t.Fatalf("%s: systemctl is-enabled %s: %v", tg.Name, unit, err)
	}
	enabled = strings.TrimSpace(out)
	if tg.Kind == Chroot {
		return enabled, "offline"
	}
	out, _, _, err = tg.sshExec("root", "systemctl is-active "+q)
	if err != nil {
		t.Fatalf("%s: systemctl is-active %s: %v", tg.Name, unit, err)
	}
	return enabled, strings.TrimSpace(out)
}

// NullSource returns an HCL2 `source "null" "<name>"` block that connects to
// the target as root with the harness key, for Packer templates.
func (tg *Target) NullSource(name string) string { return tg.NullSourceAs(name, "root") }

// NullSourceAs is NullSource for another login, e.g. tg.SudoUser.
func (tg *Target) NullSourceAs(name, user string) string {
	return fmt.Sprintf(`source "null" %q {
  communicator         = "ssh"
  ssh_host             = %q
  ssh_port             = %d
  ssh_username         = %q
  ssh_private_key_file = %q
  ssh_timeout          = "1m"
}
`, name, tg.Addr, tg.SSHPort, user, tg.KeyFile)
}

// sshExec runs cmd as user, reusing one SSH connection per user and
// reconnecting once if it broke.
func (tg *Target) sshExec(user, cmd string) (stdout, stderr string, rc int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		c, err := tg.client(user)
		if err != nil {
			return "", "", -1, err
		}
		stdout, stderr, rc, err = sshRun(ctx, c, cmd)
		if err == nil || attempt > 0 || ctx.Err() != nil {
			return stdout, stderr, rc, err
		}
		tg.dropClient(user, c)
	}
}

func (tg *Target) client(user string) (*ssh.Client, error) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if c, ok := tg.clients[user]; ok {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dialSSH(ctx, tg.sshAddr(), user, tg.signer)
	if err != nil {
		return nil, fmt.Errorf("ssh %s@%s: %w", user, tg.sshAddr(), err)
	}
	tg.clients[user] = c
	return c, nil
}

func (tg *Target) dropClient(user string, c *ssh.Client) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if tg.clients[user] == c {
		delete(tg.clients, user)
	}
	c.Close()
}

func (tg *Target) closeClients() {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	for u, c := range tg.clients {
		c.Close()
		delete(tg.clients, u)
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
