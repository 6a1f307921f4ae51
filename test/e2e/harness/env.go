//go:build linux

package harness

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Env is the process-wide part of the harness: cache and work directories,
// the SSH key, and the lazily built golden rootfs, rpm layer and fixtures.
// Obtain it with Suite.
type Env struct {
	// CacheDir holds what survives the process: the golden rootfs and rpm
	// layer, keyed by recipe hash ($SPINNAKER_CACHE/e2e).
	CacheDir string
	// WorkDir is this process's scratch directory (overlays, fixtures,
	// keys); Close removes it.
	WorkDir string
	// Subnet is the private range targets get their /24s from (E2E_SUBNET).
	Subnet netip.Prefix
	// Mirror is the Debian mirror debootstrap and the rpm layer install from.
	Mirror string

	prereqErr error

	sshKeyOnce sync.Once
	sshKey     sshKeyPair
	sshKeyErr  error

	rootfsOnce sync.Once
	rootfsDir  string
	rootfsErr  error

	rpmOnce  sync.Once
	rpmLayer string
	rpmErr   error

	fixturesOnce sync.Once
	fixtures     *Fixtures
	fixturesErr  error

	pluginOnce sync.Once
	pluginHome string
	pluginErr  error

	leaks    *leakTracker
	workLock *os.File // held while the process lives; see claimWorkDir
}

var (
	suiteOnce sync.Once
	suite     *Env
)

// Suite returns the process-wide Env, creating it on first use. Creation is
// cheap; the rootfs, rpm layer and fixtures are built when a test first needs
// them. Missing prerequisites (root, systemd-nspawn, debootstrap ...) are
// reported by NewTarget through the test: failure when CI=true, skip
// otherwise.
func Suite() *Env {
	suiteOnce.Do(func() { suite = newEnv() })
	return suite
}

func newEnv() *Env {
	e := &Env{leaks: newLeakTracker()}
	e.CacheDir = filepath.Join(cacheRoot(), "e2e")
	e.Mirror = debianMirror()
	subnet, err := subnetFromEnv()
	if err != nil {
		e.prereqErr = err
		return e
	}
	e.Subnet = subnet
	if err := checkPrerequisites(); err != nil {
		e.prereqErr = err
		return e
	}
	if err := os.MkdirAll(filepath.Join(e.CacheDir, "work"), 0o755); err != nil {
		e.prereqErr = fmt.Errorf("create cache dir: %w", err)
		return e
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := reapStale(ctx, filepath.Join(e.CacheDir, "work"), e.Subnet); err != nil {
		e.prereqErr = err
		return e
	}
	// The work dir lives next to the cache, on the same file system, so
	// overlay upper/work dirs and the cached lower layers share it.
	wd, err := os.MkdirTemp(filepath.Join(e.CacheDir, "work"), fmt.Sprintf("p%d-", os.Getpid()))
	if err != nil {
		e.prereqErr = fmt.Errorf("create work dir: %w", err)
		return e
	}
	if e.workLock, err = claimWorkDir(wd); err != nil {
		e.prereqErr = err
		return e
	}
	e.WorkDir = wd
	e.leaks.workDir = wd
	return e
}

// cacheRoot is $SPINNAKER_CACHE, default $HOME/.cache/packer-plugin-spinnaker.
func cacheRoot() string {
	if d := os.Getenv("SPINNAKER_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "/root"
	}
	return filepath.Join(home, ".cache", "packer-plugin-spinnaker")
}

// inCI reports whether missing prerequisites must fail rather than skip.
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// requiredTools are the host commands the harness executes.
var requiredTools = []string{
	"systemd-nspawn", "debootstrap", "ip", "mount", "umount", "chroot", "gpg", "gpgconf",
	"dpkg-deb", "apt-ftparchive", "rpmbuild", "rpmsign", "createrepo_c",
}

func checkPrerequisites() error {
	var problems []string
	if os.Geteuid() != 0 {
		problems = append(problems, "not running as root")
	}
	for _, tool := range requiredTools {
		if _, err := exec.LookPath(tool); err != nil {
			problems = append(problems, fmt.Sprintf("%s not found in PATH", tool))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("e2e prerequisites missing (run `bash test/host-deps.sh` as root): %s", strings.Join(problems, "; "))
	}
	return nil
}

// require stops the test when the environment cannot run targets: a failure
// in CI (so a green CI run always ran the e2e tests), a skip elsewhere.
func (e *Env) require(t T) {
	t.Helper()
	if e.prereqErr == nil {
		return
	}
	unavailable(t, e.prereqErr)
}

// Unavailable fails (CI) or skips (elsewhere) the test with err as reason: the
// one rule for a missing prerequisite, for tests whose setup the harness does
// not make itself.
func Unavailable(t T, err error) { t.Helper(); unavailable(t, err) }

// unavailable fails (CI) or skips (elsewhere) the test with err as reason.
func unavailable(t T, err error) {
	t.Helper()
	if s, ok := t.(skipper); ok && !inCI() {
		s.Skipf("e2e environment unavailable: %v", err)
		return
	}
	t.Fatalf("e2e environment unavailable: %v", err)
}

// Close removes the work directory and stops the gpg-agents the fixtures
// started. It refuses to delete anything while a mount is still below the
// work directory. TestMain calls it after CheckLeaks.
func (e *Env) Close() error {
	if e.WorkDir == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if e.fixtures != nil {
		errs = append(errs, e.fixtures.gpg.killAgents(ctx))
	}
	errs = append(errs, removeTree(e.WorkDir))
	return errors.Join(errs...)
}

// debianMirror is the machine's own Debian source (deb822 or one-line
// format), so debootstrap works wherever apt on the host works.
func debianMirror() string {
	if m := os.Getenv("E2E_DEBIAN_MIRROR"); m != "" {
		return m
	}
	if b, err := os.ReadFile("/etc/apt/sources.list.d/debian.sources"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "URIs:" && !strings.Contains(f[1], "security") {
				return f[1]
			}
		}
	}
	if b, err := os.ReadFile("/etc/apt/sources.list"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == "deb" {
				for _, x := range f[1:] {
					if strings.HasPrefix(x, "http") && !strings.Contains(x, "security") {
						return x
					}
				}
			}
		}
	}
	return "http://deb.debian.org/debian"
}
