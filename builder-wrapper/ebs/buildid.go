package ebs

import (
	"crypto/rand"
	"encoding/hex"
)

// BuildIDTag is the run tag that tells one build's instance and images from
// another's: the clean-up after a failed bake removes only images that carry
// this build's id.
const BuildIDTag = "spinnaker:build-id"

// newBuildID returns 16 random hex digits.
func newBuildID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
