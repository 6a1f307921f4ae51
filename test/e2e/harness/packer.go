//go:build linux

package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	// defaultPackerVersion is what `make packer` builds.
	defaultPackerVersion = "v1.16.0"
	// pluginSource is the plugin's source address; templates refer to it in
	// required_plugins.
	pluginSource = "github.com/spinnaker-bakery/spinnaker"
	// packerTimeout bounds one packer invocation.
	packerTimeout = 20 * time.Minute
)

// Packer runs the real Packer binary with this repository's plugin
// installed in an isolated plugin directory, so neither the user's plugins
// nor their config are involved.
type Packer struct {
	// Bin is the Packer binary: $PACKER_BIN, else
	// $SPINNAKER_CACHE/packer/v1.16.0/packer.
	Bin string
	// PluginDir is PACKER_PLUGIN_PATH ("" when created WithoutPlugin).
	PluginDir string
	env       []string
}

// PackerOption adjusts NewPacker.
type PackerOption func(*packerOptions)

type packerOptions struct {
	withoutPlugin bool
	env           []string
	bin           string
}

// WithoutPlugin gives a Packer with an empty plugin directory: only the
// built-in components (null builder, shell provisioner ...) are available.
func WithoutPlugin() PackerOption { return func(o *packerOptions) { o.withoutPlugin = true } }

// WithEnv adds KEY=VALUE pairs to Packer's environment (after the
// harness's own, so they win), e.g. AWS settings pointing at the EC2 fake.
func WithEnv(kv ...string) PackerOption {
	return func(o *packerOptions) { o.env = append(o.env, kv...) }
}

// WithPackerBinary runs the given Packer instead of $PACKER_BIN's, e.g. the 1.10 line Rosco ships.
func WithPackerBinary(bin string) PackerOption { return func(o *packerOptions) { o.bin = bin } }

// NewPacker returns a Packer whose plugin directory holds the plugin built
// from this repository (`go build` of the repository root, once per
// process) and installed with `packer plugins install --path`.
func NewPacker(t T, opts ...PackerOption) *Packer {
	t.Helper()
	var o packerOptions
	for _, opt := range opts {
		opt(&o)
	}
	e := Suite()
	e.require(t)
	bin, err := packerBinary(o.bin)
	if err != nil {
		unavailable(t, err)
		return nil
	}
	config, err := os.MkdirTemp(e.WorkDir, "packer-config-")
	if err != nil {
		t.Fatalf("create packer config dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(config) })
	p := &Packer{Bin: bin}
	if o.withoutPlugin {
		p.PluginDir = filepath.Join(config, "plugins")
	} else {
		if p.PluginDir, err = e.installedPlugin(t, bin); err != nil {
			t.Fatalf("install the plugin into packer: %v", err)
		}
	}
	p.env = []string{
		"CHECKPOINT_DISABLE=1",
		"PACKER_PLUGIN_PATH=" + p.PluginDir,
		"PACKER_CONFIG_DIR=" + config,
		"PACKER_CACHE_DIR=" + filepath.Join(config, "cache"),
		"PACKER_NO_COLOR=1",
	}
	p.env = append(p.env, o.env...)
	return p
}

// packerBinary finds the Packer to run: bin when given, else $PACKER_BIN, else the one `make packer`
// builds.
func packerBinary(bin string) (string, error) {
	if bin == "" {
		bin = os.Getenv("PACKER_BIN")
	}
	if bin == "" {
		bin = filepath.Join(cacheRoot(), "packer", defaultPackerVersion, "packer")
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("packer binary %s not found or not executable (run `make packer`, or set PACKER_BIN)", bin)
	}
	return bin, nil
}

// installedPlugin builds the plugin and installs it for bin, once per
// process and Packer binary; it returns the plugin directory.
func (e *Env) installedPlugin(t T, bin string) (string, error) {
	t.Helper()
	e.pluginOnce.Do(func() {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		// Seconds when Go's build cache is warm, minutes on a fresh machine: report only then.
		p := newProgress("harness: building and installing the plugin from this checkout", "")
		p.quietIfQuick = true
		e.pluginErr = p.run(ctx, func(ctx context.Context) error {
			var err error
			e.pluginHome, err = e.buildAndInstallPlugin(ctx, bin)
			return err
		})
		if e.pluginErr == nil {
			t.Logf("harness: plugin built and installed in %s (%s)", e.pluginHome, time.Since(start).Round(time.Millisecond))
		}
	})
	return e.pluginHome, e.pluginErr
}

func (e *Env) buildAndInstallPlugin(ctx context.Context, bin string) (string, error) {
	repo, err := repoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(e.WorkDir, "plugin", "packer-plugin-spinnaker")
	if err := cmd("go", "build", "-o", out, ".").in(repo).run(ctx); err != nil {
		return "", fmt.Errorf("build the plugin: %w", err)
	}
	home := filepath.Join(e.WorkDir, "packer-plugins")
	install := cmd(bin, "plugins", "install", "--path", out, pluginSource).
		withEnv("CHECKPOINT_DISABLE=1", "PACKER_PLUGIN_PATH="+home, "PACKER_CONFIG_DIR="+filepath.Join(e.WorkDir, "packer-home"))
	if err := install.run(ctx); err != nil {
		return "", fmt.Errorf("packer plugins install: %w", err)
	}
	return home, nil
}

// repoRoot walks up from the working directory (go test runs in the
// package directory) to the module root.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/spinnaker-bakery/packer-plugin-spinnaker") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod of packer-plugin-spinnaker) not found above the working directory")
		}
		dir = parent
	}
}

