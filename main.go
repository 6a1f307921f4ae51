// Command packer-plugin-spinnaker is a Packer plugin that bakes machine images the way Spinnaker's
// bakery (Rosco) does. Packer starts it; `packer-plugin-spinnaker describe` lists its components.
package main

import (
	"fmt"
	"io"
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
	if err := pluginSet(os.Stderr).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// pluginSet routes this process's log through the SDK's secret filter and
// registers the components. Values components register with the filter
// (repository credentials, tokens) are removed from the plugin's own log
// lines, which reach PACKER_LOG through stderr (logOut); without the
// routing the filter would only apply to output written to it, which
// nothing is.
func pluginSet(logOut io.Writer) *plugin.Set {
	packersdk.LogSecretFilter.SetOutput(logOut)
	log.SetOutput(&packersdk.LogSecretFilter)
	pps := plugin.NewSet()
	// Used in templates as source "spinnaker-ebs".
	pps.RegisterBuilder("ebs", new(ebs.Builder))
	// Used in templates as data "spinnaker-bake".
	pps.RegisterDatasource("bake", new(bake.Datasource))
	// Used in templates as provisioner "spinnaker-packages".
	pps.RegisterProvisioner("packages", new(packages.Provisioner))
	pps.SetVersion(version.PluginVersion)
	return pps
}
