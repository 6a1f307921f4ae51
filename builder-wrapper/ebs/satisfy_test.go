package ebs

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// writeActions are the EC2 calls that change something.
var writeActions = []string{"CreateTags", "ModifyImageAttribute", "ModifySnapshotAttribute", "EnableImageDeprecation", "DisableImageDeprecation",
	"CopyImage", "RunInstances", "CreateImage", "DeregisterImage", "CreateKeyPair", "DeleteKeyPair",
	"EnableImageDeregistrationProtection", "DisableImageDeregistrationProtection"}

func TestHitAppliesTheRequestOnceAndKeepsTheImagesTags(t *testing.T) {
	deprecate := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute).Add(40 * time.Second)
	f := newCacheFixture(t, map[string]interface{}{
		"ami_users":       []interface{}{"210987654321"},
		"ami_groups":      []interface{}{"all"},
		"ami_org_arns":    []interface{}{"arn:aws:organizations::123456789012:organization/o-abc"},
		"ami_ou_arns":     []interface{}{"arn:aws:organizations::123456789012:ou/o-abc/ou-1"},
		"snapshot_users":  []interface{}{"210987654321"},
		"snapshot_groups": []interface{}{"all"},
		"deprecate_at":    deprecate.Format(time.RFC3339),
		"tags":            map[string]interface{}{"team": "payments", "appversion": "app-2.0-h9", "region_of": "{{ .BuildRegion }}"},
	})
	us := f.addKeyImage("us-east-1", "app-1")
	eu := f.addKeyImage("eu-west-1", "app-1")
	f.fake.ResetCalls()
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	for region, id := range map[string]string{"us-east-1": us, "eu-west-1": eu} {
		var img ec2fake.Image
		for _, i := range f.fake.Images(region) {
			if i.ID == id {
				img = i
			}
		}
		wantPerms := []ec2fake.LaunchPermission{
			{UserID: "210987654321"}, {Group: "all"},
			{OrganizationARN: "arn:aws:organizations::123456789012:organization/o-abc"},
			{OrganizationalUnitARN: "arn:aws:organizations::123456789012:ou/o-abc/ou-1"},
		}
		if !slices.Equal(img.LaunchPermissions, wantPerms) {
			t.Errorf("%s launch permissions %+v, want %+v", region, img.LaunchPermissions, wantPerms)
		}
		users, groups := f.compute.SnapshotPermissions(img.BlockDevices[0].SnapshotID)
		if !slices.Equal(users, []string{"210987654321"}) || !slices.Equal(groups, []string{"all"}) {
			t.Errorf("%s snapshot permissions: users %v, groups %v", region, users, groups)
		}
		// EC2 rounds to the nearest minute.
		if want := deprecate.Round(time.Minute); !img.DeprecationTime.Equal(want) {
			t.Errorf("%s deprecation %s, want %s", region, img.DeprecationTime, want)
		}
		if img.Tags["team"] != "payments" || img.Tags["region_of"] != region {
			t.Errorf("%s lacks the request's new tags: %v", region, img.Tags)
		}
		if img.Tags["appversion"] != "app-1.0-h1" {
			t.Errorf("%s appversion = %q, want the bake's own app-1.0-h1", region, img.Tags["appversion"])
		}
	}
	if !strings.Contains(f.out.String(), `keeps tag appversion = "app-1.0-h1" from the bake that made it (this request: "app-2.0-h9")`) {
		t.Errorf("the differing appversion is not reported:\n%s", f.out.String())
	}

	// The same hit again writes nothing.
	f.fake.ResetCalls()
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	f.noWrites(t)
	if calls := f.callCounts(); calls["DescribeImages"] != 4 || calls["DescribeImageAttribute"] != 2 || calls["DescribeSnapshotAttribute"] != 2 {
		t.Errorf("second hit's reads = %v, want per region: 2 DescribeImages, 1 DescribeImageAttribute, 1 DescribeSnapshotAttribute", calls)
	}
}

func TestHitOnAnImageDeregisteredAfterTheLookupLooksUpAgain(t *testing.T) {
	f := newCacheFixture(t, nil)
	us := f.addKeyImage("us-east-1", "app-1")
	eu := f.addKeyImage("eu-west-1", "app-1")
	var once sync.Once
	f.fake.AfterCall(func(r *ec2fake.Request) {
		// Right after the lookup found it, the build region's image goes.
		if r.Action == "DescribeImages" && r.Region == "us-east-1" && r.Form.Get("Filter.1.Name") != "" {
			once.Do(func() { f.fake.RemoveImage("us-east-1", us) })
		}
	})
	art, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(art.Id(), us) {
		t.Errorf("the deregistered image %s was returned: %s", us, art.Id())
	}
	if !strings.Contains(f.out.String(), "is no longer available; looking up again") || f.fake.CallCount("CopyImage") != 1 {
		t.Errorf("the build did not notice and copy %s again:\n%s", eu, f.out.String())
	}
}

