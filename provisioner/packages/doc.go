// Package packages implements the `spinnaker-packages` provisioner: a Go
// replacement for Spinnaker Rosco's install_packages.sh that adds signed
// repositories, installs pinned deb/rpm packages in order, enables services
// without starting them, verifies the result and always cleans up.
//
// # Go and sh
//
// Go decides; the embedded script (remote.sh, run on the target as
// `sh run.sh <step> [args...]`) carries out. Go validates every input,
// decides what to install, from which sources, in which order, and judges
// each step's output; the script owns how each package-manager call is
// spelled and how long it waits. Imports flow one way: provision.go (one
// Provision call) uses steps.go (the executor), which uses batch.go (remote
// commands) and run.go (one command), over the pure files below them.
//
// # One owner per policy
//
//   - Which inputs are accepted, and how they are refused: grammar.go
//     (values, and URL credentials that would change the files
//     repofiles.go writes them to), package_spec.go (package tokens), repository.go
//     (repository entries, and the warnings for weakened signature checks),
//     request.go (the whole request: conflicts, limits, deferral of
//     `<unknown>` values is provisioner.go's).
//   - Repository keys (OpenPGP parsing of every block, key_fingerprint,
//     the re-serialized material written to the target, the gpg-pubkey
//     names rpm gives them, fetching on the Packer host, TLS across
//     redirects): keys.go.
//   - Where credentials go on the target (apt auth.conf.d, dnf
//     username/password, file modes): repofiles.go.
//   - Masking secrets in every line and error: mask.go; the UI that
//     applies it: output.go.
//   - Package-manager flags (apt, dpkg, dnf): remote.sh, section
//     "Package-manager flags". Go only decides whether a pinned version
//     may be a downgrade (plan.go, allowDowngrades).
//   - Lock waits: remote.sh, all bounded by lock_timeout: apt's
//     DPkg::Lock::Timeout (dpkg's frontend lock, for apt-get install),
//     run_waiting_for_lock for what cannot wait itself (dpkg's lock in
//     dpkg_install, apt's lists lock in apt-get update, which apt-daily
//     holds on a fresh instance), and dnf_run, which ends dnf's endless wait
//     for its rpm database or metadata lock (every dnf call, the
//     inventory's repoquery included). The provisioner never waits or
//     retries again; steps.go only names a lock failure. The duration,
//     lock_timeout, is parsed by request.go.
//   - Network retries: remote.sh (apt's Acquire::Retries) and dnf's own
//     retries; the provisioner never runs an update twice, and remote.sh
//     runs one again only after a refusal of the lists lock, before
//     anything was fetched. Keys fetched on the Packer host are retried by
//     keys.go.
//   - Update and resolution scope (added sources only, or all), and the
//     widening after a failed scoped resolution: plan.go. The inventory's
//     origin query has a scope of its own (the added sources first, then
//     all for what they do not offer): remote.sh (step_inventory).
//   - Install order and transactions: plan.go (the steps, and the apt-get
//     transactions of the fallback when apt's solution removes packages)
//     and deb_ordered.go (the dpkg transactions of a resolved deb request:
//     one per requested package, or one for single_transaction).
//   - Batching steps into remote commands, and the script's upload and the
//     cleanup's timing: batch.go. What cleanup removes: remote.sh
//     (step_cleanup, which removes only the gpg-pubkey packages that
//     step_prepare found missing).
//   - Verification of versions and units, and which installed instance
//     answers a request: verify.go; how versions compare (dpkg's and rpm's
//     rules, shared with request.go's conflict check): package_spec.go.
//   - The inventory (sbom_file): which queries and formats, and the
//     document, are internal/sbom's; when they run (after verify, before
//     cleanup) is plan.go's; turning their output into the file is
//     inventory.go's; the calls themselves are remote.sh's (step_inventory).
//
// # The Go↔sh protocol
//
// Lines that start with "@@" are for the provisioner only (run.go keeps
// them out of the UI); protocol.go defines them on the Go side:
//
//	@@step <id>                       a batch's step starts; 0 is the cleanup ending the batch
//	@@cleaned                         that cleanup finished
//	@@phase <text>                    progress inside a step (dpkg groups)
//	@@field <line>                    a control field of a downloaded .deb (apt_resolve)
//	@@arch <architecture>             verify: the target's native architecture (deb)
//	@@package <name:arch> <status>|<ver>  verify: one installed instance of a requested package
//	@@unit <name> <enabled> <active>  verify: one requested unit
//	@@os / @@installed / @@origin <line>  inventory: os-release, installed packages, origins
//
// Long argument lists travel as a file (`--args FILE`, one per line), not
// in the command line (batch.go).
package packages
