//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// The rpm layer recipe; bump rpmLayerRecipeVersion when buildRPMLayer or the
// files below change.
const (
	rpmLayerRecipeVersion = "rpm-v2"
	rpmLayerPackages      = "rpm dnf dnf-plugins-core"
)

// elOSRelease makes the target identify as an EL9 distribution, which is
// what the provisioner's OS detection and Rosco's base_os look at.
const elOSRelease = `NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (EL9 masquerade, Debian userland)"
ANSI_COLOR="0;32"
HOME_URL="https://example.invalid/e2e"
`

// rpmLayerFiles fix Debian's dnf to behave like RHEL 9's (see
// test-targets.md, pitfalls 5 and 6).
var rpmLayerFiles = map[string]string{
	"etc/rpm/macros":             "%_dbpath /var/lib/rpm\n",
	"etc/dnf/vars/releasever":    "9\n",
	"etc/hostname":               "rpmtarget\n",
	"etc/hosts":                  "127.0.0.1 localhost\n127.0.1.1 rpmtarget\n",
	"etc/os-release":             elOSRelease,
	"etc/dnf/plugins/local.conf": "[main]\nenabled = false\n",
}

func rpmLayerRecipe(goldenHash string) []string {
	parts := []string{rpmLayerRecipeVersion, goldenHash, rpmLayerPackages, elOSRelease, baseShimSpec}
	for _, k := range sortedKeys(rpmLayerFiles) {
		parts = append(parts, k+"="+rpmLayerFiles[k])
	}
	return parts
}

// rpmLayerDir returns the overlay upper directory that turns the golden
// rootfs into the EL9-style target; it is used as an extra lower layer.
func (e *Env) rpmLayerDir(t T) (string, error) {
	t.Helper()
	golden, err := e.goldenRootfs(t)
	if err != nil {
		return "", err
	}
	e.rpmOnce.Do(func() {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		hash := recipeHash(rpmLayerRecipe(recipeHash(rootfsRecipe()...))...)
		dir, err := buildCached(ctx, e.CacheDir, "rpmlayer", hash, "building the EL9-style rpm layer (dnf from the Debian mirror)", func(ctx context.Context, dir string) error {
			return e.buildRPMLayer(ctx, golden, dir)
		})
		if err != nil {
			e.rpmErr = err
			return
		}
		e.rpmLayer = filepath.Join(dir, "upper")
		t.Logf("harness: rpm layer %s ready in %s", e.rpmLayer, time.Since(start).Round(time.Millisecond))
	})
	return e.rpmLayer, e.rpmErr
}

// buildRPMLayer mounts an overlay over the golden rootfs, installs Debian's
// rpm and dnf from the mirror, purges apt and applies the EL fixes. The
// overlay's upper directory is the layer.
func (e *Env) buildRPMLayer(ctx context.Context, golden, dir string) error {
	upper, work, merged := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	logPath := filepath.Join(dir, "build.log")
	for _, d := range []string{upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := mountOverlay(golden, upper, work, merged); err != nil {
		return err
	}
	defer func() {
		_ = unmountBelow(merged)
		_ = os.RemoveAll(work)
		_ = os.Remove(merged)
	}()
	chm, err := mountChrootFS(merged, false)
	if err != nil {
		return err
	}
	defer chm.unmount()
	p := func(rel string) string { return filepath.Join(merged, rel) }
	resolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return fmt.Errorf("read host resolv.conf: %w", err)
	}
	_ = os.Remove(p("etc/resolv.conf"))
	for path, content := range map[string]string{
		"etc/resolv.conf":      string(resolv),
		"etc/apt/sources.list": fmt.Sprintf("deb %s %s main\n", e.Mirror, debianSuite),
		"usr/sbin/policy-rc.d": "#!/bin/sh\nexit 101\n",
	} {
		if err := writeFile(p(path), content, 0o755); err != nil {
			return err
		}
	}
	script := "apt-get update -q && apt-get install -y -q --no-install-recommends " + rpmLayerPackages +
		" && apt-get clean && dpkg --purge --force-remove-protected --force-depends apt" +
		" && rm -rf /var/lib/apt /var/cache/apt /etc/apt"
	if err := chrootRun(ctx, merged, logPath, script); err != nil {
		return fmt.Errorf("install rpm and dnf: %w", err)
	}
	for _, f := range []string{"usr/sbin/policy-rc.d", "etc/resolv.conf", "etc/os-release"} {
		if err := os.Remove(p(f)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove %s: %w", f, err)
		}
	}
	for path, content := range rpmLayerFiles {
		if err := writeFile(p(path), content, 0o644); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(p("etc/yum.repos.d"), 0o755); err != nil {
		return fmt.Errorf("create /etc/yum.repos.d: %w", err)
	}
	if err := setDNFOption(p("etc/dnf/dnf.conf"), "skip_if_unavailable", "False"); err != nil {
		return err
	}
	// rpm needs something to provide /bin/sh and friends before any package
	// with a shell scriptlet installs; a real EL9 image has bash in its rpmdb.
	shim, err := buildBaseShim(ctx, dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p("tmp/base-shim.rpm"), shim, 0o644); err != nil {
		return fmt.Errorf("copy base-shim: %w", err)
	}
	if err := chrootRun(ctx, merged, logPath, "rpm --initdb && rpm -i --nodeps /tmp/base-shim.rpm && rm /tmp/base-shim.rpm && rpm -q base-shim"); err != nil {
		return fmt.Errorf("install base-shim: %w", err)
	}
	return chm.unmount()
}

// setDNFOption sets key=value in the [main] section of dnf.conf.
func setDNFOption(path, key, value string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var out []string
	found := false
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == key {
			line, found = key+"="+value, true
		}
		out = append(out, line)
	}
	if !found {
		out = append(out, key+"="+value)
	}
	return writeFile(path, strings.Join(out, "\n")+"\n", 0o644)
}

// mountOverlay mounts lower (one dir, or several joined with ':') with a
// fresh upper at merged.
func mountOverlay(lower, upper, work, merged string) error {
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := syscall.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay %s on %s: %w", opts, merged, err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
