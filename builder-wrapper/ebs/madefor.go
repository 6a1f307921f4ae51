package ebs

import (
	"crypto/sha256"
	"encoding/hex"
)

// MadeForTag is the run tag that names the bake an image was made for: the
// digest of its key tag, key and image spec. amazon-ebs puts run tags on
// the image at CreateImage, so an image carries it while still pending,
// long before finishBake writes the key (which makes it a hit). An image of
// ami_name with this tag and without the key is therefore one a bake of
// the same key and spec started and never finished: a run that timed out or
// was killed (spinnaker/spinnaker#4498). The name check (takenname.go) may
// take such an image over; nothing reads it as a hit.
const MadeForTag = "spinnaker:made-for"

// madeFor is the value of MadeForTag: "sha256:" and 64 hex digits, within
// EC2's 256 characters for a tag value whatever the key's length.
func (id identity) madeFor() string {
	sum := id.digest()
	return "sha256:" + hex.EncodeToString(sum[:])
}

// digest is the identity's one hash, which names its claim and fills
// MadeForTag: the key tag, the key and the spec, a line each.
func (id identity) digest() [sha256.Size]byte {
	return sha256.Sum256([]byte(id.KeyTag + "\n" + id.Key + "\n" + id.Spec))
}
