package bake

import (
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/bakerequest"
)

// compute derives every output from a prepared configuration. It is pure: the clock comes in as
// now, so tests pin Rosco's millisecond release for image names without ami_suffix. The image spec
// holds the primary region's source AMI, as the key does: the builder's copies in other regions
// carry the spec of the build region.
func compute(c Config, now time.Time) (DatasourceOutput, error) {
	regions := c.regions()
	r, err := bakerequest.Compute(c.Inputs, c.sourceAMI, regions, now)
	if err != nil {
		return DatasourceOutput{}, err
	}
	out := DatasourceOutput{
		RoscoKey:    r.RoscoKeys,
		Key:         r.Key,
		KeyDocument: r.KeyDocument,
		ImageName:   r.ImageName,
		AppVersion:  r.AppVersion,
		Packages:    r.Packages,
		PackageList: r.PackageList,
		PackageType: c.PackageType,
		Region:      regions[0],
	}
	if c.sourceAMI != "" {
		spec := c.ImageSpec.Spec(c.sourceAMI)
		out.ImageSpecDigest, out.ImageSpecDocument = spec.Digest(), spec.Document()
	}
	return out, nil
}
