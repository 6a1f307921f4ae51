package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderLeavesOutGitHubOnlyLines(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "page.mdx"), filepath.Join(dir, "out", "README.md")
	page := "---\ntitle: x\n---\n# Page\n\nType: `x`\n\n" + githubOnlyStart + "\n> On GitHub, read the generated page.\n" +
		githubOnlyEnd + "\n\nBody.\n"
	if err := os.WriteFile(src, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := render(src, dst); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# Page\n\nType: `x`\n\n\nBody.\n\n"; string(got) != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
}

func TestRenderRefusesAnUnterminatedGitHubOnlyBlock(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "page.mdx")
	if err := os.WriteFile(src, []byte("# Page\n"+githubOnlyStart+"\nrest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := render(src, filepath.Join(dir, "README.md"))
	if err == nil || !strings.Contains(err.Error(), githubOnlyEnd) {
		t.Errorf("err = %v, want one naming the missing %s", err, githubOnlyEnd)
	}
}
