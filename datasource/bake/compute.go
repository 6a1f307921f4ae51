package bake

import (
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/bakerequest"
)

// compute derives every output from a prepared configuration. It is pure: the clock comes in as
// now, so tests pin Rosco's millisecond release for image names without ami_suffix.
func compute(c Config, now time.Time) (DatasourceOutput, error) {
	regions := c.regions()
	r, err := bakerequest.Compute(c.Inputs, c.sourceAMI, regions, now)
	if err != nil {
		return DatasourceOutput{}, err
	}
	return DatasourceOutput{
		RoscoKey:    r.RoscoKeys,
		Key:         r.Key,
		KeyDocument: r.KeyDocument,
		ImageName:   r.ImageName,
		AppVersion:  r.AppVersion,
		Packages:    r.Packages,
		PackageList: r.PackageList,
		PackageType: c.PackageType,
		Region:      regions[0],
	}, nil
}
