//go:build linux

package harness

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// thirdPartyBuildTimeout bounds building one plugin from source; the
// amazon plugin takes several minutes on two cores with a cold build cache.
const thirdPartyBuildTimeout = 20 * time.Minute

// ThirdPartyPlugin is a Packer plugin published as a Go module. Tests build
// it from the module proxy at a pinned version, the way Packer itself is
// built (scripts/build-go-binary.sh), so templates that use its components
// validate offline and always against the same code.
type ThirdPartyPlugin struct {
	// Module is the Go module path, e.g. github.com/hashicorp/packer-plugin-amazon.
	Module string
	// Version is an exact module version: the proxy refuses version lists
	// for HashiCorp modules, so "latest" cannot be resolved.
	Version string
	// Source is the address templates use in required_plugins, e.g.
	// github.com/hashicorp/amazon.
	Source string
	// ClearPrerelease builds it as its release is built, with version.VersionPrerelease
	// cleared, for a module whose tagged source still says -dev: Packer 1.10 does not count
	// 1.1.2-dev as >= 1.0.0.
	ClearPrerelease bool
}

// AmazonPlugin is the amazon plugin at the version builder-wrapper/ebs
// imports, so amazon-chroot and the wrapped amazon-ebs share one release.
func AmazonPlugin() ThirdPartyPlugin {
	return ThirdPartyPlugin{
		Module:  "github.com/hashicorp/packer-plugin-amazon",
		Version: "v1.8.2",
		Source:  "github.com/hashicorp/amazon",
	}
}

// DockerPlugin is the docker plugin, for templates shaped like Rosco's
// docker.json. It builds in about a minute with a cold cache. (The
// googlecompute plugin is not offered: it takes several minutes.)
func DockerPlugin() ThirdPartyPlugin {
	return ThirdPartyPlugin{
		Module:          "github.com/hashicorp/packer-plugin-docker",
		Version:         "v1.1.2",
		Source:          "github.com/hashicorp/docker",
		ClearPrerelease: true,
	}
}

// binaryPath is where the built plugin is cached:
// $SPINNAKER_CACHE/plugins/packer-plugin-<name>-<version>.
func (tp ThirdPartyPlugin) binaryPath() string {
	name := filepath.Base(tp.Module) + "-" + tp.Version
	if tp.ClearPrerelease {
		name += "-release"
	}
	return filepath.Join(cacheRoot(), "plugins", name)
}

// ldflags are the build's -ldflags: none, or the release build's cleared prerelease.
func (tp ThirdPartyPlugin) ldflags() string {
	if !tp.ClearPrerelease {
		return ""
	}
	return "-X " + tp.Module + "/version.VersionPrerelease="
}

// WithPlugins returns a Packer like p whose plugin directory also holds the
// given third-party plugins, each built once (cached across runs) and
// installed with `packer plugins install --path`. p itself is unchanged:
// the new Packer gets its own plugin directory holding hard links to p's
// plugins plus the new ones, because Packer reads a single plugin directory.
func (p *Packer) WithPlugins(t T, plugins ...ThirdPartyPlugin) *Packer {
	t.Helper()
	e := Suite()
	e.require(t)
	dir, err := os.MkdirTemp(e.WorkDir, "packer-plugins-")
	if err != nil {
		t.Fatalf("create plugin dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if p.PluginDir != "" {
		if err := linkTree(p.PluginDir, dir); err != nil {
			t.Fatalf("copy the installed plugins from %s: %v", p.PluginDir, err)
		}
	}
	repo, err := repoRoot()
	if err != nil {
		t.Fatalf("find the repository: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), thirdPartyBuildTimeout)
	defer cancel()
	for _, tp := range plugins {
		start := time.Now()
		bin, err := tp.build(ctx, repo)
		if err != nil {
			// A plugin that cannot be built (no module proxy, no network)
			// is a missing prerequisite, reported like the others.
			unavailable(t, err)
			return nil
		}
		install := cmd(p.Bin, "plugins", "install", "--path", bin, tp.Source).
			withEnv("CHECKPOINT_DISABLE=1", "PACKER_PLUGIN_PATH="+dir, "PACKER_CONFIG_DIR="+filepath.Join(dir, ".config"))
		if err := install.run(ctx); err != nil {
			t.Fatalf("install %s@%s: %v", tp.Module, tp.Version, err)
		}
		t.Logf("harness: %s@%s installed as %s (%s)", tp.Module, tp.Version, tp.Source, time.Since(start).Round(time.Millisecond))
	}
	q := &Packer{Bin: p.Bin, PluginDir: dir}
	// exec uses the last value of a repeated variable, so this overrides
	// p's PACKER_PLUGIN_PATH and keeps everything else.
	q.env = append(append([]string(nil), p.env...), "PACKER_PLUGIN_PATH="+dir)
	return q
}

// build runs scripts/build-go-binary.sh, which does nothing when the cached
// binary is already this module version. A flock keeps two test processes
// from building the same plugin at once.
func (tp ThirdPartyPlugin) build(ctx context.Context, repo string) (string, error) {
	bin := tp.binaryPath()
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(bin), err)
	}
	unlock, err := lockFile(ctx, bin+".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	script := filepath.Join(repo, "scripts", "build-go-binary.sh")
	args := []string{script, tp.Module, tp.Version, bin}
	if f := tp.ldflags(); f != "" {
		args = append(args, f)
	}
	if err := cmd("bash", args...).in(repo).runLogged(ctx, bin+".build.log"); err != nil {
		return "", fmt.Errorf("build %s@%s from the module proxy: %w", tp.Module, tp.Version, err)
	}
	return bin, nil
}

// linkTree recreates src's directories under dst and hard-links its files
// (both live in the harness work directory, one file system); it copies
// when linking is refused.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular() || strings.HasSuffix(path, ".lock"):
			return nil
		}
		if err := os.Link(path, target); err == nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		return writeFile(target, string(b), fi.Mode().Perm())
	})
}
