package bake

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// A lookup "key" miss in a region where images carry the key without this spec warns, naming the
// region, the images and their specs; a region that hits makes no extra call.
func TestLookupKeyMissWarnsOfImagesWithTheKeyAlone(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"regions": []interface{}{"us-west-2"}, "owners": []interface{}{"self", "111122223333"}})
	computed := execute(t, withLookup(raw, "none"))
	key, spec := computed["key"].AsString(), computed["image_spec_digest"].AsString()
	fake.AddImage("us-east-1", ec2fake.Image{Name: "hit", Tags: map[string]string{awslookup.DefaultKeyTag: key, imagespec.Tag: spec}})
	plain := fake.AddImage("us-west-2", ec2fake.Image{Name: "plain", CreationDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Tags: map[string]string{awslookup.DefaultKeyTag: key}})
	other := fake.AddImage("us-west-2", ec2fake.Image{Name: "encrypted", CreationDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Tags: map[string]string{awslookup.DefaultKeyTag: key, imagespec.Tag: "sha256:other"}})
	fake.AddImage("us-west-2", ec2fake.Image{Name: "unrelated", Tags: map[string]string{awslookup.DefaultKeyTag: "sha256:unrelated"}})
	fake.ResetCalls()

	out := execute(t, raw)
	if out["found"].True() || strList(out["missing_regions"])[0] != "us-west-2" {
		t.Fatalf("found = %v missing_regions = %v, want us-west-2 missing", out["found"], out["missing_regions"])
	}
	warnings := strList(out["lookup_warnings"])
	if len(warnings) != 1 {
		t.Fatalf("lookup_warnings = %q, want one", warnings)
	}
	for _, want := range []string{"us-west-2: 2 image(s)", other.ID + ", " + plain.ID, "sha256:other, none", `lookup = "key_only"`, "image_spec"} {
		if !strings.Contains(warnings[0], want) {
			t.Errorf("warning %q does not contain %q", warnings[0], want)
		}
	}

	calls := fake.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3 (the lookup in both regions, the key-only check in us-west-2): %+v", len(calls), calls)
	}
	var checks []ec2fake.Call
	for _, c := range calls {
		if c.Form.Get("Filter.3.Name") == "" {
			checks = append(checks, c)
		}
	}
	if len(checks) != 1 {
		t.Fatalf("key-only checks = %+v, want one", checks)
	}
	c := checks[0]
	if c.Region != "us-west-2" || c.Form.Get("Filter.1.Name") != "tag:"+awslookup.DefaultKeyTag || c.Form.Get("Filter.1.Value.1") != key ||
		c.Form.Get("Filter.2.Name") != "state" || c.Form.Get("Owner.1") != "self" || c.Form.Get("Owner.2") != "111122223333" {
		t.Errorf("key-only check = %+v, want the key filter alone, in us-west-2, with the lookup's owners", c)
	}
}

// key_only and the other modes never make the check: they do not match the spec.
func TestLookupKeyOnlyMakesNoCheck(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"lookup": "key_only"})
	out := execute(t, raw)
	if n := fake.CallCount("DescribeImages"); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	if got := strList(out["lookup_warnings"]); len(got) != 0 {
		t.Errorf("lookup_warnings = %q, want none", got)
	}
}

func TestKeyOnlyWarningWording(t *testing.T) {
	images := func(specs ...string) []awslookup.Image {
		var out []awslookup.Image
		for i, s := range specs {
			img := awslookup.Image{ID: "ami-" + string(rune('a'+i)), Tags: map[string]string{}}
			if s != "" {
				img.Tags[imagespec.Tag] = s
			}
			out = append(out, img)
		}
		return out
	}
	tests := []struct {
		name   string
		images []awslookup.Image
		err    error
		want   []string // substrings; none means no warning
	}{
		{name: "nothing carries the key"},
		{name: "one image without a spec", images: images(""),
			want: []string{"lookup key: eu-west-1: 1 image(s) carry the key in bake but not this image spec (spinnaker:image-spec)", ": ami-a; the spec they carry: none."}},
		{name: "a few named, the rest counted", images: images("sha256:1", "sha256:2", "", "sha256:1", "sha256:3"),
			want: []string{"5 image(s)", "ami-a, ami-b, ami-c and 2 more;", "the spec they carry: sha256:1, sha256:2, none and 1 more."}},
		{name: "a failed check", err: errors.New("eu-west-1: DescribeImages: RequestLimitExceeded: Request limit exceeded."),
			want: []string{"lookup key: eu-west-1: could not check for images that carry the key without this image spec: eu-west-1: DescribeImages: RequestLimitExceeded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keyOnlyWarning("eu-west-1", "bake", tt.images, tt.err)
			if len(tt.want) == 0 && got != "" {
				t.Errorf("warning %q, want none", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("warning %q does not contain %q", got, w)
				}
			}
		})
	}
}
