//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,RepositoryConfig
//go:generate go tool packer-sdc struct-markdown

package packages

import (
	"github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
)

// Config is the user-facing configuration of the `spinnaker-packages`
// provisioner. Rosco's template variables are all strings, so every field
// Rosco passes is a string here too ("true", "false", "") and is validated in
// Prepare; list-shaped alternatives exist for hand-written templates.
type Config struct {
	common.PackerConfig `mapstructure:",squash"`

	// Rosco's `repository` variable: `;`-separated entries. For deb each entry
	// is the rest of a `deb` line (apt options such as `[trusted=yes]` or
	// `[signed-by=...]` allowed); for rpm each entry is a `baseurl`
	// (optionally preceded by `[trusted=yes]`). One surrounding pair of `"` or
	// `'` is stripped. Empty entries are an error.
	Repository string `mapstructure:"repository"`
	// Repositories as blocks (HCL2) or as a list of strings and objects
	// (JSON). A block either has `line` (an entry in the `repository` format)
	// or `url` plus `distribution`/`components` (deb) and a key.
	Repositories []RepositoryConfig `mapstructure:"repositories"`
	// `deb` or `rpm`. Empty means: detect on the target (dpkg, else rpm).
	PackageType string `mapstructure:"package_type"`
	// Rosco's `packages` variable: names separated by spaces or commas, one
	// surrounding pair of `"` or `'` stripped. Tokens are `name`,
	// `name=version` (deb), `name-version-release` (rpm) or Rosco artifact
	// file names such as `kato_1.0-h12.abc1234_all` (deb). In JSON a list of
	// strings is accepted too.
	Packages string `mapstructure:"packages"`
	// The same tokens as `packages`, as a list. Appended after `packages`.
	PackageList []string `mapstructure:"package_list"`
	// `ordered` (Rosco's semantics: each package is installed and configured
	// before the next one is touched, a failure stops the run) or
	// `single_transaction` (one package-manager transaction). Default
	// `ordered`.
	InstallOrder string `mapstructure:"install_order"`
	// Rosco's `upgrade`: `true` runs `unattended-upgrade -v` on deb (what
	// Rosco does; it needs the unattended-upgrades package) and
	// `dnf -y upgrade` on rpm, before the installs. `false` or empty: no
	// upgrade.
	Upgrade string `mapstructure:"upgrade"`
	// Rosco's `disable_services`: keep package scripts from starting services
	// during the install (a `/usr/sbin/policy-rc.d` that exits 101 on deb).
	// `true`, `false`, or empty for the default `true`.
	DisableServices string `mapstructure:"disable_services"`
	// Units to enable (never start) after the installs, for example
	// `["hello-svc", "hello-svc.socket"]`. A name without a suffix means
	// `.service`. An element may list several names separated by commas;
	// a name containing whitespace is refused.
	Services []string `mapstructure:"services"`
	// Path, on the machine running Packer, of Rosco's artifacts.json: a JSON
	// array whose entries have a `reference`; its last whitespace-separated
	// field is a package, the rest a repository entry.
	ArtifactsFile string `mapstructure:"artifacts_file"`
	// Wait for `cloud-init status --wait` before touching the package
	// manager. Default: on when `cloud-init` exists on the target.
	WaitForCloudInit *bool `mapstructure:"wait_for_cloud_init"`
	// How long to wait for the package-manager locks held by other processes
	// (dpkg's, apt's lists lock, dnf's rpm database and metadata locks), as a
	// Go duration of whole seconds (`0` or at least `1s`; fractions are
	// rounded up). Default `5m`.
	LockTimeout string `mapstructure:"lock_timeout"`
	// Keep the repository definitions in the image: the sources file (deb)
	// or `.repo` file (rpm), the key files, and for repositories with
	// credentials apt's `/etc/apt/auth.conf.d/` file (mode 0600; the
	// sources file then has none, except a token-only URL, which apt's
	// auth.conf cannot hold: that sources file is mode 0600) or the `.repo`
	// file (mode 0600, dnf's `username`/`password`). Default false: they are
	// removed after the installs, as Rosco does, whatever the outcome.
	KeepRepositories bool `mapstructure:"keep_repositories"`
	// Run privileged commands through `sudo -n`. Default: only when the SSH
	// user is not root. `sudo -n` fails fast when a password would be needed.
	Sudo *bool `mapstructure:"sudo"`
	// deb only: `auto` (default) refreshes only the added sources when the
	// distribution's package lists are younger than `apt_lists_max_age`, and
	// every source otherwise; `full` always refreshes every source; `scoped`
	// always refreshes only the added sources.
	AptUpdate string `mapstructure:"apt_update"`
	// Maximum age of the distribution's package lists for `apt_update = auto`
	// to skip refreshing them, as a Go duration. Default `24h`.
	AptListsMaxAge string `mapstructure:"apt_lists_max_age"`
	// Path, on the machine running Packer, to write the image's inventory to: a CycloneDX 1.6 JSON
	// document listing every package installed on the target (taken after the installs, before
	// cleanup), the requested ones as the image's direct dependencies with the repository they
	// came from. Default: none written. The `spinnaker-ebs` builder tags the image with the
	// document's SHA-256 when its own `sbom_file` names the same path.
	SBOMFile string `mapstructure:"sbom_file"`
	// The bake key the inventory's metadata names (for example `data.spinnaker-bake.app.key`).
	// Only used with `sbom_file`.
	SBOMBakeKey string `mapstructure:"sbom_bake_key"`
	// The image name the inventory describes (for example the builder's `ami_name`). Only used
	// with `sbom_file`. The source AMI comes from the builder (amazon-ebs's `SourceAMI`).
	SBOMImageName string `mapstructure:"sbom_image_name"`

	ctx interpolate.Context
}

