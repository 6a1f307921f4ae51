package ebs

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/lineage"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func TestPrepareLifecycleErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]interface{}
		want string
	}{
		{"not a duration", map[string]interface{}{"deprecate_superseded": "soon", "bake_key": nil, "bake": bakeInputs()}, `deprecate_superseded "soon" is not a duration`},
		{"under a minute", map[string]interface{}{"deprecate_superseded": "30s", "bake_key": nil, "bake": bakeInputs()}, "deprecate_superseded 30s: want at least 1m"},
		{"beyond 10 years", map[string]interface{}{"deprecate_superseded": "90000h", "bake_key": nil, "bake": bakeInputs()}, "at most 10 years"},
		{"negative", map[string]interface{}{"deprecate_superseded": "-1h", "bake_key": nil, "bake": bakeInputs()}, "want a positive duration"},
		{"no bake block", map[string]interface{}{"deprecate_superseded": "24h"}, "deprecate_superseded needs the bake block"},
		{"bake block without base_os", map[string]interface{}{"deprecate_superseded": "24h", "bake_key": nil, "bake": withoutBaseOS()}, "deprecate_superseded needs the bake block's whole lineage: lineage: base_os is empty"},
		{"negative keep_latest", map[string]interface{}{"keep_latest": -1}, "keep_latest -1: want at least 1"},
		{"dry run alone", map[string]interface{}{"deprecate_superseded_dry_run": true}, "deprecate_superseded_dry_run needs deprecate_superseded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := minimal()
			for k, v := range tc.set {
				if v == nil {
					delete(m, k)
					continue
				}
				m[k] = v
			}
			_, _, err := new(Builder).Prepare(m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Prepare error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestPrepareLifecycleTakesTheLineageFromTheBakeBlock(t *testing.T) {
	m := minimal()
	delete(m, "bake_key")
	m["bake"] = bakeInputs()
	m["deprecate_superseded"] = "720h"
	b := new(Builder)
	if _, _, err := b.Prepare(m); err != nil {
		t.Fatal(err)
	}
	c := b.config
	want := &lineageParts{BaseOS: "debian", AMIName: "hello", Packages: []string{"hello-svc", "hello-lib", "hello-svc"}}
	if !reflect.DeepEqual(c.lineageParts, want) || c.deprecateAfter != 720*time.Hour || c.KeepLatest != 1 {
		t.Errorf("lineage %+v, after %s, keep %d", c.lineageParts, c.deprecateAfter, c.KeepLatest)
	}
}

func TestSBOMDigestRefusesAnotherBuildsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sbom.json")
	c := &Config{SBOMFile: path}
	if _, err := c.sbomDigest(time.Now()); err == nil || !strings.Contains(err.Error(), "is the spinnaker-packages provisioner's sbom_file the same path?") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := c.sbomDigest(time.Now()); err == nil || !strings.Contains(err.Error(), "was not written by this build") {
		t.Errorf("stale file: %v", err)
	}
	d, err := c.sbomDigest(old.Add(-time.Minute))
	if err != nil || d != "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356" {
		t.Errorf("digest %q, %v", d, err)
	}
}

// TestLineageImagesMarksCurrentHitsOfOtherKeys: the newest available image of each other key
// (and spec) is its current hit, the build's key with another spec included; an older duplicate
// of a key, a pending image and the build's own (key, spec) are not.
func TestLineageImagesMarksCurrentHitsOfOtherKeys(t *testing.T) {
	f := newCacheFixture(t, nil)
	cl := f.cloud(t)
	const lin = "v1-test"
	day := func(n int) time.Time { return time.Date(2026, 12, n, 0, 0, 0, 0, time.UTC) }
	add := func(name, key string, created time.Time, extra ...func(*ec2fake.Image)) string {
		img := ec2fake.Image{Name: name, CreationDate: created, Tags: map[string]string{lineage.TagKey: lin, DefaultKeyTag: key, DefaultSpecTag: "s"}}
		for _, e := range extra {
			e(&img)
		}
		return f.fake.AddImage("us-east-1", img).ID
	}
	oldDup := add("app-1a", "k1", day(1))
	hit1 := add("app-1b", "k1", day(2))
	hit2 := add("app-2", "k2", day(3))
	pending := add("app-3", "k3", day(4), func(i *ec2fake.Image) { i.State = "pending" })
	build := add("app-4", "k4", day(5))
	otherSpec := add("app-4e", "k4", day(4), func(i *ec2fake.Image) { i.Tags[DefaultSpecTag] = "encrypted" })
	f.fake.AddImage("us-east-1", ec2fake.Image{Name: "other", Tags: map[string]string{lineage.TagKey: "v1-other", DefaultKeyTag: "k9"}})

	images, b, err := lineageImages(context.Background(), cl.clients["us-east-1"], lin, build, DefaultKeyTag)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != build || b.CurrentHitOfOtherKey {
		t.Errorf("build image %+v", b)
	}
	got := map[string]bool{}
	for _, im := range images {
		got[im.ID] = im.CurrentHitOfOtherKey
	}
	want := map[string]bool{oldDup: false, hit1: true, hit2: true, pending: false, build: false, otherSpec: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("current hits %v, want %v", got, want)
	}
}

// TestRetireSupersededDryRunCallsNothing runs the whole selection against the fake: the dry run
// reads and prints, the real run deprecates, a second real run finds nothing to change.
func TestRetireSupersededDryRunCallsNothing(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"bake_key": nil, "bake": bakeInputs(), "deprecate_superseded": "24h", "deprecate_superseded_dry_run": true})
	cl := f.cloud(t)
	b := f.builder
	id, err := b.config.lineageParts.identity(ec2fake.DefaultAccountID)
	if err != nil {
		t.Fatal(err)
	}
	amis := map[string]string{}
	var older []string
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for i, name := range []string{"hello-1", "hello-2", "hello-3"} {
			img := f.fake.AddImage(region, ec2fake.Image{Name: name, CreationDate: time.Date(2026, 12, 1+i, 0, 0, 0, 0, time.UTC),
				Tags: map[string]string{lineage.TagKey: id.TagValue(), DefaultKeyTag: name}})
			if i == 2 {
				amis[region] = img.ID
			} else {
				older = append(older, region+"/"+img.ID)
			}
		}
	}
	ctx := context.Background()
	if err := b.retireSuperseded(ctx, f.ui, cl, amis); err != nil {
		t.Fatal(err)
	}
	if n := f.callCounts()["EnableImageDeprecation"]; n != 0 {
		t.Errorf("dry run: %d EnableImageDeprecation calls", n)
	}
	if n := strings.Count(f.out.String(), "would deprecate"); n != 4 {
		t.Errorf("dry run printed %d images, want 4:\n%s", n, f.out)
	}
	b.config.DeprecateSupersededDryRun = false
	if err := b.retireSuperseded(ctx, f.ui, cl, amis); err != nil {
		t.Fatal(err)
	}
	if n := f.callCounts()["EnableImageDeprecation"]; n != 4 {
		t.Errorf("%d EnableImageDeprecation calls, want 4", n)
	}
	for _, ri := range older {
		region, imgID, _ := strings.Cut(ri, "/")
		for _, img := range f.fake.Images(region) {
			if img.ID == imgID && img.DeprecationTime.IsZero() {
				t.Errorf("%s %s not deprecated", region, imgID)
			}
		}
	}
	f.fake.ResetCalls()
	if err := b.retireSuperseded(ctx, f.ui, cl, amis); err != nil {
		t.Fatal(err)
	}
	if n := f.callCounts()["EnableImageDeprecation"]; n != 0 {
		t.Errorf("again: %d EnableImageDeprecation calls, want 0", n)
	}
}

