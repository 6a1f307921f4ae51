//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEBSClaimOfAKilledBuildExpires kills a baking build with SIGKILL (Packer
// and its plugins, the whole process group), so its claim on the key is
// never released or renewed. The next build of the key waits for the claim
// to expire (claim_ttl), removes it and bakes.
func TestEBSClaimOfAKilledBuildExpires(t *testing.T) {
	e := newEBSEnv(t)
	const label = "run_label=killed-holder"
	killed := make(chan string, 1)
	go func() {
		out, _ := e.requestBuild(t, "-var", "claim_ttl=6s", "-var", label)
		killed <- out
	}()
	deadline := time.Now().Add(3 * time.Minute)
	for len(e.compute.Instances()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first build launched no instance within 3 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if claims := e.claims(); len(claims) != 1 {
		t.Fatalf("claims while the first build bakes: %v, want 1", claims)
	}
	pgid := packerProcessGroup(t, label)
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill process group %d: %v", pgid, err)
	}
	<-killed
	stale := e.claims()
	if len(stale) != 1 {
		t.Fatalf("claims after SIGKILL: %v, want the killed build's", stale)
	}

	e.fake.ResetCalls()
	out, err := e.requestBuild(t, "-var", "claim_ttl=6s")
	mustSucceed(t, out, err)
	for _, want := range []string{"Another build is baking or copying the same key", "Removed the stale claim", "Baking: no image carries"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := e.calls()["RunInstances"]; n != 1 {
		t.Errorf("RunInstances calls of the second build = %d, want 1", n)
	}
	if left := e.claims(); len(left) != 0 {
		t.Errorf("claims left after the second build: %v", left)
	}
	key := bakeKeyOf(t, out)
	if imgs := e.keyImages(key); len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
		t.Errorf("images with the key: %+v", imgs)
	}
}

// claims lists the claim key pairs in the build region.
func (e *ebsEnv) claims() []string {
	var out []string
	for _, kp := range e.compute.KeyPairs() {
		if strings.HasPrefix(kp, buildRegion+"/spinnaker-bake-claim-") {
			out = append(out, kp)
		}
	}
	return out
}

// packerProcessGroup finds the packer process whose arguments contain
// marker and returns its process group (the harness starts each packer in
// a group of its own, with its plugins).
func packerProcessGroup(t *testing.T, marker string) int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
		if len(args) < 2 || filepath.Base(string(args[0])) != "packer" || !bytes.Contains(cmdline, []byte(marker)) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(dir))
		pgid, err := syscall.Getpgid(pid)
		if err != nil {
			t.Fatalf("getpgid %d: %v", pid, err)
		}
		return pgid
	}
	t.Fatalf("no packer process with %q", marker)
	return 0
}
