//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config
//go:generate go tool packer-sdc struct-markdown

package ebs

import (
	"time"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/bakerequest"
)

// DefaultKeyTag is the tag that carries the bake key on images and on the
// build instance; the same default as data "spinnaker-bake".
const DefaultKeyTag = "spinnaker:bake-key"

// DefaultWaitForInflight bounds the wait for another build with the same key,
// as Rosco's orphaned-job timeout does (30 minutes).
const DefaultWaitForInflight = 30 * time.Minute

// Config is amazon-ebs's configuration with the bake cache's options added.
// Every amazon-ebs option is accepted unchanged.
type Config struct {
	amazonebs.Config `mapstructure:",squash"`

	// The bake key: the `key` output of data "spinnaker-bake" (`sha256:`
	// followed by 64 lowercase hex digits). The builder reuses an image whose
	// `key_tag` tag holds it (and whose `spinnaker:image-spec` tag holds
	// this request's image spec), and puts both on the images it bakes.
	// Set exactly one of `bake_key` and `bake`.
	BakeKey string `mapstructure:"bake_key"`
	// The bake inputs, with the same fields as data "spinnaker-bake" (its
	// region, lookup and AWS options aside), as an alternative to `bake_key`:
	// the builder computes the same strict key from them and from the source
	// AMI of the bake, `source_ami`, or the image `source_ami_filter` selects
	// in the build region (looked up just before the cache lookup). A block in
	// HCL2 (`bake { ... }`), an object in legacy JSON (`"bake": { ... }`).
	Bake *bakerequest.Inputs `mapstructure:"bake"`
	// Bake even if an image with the key exists, like Rosco's `rebake`.
	// Packer's `-force` implies it.
	Rebake bool `mapstructure:"rebake"`
	// The tag that carries the key. Default `spinnaker:bake-key`, the same as
	// data "spinnaker-bake".
	KeyTag string `mapstructure:"key_tag"`
	// How long to wait for another build that holds the claim on the same
	// key and spec to produce its images before baking or copying without
	// the claim, and for a pending image of the same key and spec that holds
	// `ami_name` before taking the name over, as a Go duration such as
	// `"45m"`. Default `"30m"`; `"0s"` does not wait.
	WaitForInflight string `mapstructure:"wait_for_inflight"`
	// How long the claim a baking build holds on its key lives unless the
	// build renews it (it does every third of this while it bakes), as a Go
	// duration. A build killed without clean-up (SIGKILL) blocks other builds
	// of the key for at most this long: the next one removes the stale claim
	// and bakes. Default `"5m"`.
	ClaimTTL string `mapstructure:"claim_ttl"`
	// Path, on the machine running Packer, of the inventory the
	// `spinnaker-packages` provisioner writes (its `sbom_file`). After a bake
	// the builder tags each image with the document's SHA-256
	// (`spinnaker:sbom-sha256`); the build fails when the provisioner did not
	// write the file during this build. A hit or a copy reports the digest
	// the found image carries.
	SBOMFile string `mapstructure:"sbom_file"`
	// Deprecate the images this build supersedes: after a bake or a copy
	// succeeds, the older images of the build's lineage (see the docs) in each
	// region of the build, beyond the newest `keep_latest`, get an EC2
	// deprecation time of now plus this duration (a Go duration of at least
	// `"1m"`, such as `"24h"` or `"720h"`; at most 10 years). Nothing is
	// deregistered or deleted. Needs the `bake` block, which the lineage is
	// computed from. Default: off.
	DeprecateSuperseded string `mapstructure:"deprecate_superseded"`
	// How many of the lineage's newest images each region keeps without a
	// deprecation time, this build's image included. Default 1.
	KeepLatest int `mapstructure:"keep_latest"`
	// Print which images `deprecate_superseded` would deprecate, and change
	// nothing.
	DeprecateSupersededDryRun bool `mapstructure:"deprecate_superseded_dry_run"`

	// waitForInflight is WaitForInflight parsed, with the default applied.
	waitForInflight time.Duration
	// claimTTL is ClaimTTL parsed, with the default applied.
	claimTTL time.Duration
	// keyFromFilter is set when the key comes from the bake block and the
	// source AMI from source_ami_filter: Run resolves the AMI, then the key.
	keyFromFilter bool
	// keyDocument is the canonical document of a key computed from the bake
	// block, logged for debugging a cache miss.
	keyDocument string
	// sourceAMI is the source AMI once known: source_ami, or what
	// source_ami_filter selects (resolved by Run).
	sourceAMI string
	// specDigest is the image spec digest (spec tag value) once sourceAMI
	// is known, and specDocument what it hashes.
	specDigest, specDocument string
	// ictx is the template context Decode filled (user variables, build
	// name): what a hit renders the deferred `tags` with, as amazon-ebs does.
	ictx interpolate.Context
	// deprecateAfter is DeprecateSuperseded parsed (0: off).
	deprecateAfter time.Duration
	// lineageParts are the lineage's request parts, from the bake block; the
	// account comes from the images.
	lineageParts *lineageParts
	// buildID tells this build's images and instance from other builds'
	// (the build-id run tag), so that clean-up touches only what it made.
	buildID string
}
