package imagespec

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
)

// Tag is the tag that carries the spec digest on images (and on the claim of a build), next to
// the bake key's tag.
const Tag = "spinnaker:image-spec"

// Spec is the image spec: the source AMI and the options, normalised. The JSON names are the
// amazon-ebs option names, so the document reads like the template. Changing this struct (a field,
// a JSON name, the order, omitempty) changes every digest: images baked before the change no
// longer match and are baked again once. The digests of images baked so far are pinned by tests.
type Spec struct {
	// SourceAMI is the AMI the build starts from, resolved to an id in the build region: it fixes
	// the architecture, the boot mode and the TPM support.
	SourceAMI          string            `json:"source_ami"`
	EncryptBoot        *bool             `json:"encrypt_boot,omitempty"`
	KMSKeyID           string            `json:"kms_key_id,omitempty"`
	RegionKMSKeyIDs    map[string]string `json:"region_kms_key_ids,omitempty"`
	LaunchBlockDevices []BlockDevice     `json:"launch_block_device_mappings,omitempty"`
	AMIBlockDevices    []BlockDevice     `json:"ami_block_device_mappings,omitempty"`
	IMDSSupport        string            `json:"imds_support,omitempty"`
	ENASupport         *bool             `json:"ena_support,omitempty"`
	SriovSupport       bool              `json:"sriov_support,omitempty"`
	VirtualizationType string            `json:"ami_virtualization_type,omitempty"`
	ProductCodes       []string          `json:"ami_product_codes,omitempty"`
	NoEphemeral        bool              `json:"no_ephemeral,omitempty"`
	// FastLaunch is absent unless fast launch is enabled: specs without it keep the digests
	// they had before it was added.
	FastLaunch *FastLaunch `json:"fast_launch,omitempty"`
}

// BlockDevice is one block device mapping as far as it shapes the image.
type BlockDevice struct {
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

// Spec returns the spec of an image built with these options from sourceAMI, the source AMI id
// in the build region. An unset trilean stays out of the document, as amazon-ebs then leaves the
// attribute as the source AMI has it.
func (o Options) Spec(sourceAMI string) Spec {
	var codes []string
	if len(o.ProductCodes) > 0 {
		codes = slices.Sorted(slices.Values(o.ProductCodes))
	}
	return Spec{
		SourceAMI:          sourceAMI,
		EncryptBoot:        o.EncryptBoot.ToBoolPointer(),
		KMSKeyID:           o.KMSKeyID,
		RegionKMSKeyIDs:    o.RegionKMSKeyIDs,
		LaunchBlockDevices: blockDevices(o.LaunchBlockDeviceMappings),
		AMIBlockDevices:    blockDevices(o.AMIBlockDeviceMappings),
		IMDSSupport:        o.IMDSSupport,
		ENASupport:         o.ENASupport.ToBoolPointer(),
		SriovSupport:       o.SriovSupport,
		VirtualizationType: o.VirtualizationType,
		ProductCodes:       codes,
		NoEphemeral:        o.NoEphemeral,
		FastLaunch:         fastLaunch(o.FastLaunch),
	}
}

// blockDevices lists the mappings by device name: their order in the template does not change
// the image.
func blockDevices(in awscommon.BlockDevices) []BlockDevice {
	if len(in) == 0 {
		return nil
	}
	out := make([]BlockDevice, 0, len(in))
	for _, d := range in {
		out = append(out, BlockDevice{
			DeviceName: d.DeviceName, VolumeType: d.VolumeType, VolumeSize: d.VolumeSize,
			IOPS: d.IOPS, Throughput: d.Throughput, Encrypted: d.Encrypted.ToBoolPointer(),
			KMSKeyID: d.KmsKeyId, SnapshotID: d.SnapshotId, VirtualName: d.VirtualName,
			NoDevice: d.NoDevice, DeleteOnTermination: d.DeleteOnTermination,
		})
	}
	slices.SortFunc(out, func(a, b BlockDevice) int { return cmp.Compare(a.DeviceName, b.DeviceName) })
	return out
}

// Document is the spec's canonical JSON: the fields in the order above, unset ones left out, map
// keys sorted (encoding/json's order), no whitespace.
func (s Spec) Document() string {
	b, err := json.Marshal(s)
	if err != nil {
		// Only strings, numbers and booleans: Marshal cannot fail.
		panic(err)
	}
	return string(b)
}

// Digest is the value of the spec tag: "sha256:" and the hex SHA-256 of the document, 71
// characters, within EC2's 256 for a tag value.
func (s Spec) Digest() string {
	sum := sha256.Sum256([]byte(s.Document()))
	return "sha256:" + hex.EncodeToString(sum[:])
}
