//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The golden rootfs recipe. Every constant that shapes its content goes into
// the cache key (rootfsRecipe); bump rootfsRecipeVersion when
// customiseRootfs changes.
const (
	debianSuite         = "bookworm"
	debianArch          = "amd64"
	rootfsVariant       = "minbase"
	rootfsPackages      = "systemd,systemd-sysv,dbus,sudo,openssh-server,ca-certificates"
	rootfsRecipeVersion = "golden-v3"

	// SudoUser is the non-root login every target has, with passwordless
	// sudo and the same SSH key as root.
	SudoUser = "bakeuser"
)

// sshdDropIn is the target's sshd configuration: key-only logins, root
// allowed, no DNS lookups (targets are offline).
const sshdDropIn = `# written by the e2e harness
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 64
`

// maskedUnits would run apt or dpkg behind a test's back on boot.
var maskedUnits = []string{
	"apt-daily.timer", "apt-daily.service",
	"apt-daily-upgrade.timer", "apt-daily-upgrade.service",
	"dpkg-db-backup.timer", "dpkg-db-backup.service",
}

func rootfsRecipe() []string {
	return []string{rootfsRecipeVersion, debianSuite, debianArch, rootfsVariant, rootfsPackages,
		sshdDropIn, strings.Join(maskedUnits, ","), SudoUser}
}

// goldenRootfs returns the golden Debian rootfs directory, building it with
// debootstrap on first use (about 1-2 minutes) and reusing the cached copy
// afterwards.
func (e *Env) goldenRootfs(t T) (string, error) {
	t.Helper()
	e.rootfsOnce.Do(func() {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		dir, err := buildCached(ctx, e.CacheDir, "rootfs", recipeHash(rootfsRecipe()...),
			"building the Debian 12 root file system with debootstrap, 1-5 min, mostly downloads", e.buildRootfs)
		if err != nil {
			e.rootfsErr = err
			return
		}
		e.rootfsDir = filepath.Join(dir, "root")
		t.Logf("harness: golden rootfs %s ready in %s", e.rootfsDir, time.Since(start).Round(time.Millisecond))
	})
	return e.rootfsDir, e.rootfsErr
}

func (e *Env) buildRootfs(ctx context.Context, dir string) error {
	root := filepath.Join(dir, "root")
	logPath := filepath.Join(dir, "build.log")
	start := time.Now()
	err := cmd("debootstrap", "--variant="+rootfsVariant, "--arch="+debianArch, "--include="+rootfsPackages,
		debianSuite, root, e.Mirror).runLogged(ctx, logPath)
	if err != nil {
		return fmt.Errorf("debootstrap from %s: %w", e.Mirror, err)
	}
	if err := customiseRootfs(ctx, root); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "timing"), fmt.Sprintf("built in %s\n", time.Since(start).Round(time.Second)), 0o644)
}

// customiseRootfs turns the debootstrap result into a target image: offline
// apt sources, a resolvable hostname, the sudo user, sshd settings, and no
// policy-rc.d (targets must start services unless a test adds one).
func customiseRootfs(ctx context.Context, root string) error {
	p := func(rel string) string { return filepath.Join(root, rel) }
	// Targets live in a private netns and cannot reach a mirror; only the
	// repositories a test adds must be configured.
	if err := writeFile(p("etc/apt/sources.list"), "", 0o644); err != nil {
		return err
	}
	if extra, _ := filepath.Glob(p("etc/apt/sources.list.d/*")); len(extra) > 0 {
		for _, f := range extra {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("remove %s: %w", f, err)
			}
		}
	}
	for path, content := range map[string]string{
		"etc/hostname":                   "target\n",
		"etc/hosts":                      "127.0.0.1 localhost\n127.0.1.1 target\n",
		"etc/ssh/sshd_config.d/e2e.conf": sshdDropIn,
	} {
		if err := writeFile(p(path), content, 0o644); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(p("root/.ssh"), 0o700); err != nil {
		return fmt.Errorf("create /root/.ssh: %w", err)
	}
	// '*' is "no password" rather than a locked account, which sshd would
	// refuse even for key logins.
	if err := cmd("chroot", root, "useradd", "--create-home", "--shell", "/bin/bash", "--password", "*", SudoUser).run(ctx); err != nil {
		return fmt.Errorf("add user %s: %w", SudoUser, err)
	}
	if err := cmd("chroot", root, "install", "-d", "-m", "700", "-o", SudoUser, "-g", SudoUser, "/home/"+SudoUser+"/.ssh").run(ctx); err != nil {
		return fmt.Errorf("create ~%s/.ssh: %w", SudoUser, err)
	}
	if err := writeFile(p("etc/sudoers.d/"+SudoUser), SudoUser+" ALL=(ALL:ALL) NOPASSWD: ALL\n", 0o440); err != nil {
		return err
	}
	for _, u := range maskedUnits {
		link := p("etc/systemd/system/" + u)
		_ = os.Remove(link)
		if err := os.Symlink("/dev/null", link); err != nil {
			return fmt.Errorf("mask %s: %w", u, err)
		}
	}
	if err := os.Remove(p("usr/sbin/policy-rc.d")); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove policy-rc.d: %w", err)
	}
	return nil
}
