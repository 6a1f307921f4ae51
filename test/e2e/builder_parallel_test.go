//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestEBSParallelBuildsBakeOnce starts the same build twice, the second
// once the first one's instance is up: the second must wait for the first
// (it carries the key as a run tag) and reuse its image instead of baking.
func TestEBSParallelBuildsBakeOnce(t *testing.T) {
	e := newEBSEnv(t)
	type result struct {
		out string
		err error
	}
	first := make(chan result, 1)
	go func() {
		out, err := e.build(t, "-var", "ami_suffix=20261121180000")
		first <- result{out, err}
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for len(e.compute.Instances()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first build launched no instance within 2 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, err := e.build(t, "-var", "ami_suffix=20261121180001")
	mustSucceed(t, out, err)
	a := <-first
	mustSucceed(t, a.out, a.err)

	if !strings.Contains(out, "Another build is baking the same key") || !strings.Contains(out, "No changes detected; reused existing bake") {
		t.Errorf("the second build did not wait and reuse:\n%s", out)
	}
	if n := len(e.compute.Instances()); n != 1 {
		t.Errorf("instances launched = %d, want 1", n)
	}
	imgs := e.keyImages(bakeKeyOf(t, a.out))
	if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
		t.Fatalf("images with the key: %+v", imgs)
	}
	want := map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID}
	wantScraped(t, a.out, want)
	wantScraped(t, out, want)
}
