package roscovectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathDefaultsToTheRepositorysTestData(t *testing.T) {
	t.Setenv(Env, "")
	p, err := Path()
	if err != nil {
		t.Fatal(err)
	}
	want := string(filepath.Separator) + filepath.FromSlash(DefaultPath)
	if !filepath.IsAbs(p) || !strings.HasSuffix(p, want) {
		t.Errorf("Path() = %q, want an absolute path ending in %s", p, want)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("the default vectors file must be in the repository: %v", err)
	}
}

func TestPathHonoursTheEnvironment(t *testing.T) {
	want := filepath.Join(t.TempDir(), "v.json")
	if err := os.WriteFile(want, []byte(`{"bake_keys":[{"expected":"k"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(Env, want)
	var v struct {
		BakeKeys []struct{ Expected string } `json:"bake_keys"`
	}
	Load(t, &v)
	if len(v.BakeKeys) != 1 || v.BakeKeys[0].Expected != "k" {
		t.Errorf("Load read %+v from %s", v, want)
	}
}