// TestRetireSupersededWithoutTheBuildRegion: with skip_save_build_region the build region keeps
// no image, so the owner is read in the first region that does.
func TestRetireSupersededWithoutTheBuildRegion(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"bake_key": nil, "bake": bakeInputs(), "deprecate_superseded": "24h", "skip_save_build_region": true})
	cl := f.cloud(t)
	b := f.builder
	id, err := b.config.lineageParts.identity(ec2fake.DefaultAccountID)
	if err != nil {
		t.Fatal(err)
	}
	older := f.fake.AddImage("eu-west-1", ec2fake.Image{Name: "hello-1", CreationDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Tags: map[string]string{lineage.TagKey: id.TagValue(), DefaultKeyTag: "k1"}})
	build := f.fake.AddImage("eu-west-1", ec2fake.Image{Name: "hello-2", CreationDate: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
		Tags: map[string]string{lineage.TagKey: id.TagValue(), DefaultKeyTag: "k2"}})
	if err := b.retireSuperseded(context.Background(), f.ui, cl, map[string]string{"eu-west-1": build.ID}); err != nil {
		t.Fatal(err)
	}
	for _, img := range f.fake.Images("eu-west-1") {
		if img.ID == older.ID && img.DeprecationTime.IsZero() {
			t.Errorf("%s not deprecated:\n%s", older.ID, f.out)
		}
	}
}

// TestRetireSupersededKeepsTheOtherSpecsNewest: an encrypt_boot bake of the same packages does
// not deprecate the unencrypted variant's newest image, only images each variant superseded.
func TestRetireSupersededKeepsTheOtherSpecsNewest(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"bake_key": nil, "bake": bakeInputs(), "deprecate_superseded": "24h", "ami_regions": nil})
	cl := f.cloud(t)
	b := f.builder
	id, err := b.config.lineageParts.identity(ec2fake.DefaultAccountID)
	if err != nil {
		t.Fatal(err)
	}
	add := func(name, key, spec string, day int) string {
		return f.fake.AddImage("us-east-1", ec2fake.Image{Name: name, CreationDate: time.Date(2026, 12, day, 0, 0, 0, 0, time.UTC),
			Tags: map[string]string{lineage.TagKey: id.TagValue(), DefaultKeyTag: key, DefaultSpecTag: spec}}).ID
	}
	plainOld := add("hello-1", "k1", "plain", 1)
	plainNew := add("hello-2", "k2", "plain", 2)
	encOld := add("hello-1-enc", "k1", "encrypted", 3)
	build := add("hello-2-enc", "k2", "encrypted", 4)
	if err := b.retireSuperseded(context.Background(), f.ui, cl, map[string]string{"us-east-1": build}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, img := range f.fake.Images("us-east-1") {
		got[img.ID] = !img.DeprecationTime.IsZero()
	}
	want := map[string]bool{plainOld: true, plainNew: false, encOld: true, build: false, "ami-0123456789abcdef0": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deprecated %v, want %v:\n%s", got, want, f.out)
	}
}

// withoutBaseOS is a bake block as Rosco's templates may send it: no base_os.
func withoutBaseOS() map[string]interface{} {
	in := bakeInputs()
	delete(in, "base_os")
	return in
}

// A bake block that does not name a whole lineage still bakes: it is only left untagged.
func TestPrepareLifecycleWithoutAWholeLineageTagsNoLineage(t *testing.T) {
	m := minimal()
	delete(m, "bake_key")
	m["bake"] = withoutBaseOS()
	b := new(Builder)
	if _, _, err := b.Prepare(m); err != nil {
		t.Fatal(err)
	}
	if b.config.lineageParts != nil {
		t.Errorf("lineage parts %+v, want none without base_os", b.config.lineageParts)
	}
}
