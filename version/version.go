// Package version holds the plugin version. Release builds overwrite Version and
// VersionPrerelease through -ldflags (see .goreleaser.yml and GNUmakefile).
package version

import "github.com/hashicorp/packer-plugin-sdk/version"

var (
	// Version is the main version number of the plugin.
	Version = "0.1.0"
	// VersionPrerelease marks a pre-release build, for example "dev".
	VersionPrerelease = "dev"
	// VersionMetadata is build metadata appended after a "+".
	VersionMetadata = ""
	// PluginVersion is what the plugin reports to Packer through `describe`.
	PluginVersion = version.NewPluginVersion(Version, VersionPrerelease, VersionMetadata)
)
