//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config
//go:generate go tool packer-sdc struct-markdown

package ebs

import (
	"time"

	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
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
	// `key_tag` tag holds it, and puts it on the images it bakes and on the
	// build instance (as a run tag, so parallel builds can see each other).
	BakeKey string `mapstructure:"bake_key" required:"true"`
	// Bake even if an image with the key exists, like Rosco's `rebake`.
	// Packer's `-force` implies it.
	Rebake bool `mapstructure:"rebake"`
	// The tag that carries the key. Default `spinnaker:bake-key`, the same as
	// data "spinnaker-bake".
	KeyTag string `mapstructure:"key_tag"`
	// How long to wait for another build whose instance carries the same key
	// (run tag) to produce its image before baking anyway, as a Go duration
	// such as `"45m"`. Default `"30m"`; `"0s"` does not wait.
	WaitForInflight string `mapstructure:"wait_for_inflight"`

	// waitForInflight is WaitForInflight parsed, with the default applied.
	waitForInflight time.Duration
}
