//go:build e2e

package e2e

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscovectors"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// TestBakeKeyExample runs a real `packer build` of example/bake-key with the plugin installed by
// `packer plugins install --path`, and checks the printed outputs against Rosco's own
// AWSBakeHandlerSpec expectation from the vectors file.
func TestBakeKeyExample(t *testing.T) {
	wantKey := awsBakeHandlerSpecKey(t)
	p := harness.NewPacker(t)

	out, err := p.Build(t, filepath.Join(repoDir(t), "example", "bake-key"))
	if err != nil {
		t.Fatalf("packer build example/bake-key: %v", err)
	}
	printed := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)null\.print: (\w+)=(.*)$`).FindAllStringSubmatch(out, -1) {
		printed[m[1]] = m[2]
	}
	want := map[string]string{
		"rosco_key":  wantKey,
		"image_name": "kato-all-20240131235959-centos",
		"packages":   "kato nflx-djangobase-enhanced=0.1-h12.170cdbd mongodb",
		"appversion": "",
	}
	for k, v := range want {
		if printed[k] != v {
			t.Errorf("%s = %q, want %q\noutput:\n%s", k, printed[k], v, out)
		}
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(printed["key"]) {
		t.Errorf("key = %q, want sha256:<64 hex digits>", printed["key"])
	}
}

// awsBakeHandlerSpecKey is the key Rosco's AWSBakeHandlerSpec expects for the example's request.
func awsBakeHandlerSpecKey(t *testing.T) string {
	t.Helper()
	var vectors struct {
		BakeKeys []struct {
			Request  map[string]any `json:"request"`
			Region   string         `json:"region"`
			Expected string         `json:"expected"`
			Source   string         `json:"source"`
		} `json:"bake_keys"`
	}
	roscovectors.Load(t, &vectors)
	for _, v := range vectors.BakeKeys {
		if v.Source == "AWSBakeHandlerSpec.groovy" && v.Region == "us-east-1" &&
			v.Request["package_name"] == "kato nflx-djangobase-enhanced_0.1-h12.170cdbd_all mongodb" &&
			v.Request["base_os"] == "centos" && v.Request["enhanced_networking"] == nil {
			return v.Expected
		}
	}
	t.Fatalf("the Rosco vectors have no AWSBakeHandlerSpec vector for the example's request")
	return ""
}

// repoDir is the repository root; go test runs in test/e2e.
func repoDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
