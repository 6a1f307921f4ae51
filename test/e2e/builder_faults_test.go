//go:build e2e

package e2e

import (
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// wrapperActions are the EC2 calls spinnaker-ebs makes itself: lookup,
// copy, tags, sharing, deprecation, claim and clean-up.
var wrapperActions = []string{
	"DescribeImages", "CopyImage", "CreateTags", "DescribeImageAttribute", "ModifyImageAttribute",
	"DescribeSnapshotAttribute", "ModifySnapshotAttribute", "EnableImageDeprecation",
	"CreateKeyPair", "DescribeKeyPairs", "DeleteKeyPair", "DeregisterImage", "DeleteSnapshot",
}

// threeRegions makes requestTemplate leave an image in three regions.
var threeRegions = []string{"-var", `ami_regions=["eu-west-1","eu-central-1"]`}

// TestEBSFaultMatrix runs the builder through the AWS faults it must
// survive. Each row ends with no key-tagged image in a state other than
// available and nothing leaked: instances, key pairs, security groups,
// snapshots.
func TestEBSFaultMatrix(t *testing.T) {
	e := newEBSEnv(t)
	var key string
	share := []string{"-var", `ami_users=["210987654321"]`}

	t.Run("first bake", func(t *testing.T) {
		out, err := e.requestBuild(t, append(threeRegions, share...)...)
		mustSucceed(t, out, err)
		key = bakeKeyOf(t, out)
		imgs := e.keyImages(key)
		for _, r := range []string{buildRegion, copyRegion, thirdRegion} {
			if len(imgs[r]) != 1 {
				t.Fatalf("%s images with the key: %+v", r, imgs[r])
			}
		}
	})
	if key == "" {
		t.FailNow()
	}

	// Every call the wrapper makes fails twice with RequestLimitExceeded and
	// succeeds on its third attempt (amazon-ebs's max_retries, default 10),
	// each call on its own however many run at once; the rows check it call
	// by call in the fake's log.
	// amazon-ebs's own calls are not throttled: its many waiter calls would
	// drain the SDK's retry quota, which is amazon-ebs's matter.
	throttle := func(actions ...string) func() {
		for _, a := range actions {
			e.fake.InjectFault(ec2fake.Fault{Action: a, Code: "RequestLimitExceeded", Cycle: 3})
		}
		return e.fake.ClearFaults
	}
	t.Run("RequestLimitExceeded twice on every call of a hit", func(t *testing.T) {
		defer throttle(wrapperActions...)()
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, append(threeRegions, append(share, "-var", `extra_tags={"team":"payments"}`)...)...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) || e.calls()["CreateTags"] == 0 {
			t.Errorf("not a hit that added a tag (calls %v):\n%s", e.calls(), out)
		}
		if other := e.wantEveryCallThrottledTwice(t, wrapperActions, "DescribeImages", "CreateTags", "DescribeImageAttribute"); len(other) > 0 {
			t.Errorf("the hit made calls the row does not throttle (add them to wrapperActions): %v", other)
		}
		e.wantNoLeaks(t)
	})
	t.Run("RequestLimitExceeded twice on every call of a copy", func(t *testing.T) {
		e.compute.DeleteImage(thirdRegion, e.keyImages(key)[thirdRegion][0].ID)
		defer throttle(wrapperActions...)()
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, append(threeRegions, share...)...)
		mustSucceed(t, out, err)
		if e.calls()["CopyImage"] < 1 || e.calls()["RunInstances"] != 0 {
			t.Errorf("calls %v, want a copy and no bake", e.calls())
		}
		if other := e.wantEveryCallThrottledTwice(t, wrapperActions, "DescribeImages", "CopyImage", "CreateTags", "ModifyImageAttribute"); len(other) > 0 {
			t.Errorf("the copy made calls the row does not throttle (add them to wrapperActions): %v", other)
		}
		for _, img := range e.keyImages(key)[thirdRegion] {
			if !slices.Contains(img.LaunchPermissions, ec2fake.LaunchPermission{UserID: "210987654321"}) {
				t.Errorf("copy %s not shared: %+v", img.ID, img.LaunchPermissions)
			}
		}
		e.wantNoLeaks(t)
	})
	t.Run("RequestLimitExceeded twice on every call of the claim", func(t *testing.T) {
		for region, imgs := range e.keyImages(key) {
			for _, img := range imgs {
				e.compute.DeleteImage(region, img.ID)
			}
		}
		defer throttle("CreateKeyPair", "DescribeKeyPairs", "DeleteKeyPair")()
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, append(threeRegions, share...)...)
		mustSucceed(t, out, err)
		if e.calls()["CreateKeyPair"] != 3 || e.calls()["DeleteKeyPair"] != 3 || e.calls()["RunInstances"] != 1 {
			t.Errorf("calls %v, want the claim created and released after two throttles each, and one bake", e.calls())
		}
		e.wantEveryCallThrottledTwice(t, []string{"CreateKeyPair", "DescribeKeyPairs", "DeleteKeyPair"}, "CreateKeyPair", "DeleteKeyPair")
		e.wantNoLeaks(t)
	})

	t.Run("CopyImage fails in one of three regions", func(t *testing.T) {
		imgs := e.keyImages(key)
		e.compute.DeleteImage(copyRegion, imgs[copyRegion][0].ID)
		e.compute.DeleteImage(thirdRegion, imgs[thirdRegion][0].ID)
		e.fake.InjectFault(ec2fake.Fault{Action: "CopyImage", Region: thirdRegion, Code: "UnauthorizedOperation"})
		out, err := e.requestBuild(t, threeRegions...)
		e.fake.ClearFaults()
		mustFail(t, out, err, "UnauthorizedOperation")
		kept := e.keyImages(key)
		if len(kept[copyRegion]) != 1 || kept[copyRegion][0].State != "available" || len(kept[thirdRegion]) != 0 {
			t.Fatalf("after the failed copy: %s %+v, %s %+v; want the %s copy kept, nothing in %s", copyRegion, kept[copyRegion], thirdRegion, kept[thirdRegion], copyRegion, thirdRegion)
		}
		e.fake.ResetCalls()
		out, err = e.requestBuild(t, threeRegions...)
		mustSucceed(t, out, err)
		if calls := e.calls(); calls["CopyImage"] != 1 || calls["RunInstances"] != 0 {
			t.Errorf("rerun calls %v, want exactly one CopyImage (to %s)", calls, thirdRegion)
		}
		e.wantNoLeaks(t)
	})

	t.Run("Ctrl-C during a copy wait deregisters the partial copy", func(t *testing.T) {
		e.compute.DeleteImage(thirdRegion, e.keyImages(key)[thirdRegion][0].ID)
		e.compute.SetImagePendingFor(10 * time.Minute)
		defer e.compute.SetImagePendingFor(time.Second)
		const label = "run_label=interrupted-copy"
		copied := make(chan struct{})
		var once sync.Once
		e.fake.AfterCall(func(r *ec2fake.Request) {
			if r.Action == "CopyImage" {
				once.Do(func() { close(copied) })
			}
		})
		defer e.fake.AfterCall(nil)
		done := make(chan string, 1)
		go func() {
			out, _ := e.requestBuild(t, append(threeRegions, "-var", label)...)
			done <- out
		}()
		select {
		case <-copied:
		case <-time.After(3 * time.Minute):
			t.Fatal("no CopyImage within 3 minutes")
		}
		time.Sleep(2 * time.Second) // into the wait
		// Ctrl-C in a terminal signals the whole foreground process group.
		if err := syscall.Kill(-packerProcessGroup(t, label), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		out := <-done
		if strings.Contains(out, "Copied without baking") {
			t.Fatalf("the interrupted build finished its copy:\n%s", out)
		}
		for _, img := range e.fake.Images(thirdRegion) {
			t.Errorf("image left in %s after Ctrl-C: %s %s %v", thirdRegion, img.ID, img.State, img.Tags)
		}
		e.wantNoLeaks(t)
	})

	t.Run("CreateImage fails", func(t *testing.T) {
		e.fake.InjectFault(ec2fake.Fault{Action: "CreateImage", Code: "UnauthorizedOperation", Times: 1})
		defer e.fake.ClearFaults()
		before := len(e.compute.Instances())
		out, err := e.requestBuild(t, append(threeRegions, "-force")...)
		mustFail(t, out, err, "UnauthorizedOperation")
		if len(e.compute.Instances()) != before+1 {
			t.Errorf("the bake launched %d instances, want 1", len(e.compute.Instances())-before)
		}
		e.wantNoLeaks(t)
	})

	t.Run("the found image is deregistered between the lookup and the return", func(t *testing.T) {
		// Every region has the image again (the Ctrl-C row left one without).
		out, err := e.requestBuild(t, threeRegions...)
		mustSucceed(t, out, err)
		us := e.keyImages(key)[buildRegion][0].ID
		var once sync.Once
		e.fake.AfterCall(func(r *ec2fake.Request) {
			if r.Action == "DescribeImages" && r.Region == buildRegion && strings.HasPrefix(r.Form.Get("Filter.1.Name"), "tag:") {
				once.Do(func() { e.compute.DeleteImage(buildRegion, us) })
			}
		})
		defer e.fake.AfterCall(nil)
		out, err = e.requestBuild(t, threeRegions...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, "is no longer available; looking up again") {
			t.Errorf("the build did not notice:\n%s", out)
		}
		got := e.keyImages(key)[buildRegion]
		if len(got) != 1 || got[0].ID == us {
			t.Errorf("%s images with the key: %+v, want a new one", buildRegion, got)
		}
		if strings.Contains(out, us) && strings.Contains(out, ebs.ReusedMessage) {
			t.Errorf("the deregistered image was returned:\n%s", out)
		}
		e.wantNoLeaks(t)
	})
}