func TestCopyResumesAPendingCopyAnEarlierRunLeft(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.addKeyImage("us-east-1", "app-1")
	// An earlier run was killed while its copy to eu-west-1 was pending:
	// the name is taken there by a pending image with the key and spec.
	left := f.compute.AddImage("eu-west-1", ec2fake.Image{Name: "app-1", State: "pending", Tags: map[string]string{
		DefaultKeyTag: testKey, DefaultSpecTag: f.builder.config.specDigest,
	}})
	go func() {
		time.Sleep(300 * time.Millisecond)
		f.fake.UpdateImage("eu-west-1", left.ID, func(i *ec2fake.Image) { i.State = "available" })
	}()
	art, err := f.run(t)
	if err != nil {
		t.Fatalf("a pending copy left by an earlier run failed the build: %v\n%s", err, f.out.String())
	}
	if !strings.Contains(art.Id(), "eu-west-1:"+left.ID) {
		t.Errorf("artifact %s does not use the earlier copy %s", art.Id(), left.ID)
	}
	if n := len(f.fake.Images("eu-west-1")); n != 1 {
		t.Errorf("eu-west-1 has %d images, want the one earlier copy", n)
	}
}

func TestCopyWhoseSourceVanishedLooksUpAgain(t *testing.T) {
	f := newCacheFixture(t, nil)
	us := f.addKeyImage("us-east-1", "app-1")
	var lookups atomic.Int32
	f.fake.AfterCall(func(r *ec2fake.Request) {
		// The second lookup is the one under the claim, right before the copy.
		if r.Action == "DescribeImages" && r.Region == "us-east-1" && strings.HasPrefix(r.Form.Get("Filter.1.Name"), "tag:") && lookups.Add(1) == 2 {
			f.compute.DeleteImage("us-east-1", us)
		}
	})
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	if !strings.Contains(f.out.String(), "us-east-1 is no longer available; looking up again") {
		t.Errorf("the build did not notice the copy source went away:\n%s", f.out.String())
	}
}

// Legacy JSON templates hand `tags` over with user variables unrendered;
// a hit renders them as amazon-ebs does.
func TestHitRendersTheRequestsTagsWithUserVariables(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{
		"packer_user_variables": map[string]interface{}{"team": "payments"},
		"tags":                  map[string]interface{}{"team": "{{user `team`}}", "where": "{{ .BuildRegion }}"},
	})
	us := f.addKeyImage("us-east-1", "app-1")
	f.addKeyImage("eu-west-1", "app-1")
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	for _, img := range f.fake.Images("us-east-1") {
		if img.ID == us && (img.Tags["team"] != "payments" || img.Tags["where"] != "us-east-1") {
			t.Errorf("tags %v, want team=payments where=us-east-1", img.Tags)
		}
	}
}

// TestHitGivesADeprecatedImageTheRequestsDeprecation: a hit on an image deprecate_superseded
// retired (a rollback to an older key) cancels the deprecation when the request has no
// deprecate_at, and moves it to the request's when it has one; the same hit again writes nothing.
func TestHitGivesADeprecatedImageTheRequestsDeprecation(t *testing.T) {
	retired := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	asked := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	cases := []struct {
		name   string
		set    map[string]interface{}
		want   time.Time
		call   string
		logged string
	}{
		{"no deprecate_at", nil, time.Time{}, "DisableImageDeprecation", "deprecation cancelled, this request has no deprecate_at"},
		{"deprecate_at", map[string]interface{}{"deprecate_at": asked.Format(time.RFC3339)}, asked, "EnableImageDeprecation", "set to this request's deprecate_at " + asked.Format(time.RFC3339)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newCacheFixture(t, tc.set)
			ids := map[string]string{}
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				ids[region] = f.addKeyImage(region, "app-1")
				f.fake.UpdateImage(region, ids[region], func(img *ec2fake.Image) { img.DeprecationTime = retired })
			}
			f.fake.ResetCalls()
			if _, err := f.run(t); err != nil {
				t.Fatal(err)
			}
			if n := f.callCounts()[tc.call]; n != 2 {
				t.Errorf("%d %s calls, want 2 (one per region)", n, tc.call)
			}
			for region, id := range ids {
				for _, img := range f.fake.Images(region) {
					if img.ID == id && !img.DeprecationTime.Equal(tc.want) {
						t.Errorf("%s %s deprecation %s, want %s", region, id, img.DeprecationTime, tc.want)
					}
				}
			}
			if n := strings.Count(f.out.String(), tc.logged); n != 2 {
				t.Errorf("logged %q %d times, want 2:\n%s", tc.logged, n, f.out)
			}
			f.fake.ResetCalls()
			if _, err := f.run(t); err != nil {
				t.Fatal(err)
			}
			f.noWrites(t)
		})
	}
}
