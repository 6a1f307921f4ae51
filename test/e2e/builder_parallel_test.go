//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// parallelBuilds is how many `packer build`s of one key start together.
const parallelBuilds = 8

// TestEBSParallelBuildsBakeOnce starts eight builds of the same key at
// once against one EC2 endpoint: exactly one claims the key and launches an
// instance; the other seven wait for the claim and reuse its image.
func TestEBSParallelBuildsBakeOnce(t *testing.T) {
	e := newEBSEnv(t)
	outs := runParallelBuilds(t, e)

	if n := len(e.compute.Instances()); n != 1 {
		t.Errorf("instances launched = %d, want 1", n)
	}
	var key string
	bakers, waiters := 0, 0
	for i, out := range outs {
		key = bakeKeyOf(t, out)
		switch {
		case strings.Contains(out, "Baking: no image carries"):
			bakers++
		case strings.Contains(out, "No changes detected; reused existing bake"):
			waiters++
			if !strings.Contains(out, "Another build is baking or copying the same key") {
				t.Logf("build %d reused without waiting (it looked up after the bake):\n%s", i, out)
			}
		default:
			t.Errorf("build %d neither baked nor reused:\n%s", i, out)
		}
	}
	if bakers != 1 || waiters != parallelBuilds-1 {
		t.Errorf("%d builds baked and %d reused, want 1 and %d", bakers, waiters, parallelBuilds-1)
	}
	imgs := e.keyImages(key)
	if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
		t.Fatalf("images with the key: %+v", imgs)
	}
	want := map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID}
	for _, out := range outs {
		wantScraped(t, out, want)
	}
	if kps := e.compute.KeyPairs(); len(kps) != 1 || kps[0] != buildRegion+"/harness" {
		t.Errorf("key pairs left (claims must be released): %v", kps)
	}
}

// TestEBSParallelBuildsCopyOnce starts eight builds of a key whose image is
// in the build region only: the copy to the second region is made under
// the claim, so exactly one build copies and the others use its copy.
func TestEBSParallelBuildsCopyOnce(t *testing.T) {
	e := newEBSEnv(t)
	out, err := e.build(t, "-var", "ami_suffix=20261206090000")
	mustSucceed(t, out, err)
	key := bakeKeyOf(t, out)
	imgs := e.keyImages(key)
	if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
		t.Fatalf("images with the key: %+v", imgs)
	}
	e.compute.DeleteImage(copyRegion, imgs[copyRegion][0].ID)
	instances := len(e.compute.Instances())
	e.fake.ResetCalls()

	outs := runParallelBuilds(t, e)
	if n := e.fake.CallCount("CopyImage"); n != 1 {
		t.Errorf("CopyImage calls = %d, want 1", n)
	}
	if n := len(e.compute.Instances()) - instances; n != 0 {
		t.Errorf("instances launched = %d, want 0", n)
	}
	copies := e.keyImages(key)[copyRegion]
	if len(copies) != 1 || copies[0].State != "available" {
		t.Fatalf("%s images with the key: %+v, want one copy", copyRegion, copies)
	}
	copiers := 0
	for _, out := range outs {
		if strings.Contains(out, "Copied without baking") {
			copiers++
		}
		wantScraped(t, out, map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: copies[0].ID})
	}
	if copiers != 1 {
		t.Errorf("%d builds say they copied, want 1", copiers)
	}
	e.wantNoLeaks(t)
}

// runParallelBuilds starts parallelBuilds builds of example/ebs together and
// returns their outputs; every build must succeed.
func runParallelBuilds(t testing.TB, e *ebsEnv) []string {
	return runParallel(t, func(i int) (string, error) {
		return e.build(t, "-var", fmt.Sprintf("ami_suffix=2026112118%04d", i))
	})
}

// runParallel starts parallelBuilds builds together and returns their
// outputs; every build must succeed.
func runParallel(t testing.TB, build func(i int) (string, error)) []string {
	t.Helper()
	outs := make([]string, parallelBuilds)
	errs := make([]error, parallelBuilds)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range parallelBuilds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outs[i], errs[i] = build(i)
		}()
	}
	close(start)
	wg.Wait()
	for i := range outs {
		if errs[i] != nil {
			t.Fatalf("build %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	return outs
}