// wantEveryCallThrottledTwice reads the fake's call log: every call of the
// throttled actions, with its retries, saw exactly two RequestLimitExceeded
// and then got through, and the row made at least one call of each action in
// want, so the row shows what it names. It returns the number of calls of
// each action that was not throttled.
func (e *ebsEnv) wantEveryCallThrottledTwice(t *testing.T, throttled []string, want ...string) (other map[string]int) {
	t.Helper()
	seen := map[string]int{}
	other = map[string]int{}
	for _, lc := range ec2fake.LogicalCalls(e.fake.Calls()) {
		if !slices.Contains(throttled, lc.Action) {
			other[lc.Action]++
			continue
		}
		seen[lc.Action]++
		if lc.Faults() != 2 || !lc.GotThrough() {
			t.Errorf("%s %s: %d attempts, %d answered RequestLimitExceeded, got through %v; want 2 faults, then through",
				lc.Region, lc.Action, len(lc.Attempts), lc.Faults(), lc.GotThrough())
		}
	}
	for _, a := range want {
		if seen[a] == 0 {
			t.Errorf("no %s call in the row (throttled calls %v)", a, seen)
		}
	}
	t.Logf("calls throttled twice each: %v; calls of actions not throttled: %v", seen, other)
	return other
}

// wantNoLeaks checks the end state every fault row must leave: images with
// the key tag only in state available, every instance terminated, no key
// pair but the harness's, no security group, no snapshot without an image.
func (e *ebsEnv) wantNoLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // instances take a moment to terminate
	for {
		var problems []string
		for _, region := range []string{buildRegion, copyRegion, thirdRegion} {
			used := map[string]bool{}
			for _, img := range e.fake.Images(region) {
				if img.Tags[keyTag] != "" && img.State != "available" {
					problems = append(problems, "key-tagged image "+img.ID+" is "+img.State+" in "+region)
				}
				for _, d := range img.BlockDevices {
					used[d.SnapshotID] = true
				}
			}
			for _, snap := range e.compute.Snapshots(region) {
				if !used[snap] {
					problems = append(problems, "snapshot "+snap+" without an image in "+region)
				}
			}
		}
		for _, in := range e.compute.Instances() {
			if in.State != "terminated" {
				problems = append(problems, "instance "+in.ID+" is "+in.State)
			}
		}
		if kps := e.compute.KeyPairs(); len(kps) != 1 || kps[0] != buildRegion+"/harness" {
			problems = append(problems, "key pairs: "+strings.Join(kps, ", "))
		}
		if sgs := e.compute.SecurityGroups(); len(sgs) != 0 {
			problems = append(problems, "security groups: "+strings.Join(sgs, ", "))
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("leaks: %s", strings.Join(problems, "; "))
			return
		}
		time.Sleep(time.Second)
	}
}
