package ebs

import (
	"strings"
	"testing"
)

// A copy does not carry Windows fast launch: a hit that would copy to a region where the
// request asks for it copies nothing and says so, before it claims anything; a region where
// region_launch_templates turns it off is copied to as usual.
func TestHitDoesNotCopyWhereFastLaunchIsAsked(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"fast_launch": map[string]interface{}{"enable_fast_launch": true}})
	f.addKeyImage("us-east-1", "app-1")
	f.fake.ResetCalls()
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), "fast_launch: the image with") || !strings.Contains(err.Error(), "exists in us-east-1 but not in eu-west-1, where fast launch is asked for") {
		t.Fatalf("run: %v, want the copy refused for fast launch", err)
	}
	f.noWrites(t) // no copy, no claim (CreateKeyPair), nothing else

	off := newCacheFixture(t, map[string]interface{}{"fast_launch": map[string]interface{}{
		"enable_fast_launch": true, "region_launch_templates": []interface{}{map[string]interface{}{"region": "eu-west-1", "enable_fast_launch": false}},
	}})
	off.addKeyImage("us-east-1", "app-1")
	off.fake.ResetCalls()
	if _, err := off.run(t); err != nil {
		t.Fatalf("run with fast launch off in eu-west-1: %v", err)
	}
	if calls := off.callCounts(); calls["CopyImage"] != 1 {
		t.Errorf("calls %v: want eu-west-1 copied", calls)
	}
}
