//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// TestLookupExample runs a real `packer build` of example/lookup with the
// plugin installed, its datasource talking to the EC2 fake on loopback
// through custom_endpoint_ec2 and credentials from the environment: first a
// miss in both regions, then a miss against images of the key with another
// image spec (or none), which the build prints warnings about, then, with images tagged with the
// printed key and spec, a hit.
func TestLookupExample(t *testing.T) {
	p := harness.NewPacker(t)
	fake := ec2fake.New(ec2fake.Options{})
	endpoint := serveFakeEC2(t, fake)
	example := filepath.Join(repoDir(t), "example", "lookup")

	// build returns what the build printed, and the warnings.
	build := func(t *testing.T) (map[string]string, []string) {
		t.Helper()
		fake.ResetCalls()
		out, err := p.Build(t, example, "-var", "ec2_endpoint="+endpoint)
		if err != nil {
			t.Fatalf("packer build example/lookup: %v", err)
		}
		printed := map[string]string{}
		var warnings []string
		for _, m := range regexp.MustCompile(`(?m)null\.print: (\w+)=(.*)$`).FindAllStringSubmatch(out, -1) {
			if m[1] == "warning" {
				warnings = append(warnings, m[2])
			}
			printed[m[1]] = m[2]
		}
		for _, name := range []string{"key", "image_spec_digest"} {
			if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(printed[name]) {
				t.Fatalf("%s = %q\noutput:\n%s", name, printed[name], out)
			}
		}
		// One lookup per region; a region that misses gets one more call, for the key alone.
		lookups, checks := map[string]int{}, map[string]int{}
		for _, c := range fake.Calls() {
			if c.Action != "DescribeImages" || c.AccessKeyID != "AKIDFAKEFORE2ETESTS1" ||
				c.Form.Get("Filter.1.Name") != "tag:spinnaker:bake-key" || c.Form.Get("Filter.1.Value.1") != printed["key"] {
				t.Errorf("unexpected call %+v", c)
			}
			switch c.Form.Get("Filter.3.Name") {
			case "tag:spinnaker:image-spec":
				if c.Form.Get("Filter.3.Value.1") != printed["image_spec_digest"] {
					t.Errorf("unexpected spec in call %+v", c)
				}
				lookups[c.Region]++
			case "":
				checks[c.Region]++
			default:
				t.Errorf("unexpected filter in call %+v", c)
			}
		}
		if want := map[string]int{"us-east-1": 1, "us-west-2": 1}; !reflect.DeepEqual(lookups, want) {
			t.Errorf("lookups per region = %v, want %v", lookups, want)
		}
		wantChecks := map[string]int{}
		for _, region := range strings.Split(printed["missing_regions"], ",") {
			if region != "" {
				wantChecks[region] = 1
			}
		}
		if !reflect.DeepEqual(checks, wantChecks) {
			t.Errorf("key-only checks per region = %v, want one per missing region %v", checks, wantChecks)
		}
		return printed, warnings
	}

	var key, spec string
	t.Run("miss", func(t *testing.T) {
		got, warnings := build(t)
		if len(warnings) != 0 {
			t.Errorf("warnings %q, want none: nothing carries the key", warnings)
		}
		key, spec = got["key"], got["image_spec_digest"]
		want := map[string]string{"found": "false", "ami_id": "", "ami_ids": "{}", "missing_regions": "us-east-1,us-west-2",
			"image_name": "", "source_ami": `{"us-east-1":"ami-0a1b2c3d4e5f60718","us-west-2":"ami-0a1b2c3d4e5f60718"}`}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
	})
	if key == "" {
		t.Fatal("the miss build printed no key")
	}

	// The example's header promises a hit against the fake seeded with images.json.
	t.Run("images.json", func(t *testing.T) {
		seed, err := ec2fake.LoadSeedFile(filepath.Join(example, "images.json"))
		if err != nil {
			t.Fatal(err)
		}
		fake.Load(seed)
		defer func() {
			for _, region := range []string{"us-east-1", "us-west-2"} {
				for _, img := range fake.Images(region) {
					fake.RemoveImage(region, img.ID)
				}
			}
		}()
		got, _ := build(t)
		if got["found"] != "true" || got["missing_regions"] != "" || got["image_name"] != "hello-svc-all-20261120090000-noble" {
			t.Errorf("example/lookup against images.json: found=%q missing_regions=%q image_name=%q, want a hit in both regions",
				got["found"], got["missing_regions"], got["image_name"])
		}
	})

	t.Run("the key with another image spec, or none, is a miss with a warning", func(t *testing.T) {
		other := "sha256:" + strings.Repeat("e", 64)
		east := fake.AddImage("us-east-1", ec2fake.Image{Name: "hello-svc-encrypted", Tags: map[string]string{"spinnaker:bake-key": key, "spinnaker:image-spec": other}})
		west := fake.AddImage("us-west-2", ec2fake.Image{Name: "hello-svc-plain-ebs", Tags: map[string]string{"spinnaker:bake-key": key}})
		defer fake.RemoveImage("us-east-1", east.ID)
		defer fake.RemoveImage("us-west-2", west.ID)
		got, warnings := build(t)
		if got["found"] != "false" || got["missing_regions"] != "us-east-1,us-west-2" {
			t.Errorf("images of the key with another spec: found=%q missing_regions=%q, want a miss", got["found"], got["missing_regions"])
		}
		want := map[string]string{"us-east-1": east.ID + "; the spec they carry: " + other + ".", "us-west-2": west.ID + "; the spec they carry: none."}
		if len(warnings) != len(want) {
			t.Fatalf("warnings %q, want one per region", warnings)
		}
		for _, w := range warnings {
			region := strings.SplitN(w, ": ", 3)[1] // "lookup key: <region>: …"
			if !strings.Contains(w, "1 image(s) carry the key") || !strings.Contains(w, want[region]) || !strings.Contains(w, `lookup = "key_only"`) {
				t.Errorf("warning %q, want %q and key_only for its region", w, want[region])
			}
		}
	})

	t.Run("hit", func(t *testing.T) {
		tags := map[string]string{"spinnaker:bake-key": key, "spinnaker:image-spec": spec, "appversion": "hello-svc-1.0.1-h6"}
		east := fake.AddImage("us-east-1", ec2fake.Image{Name: "hello-svc-all-20261120090000-noble", Tags: tags,
			CreationDate: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)})
		west := fake.AddImage("us-west-2", ec2fake.Image{Name: "hello-svc-all-20261120090000-noble", Tags: tags})
		got, warnings := build(t)
		wantIDs, _ := json.Marshal(map[string]string{"us-east-1": east.ID, "us-west-2": west.ID})
		want := map[string]string{"found": "true", "ami_id": east.ID, "ami_ids": string(wantIDs), "missing_regions": "",
			"image_name": east.Name, "image_created": "2026-11-20T09:00:00.000Z", "key": key}
		if len(warnings) != 0 {
			t.Errorf("warnings %q on a hit", warnings)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		var gotTags map[string]string
		if err := json.Unmarshal([]byte(got["image_tags"]), &gotTags); err != nil || !reflect.DeepEqual(gotTags, tags) {
			t.Errorf("image_tags = %q, want %v", got["image_tags"], tags)
		}
	})
}
