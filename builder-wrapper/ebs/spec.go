package ebs

import (
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
)

// DefaultSpecTag is the tag that carries the image spec digest on images and
// on the claim, next to the key tag (internal/imagespec owns it).
const DefaultSpecTag = imagespec.Tag

// specOptions are the amazon-ebs options that shape the image, in the form
// data "spinnaker-bake" takes them in its image_spec block: both compute the
// spec from them, so they agree on which images match.
func specOptions(c *Config) imagespec.Options {
	return imagespec.Options{
		EncryptBoot:               c.AMIEncryptBootVolume,
		KMSKeyID:                  c.AMIKmsKeyId,
		RegionKMSKeyIDs:           c.AMIRegionKMSKeyIDs,
		LaunchBlockDeviceMappings: c.LaunchMappings,
		AMIBlockDeviceMappings:    c.AMIMappings,
		IMDSSupport:               c.AMIIMDSSupport,
		ENASupport:                c.AMIENASupport,
		SriovSupport:              c.AMISriovNetSupport,
		VirtualizationType:        c.AMIVirtType,
		ProductCodes:              c.AMIProductCodes,
		NoEphemeral:               c.NoEphemeral,
		FastLaunch:                c.FastLaunch,
	}
}

// specOf is the image spec of the build once its source AMI is resolved.
func specOf(c *Config, sourceAMI string) imagespec.Spec {
	return specOptions(c).Spec(sourceAMI)
}