// Build runs `packer build -color=false [args...] <template>` where
// template is a directory or file; args are flags such as -var. It returns
// the combined output, which is also logged when the build fails.
func (p *Packer) Build(t T, template string, args ...string) (string, error) {
	t.Helper()
	return p.Run(t, template, "build", append([]string{"-color=false"}, args...)...)
}

// Validate runs `packer validate [args...] <template>`.
func (p *Packer) Validate(t T, template string, args ...string) (string, error) {
	t.Helper()
	return p.Run(t, template, "validate", args...)
}

// Run runs any packer subcommand on a template with the isolated plugin
// and config directories.
func (p *Packer) Run(t T, template, subcommand string, args ...string) (string, error) {
	t.Helper()
	dir, target := template, "."
	if fi, err := os.Stat(template); err == nil && !fi.IsDir() {
		dir, target = filepath.Dir(template), filepath.Base(template)
	}
	argv := append(append([]string{subcommand}, args...), target)
	ctx, cancel := context.WithTimeout(context.Background(), packerTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, p.Bin, argv...)
	c.Dir = dir
	c.Env = append(os.Environ(), p.env...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	// Packer and its plugin processes get a process group of their own, which a cleanup stops
	// when the test or scope ends first (an interrupted `make demo`), so none outlives it.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	err := c.Start()
	if err == nil {
		finished := make(chan struct{})
		t.Cleanup(func() { stopProcessGroup(c.Process.Pid, finished) })
		err = c.Wait()
		close(finished)
	}
	if err != nil {
		t.Logf("packer %s failed after %s: %v\n%s", strings.Join(argv, " "), time.Since(start).Round(time.Millisecond), err, out.String())
		return out.String(), fmt.Errorf("packer %s: %w", subcommand, err)
	}
	return out.String(), nil
}

// Installed is `packer plugins installed`: the plugin binaries Packer sees.
func (p *Packer) Installed(t T) (string, error) {
	t.Helper()
	c := exec.Command(p.Bin, "plugins", "installed")
	c.Env = append(os.Environ(), p.env...)
	out, err := c.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("packer plugins installed: %w", err)
	}
	return string(out), nil
}

// stopProcessGroup ends the process group pgid unless finished is closed: SIGTERM first, so
// Packer cleans up after itself, then SIGKILL after 10 s.
func stopProcessGroup(pgid int, finished <-chan struct{}) {
	select {
	case <-finished:
		return
	default:
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
