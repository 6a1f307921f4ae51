//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// TestLocalExample builds example/local, the template of `make demo`, on a booted Debian target.
func TestLocalExample(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := harness.NewPacker(t).Build(t, filepath.Join(repoDir(t), "example", "local"),
		"-var", "ssh_host="+tg.Addr,
		"-var", "ssh_port="+strconv.Itoa(tg.SSHPort),
		"-var", "ssh_private_key_file="+tg.KeyFile,
		"-var", "repo_url="+tg.Repos.AptSigned,
		"-var", "repo_key_url="+tg.Repos.KeyURL(tg.Repos.RepoKey),
		"-var", "repo_key_fingerprint="+tg.Repos.RepoKey.Fingerprint)
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantUnit(t, tg, "hello-svc.service", "enabled", "inactive")
	wantNotStarted(t, tg)
	assertCleanedUp(t, tg)
	for _, want := range []string{"rosco key", "strict key", "image name"} {
		if !strings.Contains(out, want) {
			t.Errorf("the example does not print its %s:\n%s", want, out)
		}
	}
}

// Every directory under example/ is one a test builds or validates.
func TestExamplesAreAllTested(t *testing.T) {
	tested := []string{"bake-key", "ebs", "local", "lookup", "rosco"}
	entries, err := os.ReadDir(filepath.Join(repoDir(t), "example"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	if !reflect.DeepEqual(got, tested) {
		t.Errorf("example/ holds %q; the tests build %q", got, tested)
	}
}
