// Package sbom turns what a target reports about its installed packages into a CycloneDX 1.6
// JSON document: the inventory (software bill of materials) of a baked image.
//
// The package owns these policies:
//   - Which installed-package query runs on the target and how its output is read: the formats
//     DpkgQueryFormat and RPMQueryFormat, and which dpkg states count as installed (every state
//     whose files are on disk: all but not-installed and config-files). rpm's gpg-pubkey entries
//     are keys, not packages, and are left out.
//   - Where a requested package came from: apt's version table for the installed version
//     (ParseAptPolicy), or the repository id dnf recorded (ParseRPMOrigins).
//   - The package URL of each component (purl type deb or rpm, the distribution's os-release ID
//     as namespace, the distro qualifier ID-VERSION_ID).
//   - That no credential reaches the document: every URL and every free-text value from the
//     request passes through redact.URLCredentials first.
//
// Nothing here runs a command: the provisioner runs the queries and hands their output over.
package sbom
