// Package bake implements the `spinnaker-bake` datasource: it computes what Spinnaker's bakery
// (Rosco) computes for a bake request, so that any Packer template can name, tag and cache its
// images the way Rosco does.
package bake

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/zclconf/go-cty/cty"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/stringlist"
)

// packageNameAttr lets a legacy JSON template give package_name as a list.
var packageNameAttr = stringlist.Attr{From: "package_name", To: "packages"}

// Datasource is the `spinnaker-bake` datasource.
type Datasource struct {
	config Config
	// now is the clock for image names without ami_suffix; tests replace it.
	now func() time.Time
}

// ConfigSpec returns the HCL2 spec of the datasource's configuration.
func (d *Datasource) ConfigSpec() hcldec.ObjectSpec {
	return d.config.FlatMapstructure().HCL2Spec()
}

// OutputSpec returns the HCL2 spec of the datasource's outputs.
func (d *Datasource) OutputSpec() hcldec.ObjectSpec {
	return (&DatasourceOutput{}).FlatMapstructure().HCL2Spec()
}

// Configure decodes and validates the configuration. Every error names the field at fault.
func (d *Datasource) Configure(raws ...interface{}) error {
	if err := stringlist.Normalize(raws, packageNameAttr); err != nil {
		return err
	}
	if err := config.Decode(&d.config, &config.DecodeOpts{
		PluginType:         "packer.datasource.spinnaker-bake",
		Interpolate:        true,
		InterpolateContext: &d.config.ctx,
	}, raws...); err != nil {
		return err
	}
	d.config.ownersSet = d.config.Owners != nil
	if err := d.config.applyRoscoConfig(); err != nil {
		return err
	}
	return errors.Join(d.config.prepare(), d.config.prepareLookup())
}

// Execute computes the outputs and looks the image up in EC2.
func (d *Datasource) Execute() (cty.Value, error) {
	now := d.now
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithTimeout(context.Background(), awsTimeout)
	defer cancel()
	out, err := run(ctx, d.config, now())
	if err != nil {
		return cty.NullVal(cty.EmptyObject), err
	}
	return hcl2helper.HCL2ValueFromConfig(out, d.OutputSpec()), nil
}
