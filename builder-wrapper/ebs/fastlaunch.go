package ebs

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// fastLaunchCopyError refuses a cache hit that would copy an image to regions where the request
// asks for Windows fast launch (amazon-ebs's fast_launch): CopyImage does not carry it, and this
// builder does not enable it on a copy as amazon-ebs does on its own copies, so the copy would
// carry the spec's tag without being what the spec says. Nil when no missing region asks for it.
func fastLaunchCopyError(c *Config, plan Plan, id identity) error {
	opts := specOptions(c)
	var want []string
	for _, region := range plan.Missing {
		if opts.FastLaunchIn(region) {
			want = append(want, region)
		}
	}
	if len(want) == 0 {
		return nil
	}
	have := slices.Sorted(maps.Keys(plan.Images))
	return fmt.Errorf("fast_launch: the image with %s exists in %s but not in %s, where fast launch is asked for; "+
		"a cache hit would copy it there without fast launch (CopyImage does not carry it, and spinnaker-ebs does not enable it on a copy), so nothing is copied: "+
		"deregister the image in %s so that the build bakes every region's image",
		id, strings.Join(have, ", "), strings.Join(want, ", "), strings.Join(have, ", "))
}
