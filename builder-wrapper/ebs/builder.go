package ebs

import (
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// defaultPollInterval is how often an in-flight build is checked on.
const defaultPollInterval = 10 * time.Second

// Builder is the spinnaker-ebs builder. It prepares and runs an amazon-ebs
// builder inside, and decides before running it whether a bake is needed.
type Builder struct {
	config Config
	inner  *amazonebs.Builder
	// raws are the configurations Prepare got, kept to prepare amazon-ebs
	// again once a key that needed source_ami_filter is known.
	raws []interface{}

	// newClients builds the EC2 clients of the lookup; tests replace it.
	newClients clientFactory
	// pollInterval is how often an in-flight build is checked; tests shorten it.
	pollInterval time.Duration
}

var _ packersdk.Builder = (*Builder)(nil)

// ConfigSpec is amazon-ebs's specification plus this builder's options.
func (b *Builder) ConfigSpec() hcldec.ObjectSpec { return b.config.FlatMapstructure().HCL2Spec() }
