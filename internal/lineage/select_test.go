package lineage

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const lin = "v1-lineage"

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// img makes an available image of the lineage created day days after t0.
func img(id string, day int, opts ...func(*Image)) Image {
	im := Image{ID: id, Name: "app-" + id, Created: t0.Add(time.Duration(day) * 24 * time.Hour), State: "available", Lineage: lin}
	for _, o := range opts {
		o(&im)
	}
	return im
}

func state(s string) func(*Image)   { return func(im *Image) { im.State = s } }
func lineage(l string) func(*Image) { return func(im *Image) { im.Lineage = l } }
func hitOfOtherKey() func(*Image)   { return func(im *Image) { im.CurrentHitOfOtherKey = true } }
func named(n string) func(*Image)   { return func(im *Image) { im.Name = n } }
func spec(s string) func(*Image)    { return func(im *Image) { im.Spec = s } }
func deprecated(day int) func(*Image) {
	return func(im *Image) { im.DeprecationTime = t0.Add(time.Duration(day) * 24 * time.Hour) }
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name   string
		build  Image
		images []Image
		keep   int
		// want lists id:action for every decision, in order.
		want string
	}{{
		name:   "three bakes, keep 1: both older ones deprecated",
		build:  img("c", 3),
		images: []Image{img("a", 1), img("b", 2), img("c", 3)},
		keep:   1,
		want:   "c:keep b:deprecate a:deprecate",
	}, {
		name:   "keep 2",
		build:  img("c", 3),
		images: []Image{img("a", 1), img("b", 2), img("c", 3)},
		keep:   2,
		want:   "c:keep b:keep a:deprecate",
	}, {
		name:   "the build's image is not yet in the listing",
		build:  img("c", 3),
		images: []Image{img("a", 1), img("b", 2)},
		keep:   1,
		want:   "c:keep b:deprecate a:deprecate",
	}, {
		name:   "newer images than the build's are never touched, and count",
		build:  img("b", 2),
		images: []Image{img("a", 1), img("b", 2), img("c", 3), img("d", 4)},
		keep:   1,
		want:   "d:keep c:keep b:keep a:deprecate",
	}, {
		name:   "newer images count toward keep_latest",
		build:  img("b", 2),
		images: []Image{img("a", 1), img("c", 3)},
		keep:   2,
		want:   "c:keep b:keep a:deprecate",
	}, {
		name:   "other lineages ignored",
		build:  img("c", 3),
		images: []Image{img("x", 0, lineage("v1-other")), img("b", 2)},
		keep:   1,
		want:   "c:keep b:deprecate",
	}, {
		name:   "pending and failed images neither count nor get deprecated",
		build:  img("c", 3),
		images: []Image{img("p", 2, state("pending")), img("f", 1, state("failed")), img("b", 1)},
		keep:   2,
		want:   "c:keep p:keep f:keep b:keep",
	}, {
		name:   "already deprecated images are left with their time",
		build:  img("c", 3),
		images: []Image{img("a", 1, deprecated(2)), img("b", 2)},
		keep:   1,
		want:   "c:keep b:deprecate a:already-deprecated",
	}, {
		name:   "running again changes nothing",
		build:  img("c", 3),
		images: []Image{img("a", 1, deprecated(4)), img("b", 2, deprecated(4)), img("c", 3)},
		keep:   1,
		want:   "c:keep b:already-deprecated a:already-deprecated",
	}, {
		name:   "equal creation times: name then id decide",
		build:  img("z", 3),
		images: []Image{img("m", 2, named("app-2")), img("n", 2, named("app-2")), img("k", 2, named("app-3"))},
		keep:   2,
		want:   "z:keep k:keep n:deprecate m:deprecate",
	}, {
		name:   "a hit of another key is deprecated when it is not its lineage's newest",
		build:  img("c", 3),
		images: []Image{img("a", 1, hitOfOtherKey()), img("b", 2, hitOfOtherKey())},
		keep:   1,
		want:   "c:keep b:deprecate a:deprecate",
	}, {
		name: "a build that reused another lineage's image keeps this lineage's newest hit",
		// The build's image was baked under another ami_name (another lineage tag) and copied or
		// reused here; b is what this lineage's requests still resolve to.
		build:  img("c", 3, lineage("v1-other")),
		images: []Image{img("a", 1, hitOfOtherKey()), img("b", 2, hitOfOtherKey())},
		keep:   1,
		want:   "c:keep b:keep a:deprecate",
	}, {
		name:   "that protection needs the image to be a current hit",
		build:  img("c", 3, lineage("v1-other")),
		images: []Image{img("a", 1), img("b", 2)},
		keep:   1,
		want:   "c:keep b:deprecate a:deprecate",
	}, {
		name: "an encrypt_boot bake keeps the unencrypted variant's newest image",
		// c is the encrypted bake of the packages b and a carry unencrypted.
		build:  img("c", 3, spec("enc")),
		images: []Image{img("a", 1, hitOfOtherKey()), img("b", 2, hitOfOtherKey())},
		keep:   1,
		want:   "c:keep b:keep a:deprecate",
	}, {
		name:   "an arm64 bake keeps the amd64 newest even when an older amd64 bake is not a hit",
		build:  img("d", 4, spec("arm64")),
		images: []Image{img("a", 1, spec("amd64")), img("b", 2, spec("amd64")), img("c", 3, spec("arm64"))},
		keep:   1,
		want:   "d:keep c:deprecate b:keep a:deprecate",
	}, {
		name:   "each other spec keeps its own newest",
		build:  img("e", 5, spec("s1")),
		images: []Image{img("a", 1, spec("s2")), img("b", 2, spec("s3")), img("c", 3, spec("s2")), img("d", 4, spec("s1"))},
		keep:   1,
		want:   "e:keep d:deprecate c:keep b:keep a:deprecate",
	}, {
		name:   "a pending image of another spec does not take the place of its newest available one",
		build:  img("c", 3, spec("s1")),
		images: []Image{img("a", 1, spec("s2")), img("b", 2, spec("s2"), state("pending"))},
		keep:   1,
		want:   "c:keep b:keep a:keep",
	}, {
		name:   "only image",
		build:  img("a", 1),
		images: nil,
		keep:   1,
		want:   "a:keep",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The input order must not matter.
			for _, images := range [][]Image{tt.images, reversed(tt.images)} {
				ds, err := Select(lin, tt.build, images, tt.keep)
				if err != nil {
					t.Fatal(err)
				}
				if got := summary(ds); got != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			}
		})
	}
}

func TestSelectErrors(t *testing.T) {
	if _, err := Select(lin, img("a", 1), nil, 0); err == nil || err.Error() != "keep_latest 0: want at least 1" {
		t.Errorf("keep_latest 0: %v", err)
	}
	if _, err := Select(lin, Image{}, nil, 1); err == nil || !strings.Contains(err.Error(), "no id") {
		t.Errorf("no build image: %v", err)
	}
}

func TestToDeprecate(t *testing.T) {
	ds, err := Select(lin, img("c", 3), []Image{img("a", 1), img("b", 2, deprecated(5))}, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := ToDeprecate(ds)
	if len(got) != 1 || got[0].ID != "a" {
		t.Errorf("ToDeprecate = %+v, want a only", got)
	}
}

func summary(ds []Decision) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s:%s", d.Image.ID, strings.ReplaceAll(string(d.Action), " ", "-")))
	}
	return strings.Join(parts, " ")
}

func reversed(in []Image) []Image {
	out := make([]Image, len(in))
	for i, im := range in {
		out[len(in)-1-i] = im
	}
	return out
}
