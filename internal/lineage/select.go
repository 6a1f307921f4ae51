package lineage

import (
	"fmt"
	"sort"
	"time"
)

// Image is what the selection needs to know of one image in one region.
type Image struct {
	ID      string
	Name    string
	Created time.Time
	// State is EC2's image state; only available images count and are deprecated.
	State string
	// Lineage is the image's spinnaker:lineage tag value.
	Lineage string
	// DeprecationTime is EC2's DeprecationTime, zero when none is set.
	DeprecationTime time.Time
	// Spec is the image's spec digest (spinnaker:image-spec tag): what amazon-ebs made the image be
	// beyond its packages (encryption, disks, architecture). Empty when the image has none.
	Spec string
	// CurrentHitOfOtherKey says that the bake cache's lookup for a (bake key, spec) pair other
	// than this build's returns this image: another request resolves to it today.
	CurrentHitOfOtherKey bool
}

// Action is what happens to one image.
type Action string

// The actions of a plan.
const (
	Keep              Action = "keep"
	Deprecate         Action = "deprecate"
	AlreadyDeprecated Action = "already deprecated"
)

// Decision is the action for one image and why.
type Decision struct {
	Image  Image
	Action Action
	Reason string
}

// Select decides, for one region, which images of lineage the build supersedes. build is the
// image the build produced or copied in the region; images are the region's images tagged with
// lineage (build may be among them, and images of other lineages are ignored). The rules:
//
//  1. Images are ordered newest first: by creation time, then name, then id, all descending, so
//     equal creation times still give one order.
//  2. Only available images count and can be deprecated; pending or failed ones are kept as they
//     are.
//  3. The build's image is kept, and so is every image ordered before it: only older images are
//     superseded (a concurrent bake may have finished a newer one).
//  4. The first keepLatest images (the build's counting) are kept.
//  5. The newest available image of every spec other than the build's is kept: another spec
//     is a variant baked alongside this one from the same packages (encrypt_boot, another
//     architecture, other disks), not an earlier bake this one replaces. Older images of that
//     spec are superseded by its newest, as older images of the build's spec are by the build.
//     An image that is the current hit of another (key, spec) pair is also kept when it is the
//     newest image carrying the lineage's tag: the build's image can come from another lineage
//     (a hit or copy of an image another ami_name baked), and must not retire what the lineage's
//     own requests still resolve to.
//  6. Of the rest, an image that already has a deprecation time keeps it (no call: running the
//     same build twice changes nothing, and a time someone set by hand is not moved); the others
//     are deprecated.
//
// The decisions come back in the order of rule 1.
func Select(lineage string, build Image, images []Image, keepLatest int) ([]Decision, error) {
	if keepLatest < 1 {
		return nil, fmt.Errorf("keep_latest %d: want at least 1", keepLatest)
	}
	if build.ID == "" {
		return nil, fmt.Errorf("lineage selection: the build's image has no id")
	}
	all := []Image{build}
	for _, im := range images {
		if im.ID != build.ID && im.Lineage == lineage {
			all = append(all, im)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return Newer(all[i], all[j]) })

	newestOfLineage := ""
	for _, im := range all {
		if im.Lineage == lineage && im.State == "available" {
			newestOfLineage = im.ID
			break
		}
	}

	newestOfSpec := map[string]string{}
	for _, im := range all {
		if _, ok := newestOfSpec[im.Spec]; !ok && im.State == "available" {
			newestOfSpec[im.Spec] = im.ID
		}
	}

	decisions := make([]Decision, 0, len(all))
	counted, seenBuild := 0, false
	for _, im := range all {
		d := Decision{Image: im, Action: Keep}
		isBuild := im.ID == build.ID
		switch {
		case isBuild:
			d.Reason = "this build's image"
		case im.State != "available":
			d.Reason = fmt.Sprintf("state %s", im.State)
		case !seenBuild:
			d.Reason = "newer than this build's image"
		case counted < keepLatest:
			d.Reason = fmt.Sprintf("among the newest %d", keepLatest)
		case im.Spec != build.Spec && newestOfSpec[im.Spec] == im.ID:
			d.Reason = "the newest image of another spec (a variant of this build, not an earlier bake)"
		case im.CurrentHitOfOtherKey && im.ID == newestOfLineage:
			d.Reason = "current hit of another key and the newest image of its lineage"
		case !im.DeprecationTime.IsZero():
			d.Action = AlreadyDeprecated
			d.Reason = "deprecation time " + im.DeprecationTime.UTC().Format(time.RFC3339) + " already set"
		default:
			d.Action = Deprecate
			d.Reason = fmt.Sprintf("older than this build's image and beyond the newest %d", keepLatest)
		}
		if isBuild {
			seenBuild = true
		}
		if isBuild || im.State == "available" {
			counted++
		}
		decisions = append(decisions, d)
	}
	return decisions, nil
}

// Newer orders a before b when a is the newer image: by creation time, then name, then id, so
// equal creation times still give one order.
func Newer(a, b Image) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	if a.Name != b.Name {
		return a.Name > b.Name
	}
	return a.ID > b.ID
}

// ToDeprecate returns the images of decisions whose action is Deprecate.
func ToDeprecate(decisions []Decision) []Image {
	var out []Image
	for _, d := range decisions {
		if d.Action == Deprecate {
			out = append(out, d.Image)
		}
	}
	return out
}
