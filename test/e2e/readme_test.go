//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// readmeBlock is a fenced block of README.md announced by a `<!-- readme-test: <kind> <args> -->`
// line: kind "run" is shell commands, "build" and "validate" are templates.
type readmeBlock struct {
	kind string
	args []string
	body string
	line int
}

var readmeMarker = regexp.MustCompile(`^<!-- readme-test: (\w+)(.*?) -->$`)

// readmeBlocks extracts the marked blocks, so the test runs what a reader copies, as written.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		m := readmeMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Fatalf("README.md:%d: a readme-test marker must be followed by a fenced block", i+1)
		}
		end := i + 2
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		if end == len(lines) {
			t.Fatalf("README.md:%d: unterminated fenced block", i+2)
		}
		blocks = append(blocks, readmeBlock{kind: m[1], args: strings.Fields(m[2]),
			body: strings.Join(lines[i+2:end], "\n") + "\n", line: i + 3})
		i = end
	}
	return blocks
}

func readmeBlocksOf(t *testing.T, kind string, want int) []readmeBlock {
	t.Helper()
	var out []readmeBlock
	for _, b := range readmeBlocks(t) {
		if b.kind == kind {
			out = append(out, b)
		}
	}
	if len(out) != want {
		t.Fatalf("README.md has %d readme-test %q blocks, want %d", len(out), kind, want)
	}
	return out
}

// TestReadmeQuickStart runs the README's quick-start commands verbatim from the repository root,
// with Packer on PATH and an empty Packer home, as a newcomer with no plugins would: `make install`
// must install a release version that `packer init` accepts without a published release, and the
// build must print Rosco's key for the example's request.
func TestReadmeQuickStart(t *testing.T) {
	block := readmeBlocksOf(t, "run", 1)[0]
	wantKey := awsBakeHandlerSpecKey(t)
	packerBin := harness.NewPacker(t, harness.WithoutPlugin()).Bin
	home := t.TempDir()

	cmd := exec.Command("bash", "-euo", "pipefail", "-c", block.body)
	cmd.Dir = repoDir(t)
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(packerBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PACKER_PLUGIN_PATH="+filepath.Join(home, "plugins"),
		"PACKER_CONFIG_DIR="+filepath.Join(home, "config"),
		"CHECKPOINT_DISABLE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README.md:%d quick start failed: %v\n%s", block.line, err, out)
	}
	if want := "null.print: rosco_key=" + wantKey; !strings.Contains(string(out), want) {
		t.Errorf("the quick start does not print %q:\n%s", want, out)
	}
	installed, _ := filepath.Glob(filepath.Join(home, "plugins", "github.com", "spinnaker-bakery", "spinnaker", "packer-plugin-spinnaker_v*"))
	var binaries []string
	for _, f := range installed {
		if !strings.HasSuffix(f, "_SHA256SUM") {
			binaries = append(binaries, filepath.Base(f))
		}
	}
	if len(binaries) != 1 || strings.Contains(binaries[0], "-dev") {
		t.Errorf("the quick start installed %q, want one release-versioned (not -dev) binary", binaries)
	}
}

// TestReadmeTemplates builds and validates the README's per-component templates as written.
func TestReadmeTemplates(t *testing.T) {
	p := harness.NewPacker(t)
	run := func(t *testing.T, b readmeBlock) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "template.pkr.hcl"), []byte(b.body), 0o644); err != nil {
			t.Fatal(err)
		}
		var out string
		var err error
		if b.kind == "build" {
			out, err = p.Build(t, dir, b.args...)
		} else {
			out, err = p.Validate(t, dir, b.args...)
		}
		if err != nil {
			t.Fatalf("README.md:%d: packer %s: %v\n%s", b.line, b.kind, err, out)
		}
		return out
	}
	t.Run("build", func(t *testing.T) {
		out := run(t, readmeBlocksOf(t, "build", 1)[0])
		for _, want := range []string{
			"image_name=hello-svc-all-20240131235959-bookworm",
			"packages=hello-svc=1.0.1-h6",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the data source template does not print %q:\n%s", want, out)
			}
		}
		if !regexp.MustCompile(`key=sha256:[0-9a-f]{64}`).MatchString(out) {
			t.Errorf("the data source template prints no strict key:\n%s", out)
		}
	})
	for i, b := range readmeBlocksOf(t, "validate", 2) {
		t.Run("validate-"+string(rune('1'+i)), func(t *testing.T) {
			if out := run(t, b); !strings.Contains(out, "The configuration is valid.") {
				t.Errorf("README.md:%d: packer validate printed:\n%s", b.line, out)
			}
		})
	}
}
