package imagespec

import (
	"cmp"
	"slices"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
)

// FastLaunch is Windows fast launch as EC2 keeps it on an image (DescribeFastLaunchImages: the
// launch template, the parallel launches and the number of pre-provisioned snapshots), under
// amazon-ebs's `fast_launch` names.
type FastLaunch struct {
	// Enabled is always true: a spec without fast launch has no FastLaunch.
	Enabled               bool                 `json:"enable_fast_launch"`
	TemplateID            string               `json:"template_id,omitempty"`
	TemplateName          string               `json:"template_name,omitempty"`
	TemplateVersion       int                  `json:"template_version,omitempty"`
	RegionLaunchTemplates []FastLaunchTemplate `json:"region_launch_templates,omitempty"`
	MaxParallelLaunches   int                  `json:"max_parallel_launches,omitempty"`
	TargetResourceCount   int                  `json:"target_resource_count,omitempty"`
}

// FastLaunchTemplate is one region's fast launch: its launch template, or fast launch disabled
// there (Enabled false, nothing else, as amazon-ebs then ignores the rest).
type FastLaunchTemplate struct {
	Region string `json:"region"`
	// Enabled is set only to false: unset and true both leave fast launch on, as in amazon-ebs.
	Enabled         *bool  `json:"enable_fast_launch,omitempty"`
	TemplateID      string `json:"template_id,omitempty"`
	TemplateName    string `json:"template_name,omitempty"`
	TemplateVersion int    `json:"template_version,omitempty"`
}

// fastLaunch is the spec's part for amazon-ebs's fast_launch block as the template gives it
// (before amazon-ebs's Prepare, which moves the top-level template into the build region's
// entry: the builder and the data source both see the block as written). Nil when fast launch
// is off: amazon-ebs enables it when any of the block's options is set.
func fastLaunch(c amazonebs.FastLaunchConfig) *FastLaunch {
	if !fastLaunchEnabled(c) {
		return nil
	}
	var regions []FastLaunchTemplate
	for _, t := range c.RegionLaunchTemplates {
		r := FastLaunchTemplate{Region: t.Region}
		if t.EnableFalseLaunch == config.TriFalse {
			r.Enabled = t.EnableFalseLaunch.ToBoolPointer()
		} else {
			r.TemplateID, r.TemplateName, r.TemplateVersion = t.LaunchTemplateID, t.LaunchTemplateName, t.LaunchTemplateVersion
		}
		regions = append(regions, r)
	}
	slices.SortFunc(regions, func(a, b FastLaunchTemplate) int { return cmp.Compare(a.Region, b.Region) })
	return &FastLaunch{
		Enabled: true, TemplateID: c.LaunchTemplateID, TemplateName: c.LaunchTemplateName, TemplateVersion: c.LaunchTemplateVersion,
		RegionLaunchTemplates: regions, MaxParallelLaunches: c.MaxParallelLaunches, TargetResourceCount: c.TargetResourceCount,
	}
}

// fastLaunchEnabled is amazon-ebs v1.8.2's rule (FastLaunchConfig.Prepare, whose isDefault is
// not exported): enable_fast_launch, or any other option of the block.
func fastLaunchEnabled(c amazonebs.FastLaunchConfig) bool {
	return c.UseFastLaunch || c.LaunchTemplateID != "" || c.LaunchTemplateName != "" || c.LaunchTemplateVersion != 0 ||
		len(c.RegionLaunchTemplates) > 0 || c.MaxParallelLaunches != 0 || c.TargetResourceCount != 0
}

// FastLaunchIn reports whether the options ask for Windows fast launch on the image in region:
// the fast_launch block enables it, and region_launch_templates does not turn it off there.
func (o Options) FastLaunchIn(region string) bool {
	f := fastLaunch(o.FastLaunch)
	if f == nil {
		return false
	}
	for _, t := range f.RegionLaunchTemplates {
		if t.Region == region && t.Enabled != nil {
			return *t.Enabled
		}
	}
	return true
}
