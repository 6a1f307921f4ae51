package ebs

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A build that must copy waits while another build holds the claim (it may
// be copying to the same region) and then uses that build's copy.
func TestCopyWaitsForTheClaimHolderAndUsesItsCopy(t *testing.T) {
	f := newCacheFixture(t, nil)
	us := f.addKeyImage("us-east-1", "app-1")
	held, _, err := tryClaim(context.Background(), f.cloud(t), f.identity(), "copyingbuild", time.Minute, time.Now())
	if err != nil || held == nil {
		t.Fatalf("claim: %v, %v", held, err)
	}
	copied := make(chan string, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		eu := f.addKeyImage("eu-west-1", "app-1")
		if err := held.release(); err != nil {
			t.Error(err)
		}
		copied <- eu
	}()
	art, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	eu := <-copied
	if want := "eu-west-1:" + eu + ",us-east-1:" + us; art.Id() != want {
		t.Errorf("artifact %s, want %s", art.Id(), want)
	}
	if n := f.fake.CallCount("CopyImage"); n != 0 {
		t.Errorf("CopyImage calls = %d, want 0: the claim holder copied", n)
	}
	if !strings.Contains(f.out.String(), "Another build is baking or copying the same key") {
		t.Errorf("the build did not wait for the claim:\n%s", f.out.String())
	}
}

// A build that copies holds the claim while it copies and releases it.
func TestCopyHoldsTheClaim(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.addKeyImage("us-east-1", "app-1")
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range f.fake.Calls() {
		switch {
		case c.Action == "CreateKeyPair" && strings.HasPrefix(c.Form.Get("KeyName"), claimPrefix):
			order = append(order, "claim")
		case c.Action == "CopyImage":
			order = append(order, "copy")
		case c.Action == "DeleteKeyPair":
			order = append(order, "release")
		}
	}
	if strings.Join(order, " ") != "claim copy release" {
		t.Errorf("calls in order: %v, want the copy under the claim", order)
	}
}