// RepositoryConfig is one entry of `repositories`.
type RepositoryConfig struct {
	// An entry in the format of Rosco's `repository` variable. Excludes the
	// other fields except `name`.
	Line string `mapstructure:"line"`
	// Repository URL (deb: the URI of the source; rpm: the baseurl).
	// Credentials in the URL are used but never printed.
	URL string `mapstructure:"url"`
	// deb: the suite, e.g. `bookworm`, or `./` for a flat repository.
	// Default `./`.
	Distribution string `mapstructure:"distribution"`
	// deb: components, e.g. `["main"]`. Must be empty for a flat repository.
	Components []string `mapstructure:"components"`
	// URL of the repository's signing key: `https`, or plain `http` only
	// together with `key_fingerprint` (which pins the key, so the transport
	// no longer matters). The Packer host fetches it,
	// refuses redirects that leave https, checks that it holds OpenPGP public
	// keys only (and only the `key_fingerprint` key), and writes the parsed
	// keys to /etc/apt/keyrings (deb) or /etc/pki/rpm-gpg (rpm, as dnf's
	// `gpgkey`).
	KeyURL string `mapstructure:"key_url"`
	// The signing key itself: one or more ASCII-armored public key blocks.
	Key string `mapstructure:"key"`
	// Path on the Packer host of the signing key: armored blocks or a
	// binary keyring.
	KeyFile string `mapstructure:"key_file"`
	// The OpenPGP fingerprint of the key (`key_url`, `key` or `key_file`),
	// as `gpg --fingerprint` prints it (spaces and case do not matter). The
	// key material must then hold that key and no other, since apt and dnf
	// trust every key in it; anything else fails the bake before the target
	// is touched. Without it a keyring of several keys is accepted. Either
	// way only the parsed public keys reach the target, re-serialized, never
	// the given bytes.
	KeyFingerprint string `mapstructure:"key_fingerprint"`
	// Explicitly skip signature checks for this repository
	// (`[trusted=yes]` / `gpgcheck=0`). Excludes every key field; the bake
	// prints a warning naming the repository.
	Trusted bool `mapstructure:"trusted"`
	// A name for logs and file names; letters, digits, `-`, `_`, `.`.
	Name string `mapstructure:"name"`
}
