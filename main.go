// Command packer-plugin-spinnaker is a Packer plugin that bakes machine images the way Spinnaker's
// bakery (Rosco) does. Packer starts it; `packer-plugin-spinnaker describe` lists its components.
package main

import (
	"fmt"
	"log"
	"os"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/plugin"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/datasource/bake"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/provisioner/packages"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/version"
)

func main() {
	// Values components register with the SDK's secret filter (repository
	// credentials, tokens) are removed from this process's own log lines,
	// which reach PACKER_LOG through stderr; without this the filter
	// would only apply to output routed through it, which nothing is.
	packersdk.LogSecretFilter.SetOutput(os.Stderr)
	log.SetOutput(&packersdk.LogSecretFilter)
	pps := plugin.NewSet()
	// Used in templates as source "spinnaker-ebs".
	pps.RegisterBuilder("ebs", new(ebs.Builder))
	// Used in templates as data "spinnaker-bake".
	pps.RegisterDatasource("bake", new(bake.Datasource))
	// Used in templates as provisioner "spinnaker-packages".
	pps.RegisterProvisioner("packages", new(packages.Provisioner))
	pps.SetVersion(version.PluginVersion)
	if err := pps.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
