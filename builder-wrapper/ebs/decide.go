package ebs

import (
	"fmt"
	"strings"
)

// Action is what a build does about its key.
type Action int

const (
	// Bake runs amazon-ebs.
	Bake Action = iota
	// Reuse returns the existing images; nothing is launched.
	Reuse
	// Copy copies an existing image to the regions that lack it.
	Copy
)

func (a Action) String() string {
	switch a {
	case Bake:
		return "bake"
	case Reuse:
		return "reuse"
	case Copy:
		return "copy"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Situation is what the lookup found.
type Situation struct {
	// Regions are the regions the build must produce images in, the build
	// region first.
	Regions []string
	// Existing maps each region that has an available image with the key
	// and the spec to its id.
	Existing map[string]string
	// Rebake is set by `rebake` or by Packer's -force.
	Rebake bool
}

// Plan is the decision.
type Plan struct {
	Action Action
	// Images are the existing images (Reuse, Copy).
	Images map[string]string
	// Missing are the regions to copy to (Copy), in Regions order.
	Missing []string
	// CopyFrom is the region whose image is copied (Copy): the build region
	// when it has one, else the first region in order that does.
	CopyFrom string
}

// Decide is the bake cache's decision, kept free of I/O so it can be tested
// as a table. Rebake always bakes, as in Rosco. Otherwise an image present
// in every region is reused and one present in some regions is copied; one
// present nowhere is baked (by the build that holds the claim, see claim.go).
func Decide(s Situation) Plan {
	if s.Rebake {
		return Plan{Action: Bake}
	}
	images := map[string]string{}
	var missing []string
	copyFrom := ""
	for _, r := range s.Regions {
		if id, ok := s.Existing[r]; ok {
			images[r] = id
			if copyFrom == "" {
				copyFrom = r
			}
		} else {
			missing = append(missing, r)
		}
	}
	switch {
	case len(s.Regions) > 0 && len(missing) == 0:
		return Plan{Action: Reuse, Images: images}
	case len(images) > 0:
		return Plan{Action: Copy, Images: images, Missing: missing, CopyFrom: copyFrom}
	default:
		return Plan{Action: Bake}
	}
}

// summary is the plan in words, for the build log.
func (p Plan) summary() string {
	switch p.Action {
	case Copy:
		return fmt.Sprintf("copy %s from %s to %s", p.Images[p.CopyFrom], p.CopyFrom, strings.Join(p.Missing, ", "))
	default:
		return p.Action.String()
	}
}
