package ebs

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
)

// DefaultSpecTag is the tag that carries the image spec digest on images and
// on the build instance, next to the key tag.
const DefaultSpecTag = "spinnaker:image-spec"

// imageSpec is what amazon-ebs makes an AMI be beyond its content: the
// options of amazon-ebs v1.8.2 that change the image's encryption, disks,
// launch attributes or architecture. The strict key covers the content (the
// packages, the base image as the bake request names it); a cache hit must
// also match this, so that an `encrypt_boot = true` request never gets an
// unencrypted image baked with the same packages.
//
// Options that only shape the build (instance type, subnet, SSH) or that a
// hit applies itself (sharing, deprecation, tags) are not part of it. The
// field names are the option names, so the document logged on a miss reads
// like the template. Changing this struct changes every digest: images baked
// before the change are baked again once.
type imageSpec struct {
	// SourceAMI is the AMI the instance is launched from, as amazon-ebs
	// resolves it (source_ami, or what source_ami_filter selects): it fixes
	// the architecture, the boot mode and the TPM support.
	SourceAMI          string            `json:"source_ami"`
	EncryptBoot        *bool             `json:"encrypt_boot,omitempty"`
	KMSKeyID           string            `json:"kms_key_id,omitempty"`
	RegionKMSKeyIDs    map[string]string `json:"region_kms_key_ids,omitempty"`
	LaunchBlockDevices []blockDevice     `json:"launch_block_device_mappings,omitempty"`
	AMIBlockDevices    []blockDevice     `json:"ami_block_device_mappings,omitempty"`
	IMDSSupport        string            `json:"imds_support,omitempty"`
	ENASupport         *bool             `json:"ena_support,omitempty"`
	SriovSupport       bool              `json:"sriov_support,omitempty"`
	VirtualizationType string            `json:"ami_virtualization_type,omitempty"`
	ProductCodes       []string          `json:"ami_product_codes,omitempty"`
	NoEphemeral        bool              `json:"no_ephemeral,omitempty"`
}

// blockDevice is one block device mapping as far as it shapes the image.
type blockDevice struct {
	DeviceName          string `json:"device_name"`
	VolumeType          string `json:"volume_type,omitempty"`
	VolumeSize          int32  `json:"volume_size,omitempty"`
	IOPS                *int32 `json:"iops,omitempty"`
	Throughput          *int32 `json:"throughput,omitempty"`
	Encrypted           *bool  `json:"encrypted,omitempty"`
	KMSKeyID            string `json:"kms_key_id,omitempty"`
	SnapshotID          string `json:"snapshot_id,omitempty"`
	VirtualName         string `json:"virtual_name,omitempty"`
	NoDevice            bool   `json:"no_device,omitempty"`
	DeleteOnTermination bool   `json:"delete_on_termination,omitempty"`
}

// specOf reads the image spec from the amazon-ebs options; sourceAMI is the
// resolved source AMI.
func specOf(c *Config, sourceAMI string) imageSpec {
	return imageSpec{
		SourceAMI:          sourceAMI,
		EncryptBoot:        c.AMIEncryptBootVolume.ToBoolPointer(),
		KMSKeyID:           c.AMIKmsKeyId,
		RegionKMSKeyIDs:    c.AMIRegionKMSKeyIDs,
		LaunchBlockDevices: blockDevices(c.LaunchMappings),
		AMIBlockDevices:    blockDevices(c.AMIMappings),
		IMDSSupport:        c.AMIIMDSSupport,
		ENASupport:         c.AMIENASupport.ToBoolPointer(),
		SriovSupport:       c.AMISriovNetSupport,
		VirtualizationType: c.AMIVirtType,
		ProductCodes:       slices.Sorted(slices.Values(c.AMIProductCodes)),
		NoEphemeral:        c.NoEphemeral,
	}
}

// blockDevices lists the mappings by device name: their order in the
// template does not change the image.
func blockDevices(in awscommon.BlockDevices) []blockDevice {
	out := make([]blockDevice, 0, len(in))
	for _, d := range in {
		out = append(out, blockDevice{
			DeviceName: d.DeviceName, VolumeType: d.VolumeType, VolumeSize: d.VolumeSize,
			IOPS: d.IOPS, Throughput: d.Throughput, Encrypted: d.Encrypted.ToBoolPointer(),
			KMSKeyID: d.KmsKeyId, SnapshotID: d.SnapshotId, VirtualName: d.VirtualName,
			NoDevice: d.NoDevice, DeleteOnTermination: d.DeleteOnTermination,
		})
	}
	slices.SortFunc(out, func(a, b blockDevice) int { return cmp.Compare(a.DeviceName, b.DeviceName) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// document is the spec's canonical JSON (encoding/json sorts map keys).
func (s imageSpec) document() string {
	b, err := json.Marshal(s)
	if err != nil {
		// Only plain strings, numbers and booleans: Marshal cannot fail.
		panic(err)
	}
	return string(b)
}

// digest is the value of the spec tag: "sha256:" and the document's hash,
// 71 characters, within EC2's 256 for a tag value.
func (s imageSpec) digest() string {
	sum := sha256.Sum256([]byte(s.document()))
	return "sha256:" + hex.EncodeToString(sum[:])
}
