// Package strictkey computes a bake key that changes whenever the image's
// content can change.
//
// Rosco's bake key (see package rosco) leaves out the resolved base AMI, the
// repositories, the upgrade flag and the extended attributes, so a cached bake
// is reused after any of them changes and users get stale images. The strict
// key is "sha256:" followed by the hex SHA-256 of a canonical, versioned JSON
// document holding every input that shapes the image and nothing that does
// not (build metadata, the region). Equal inputs give byte-identical
// documents, so the key can be compared and the document kept for debugging.
package strictkey

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// SchemaV1 names the current document shape. Any change to the shape (a field
// added, removed, renamed or re-typed, or a change in normalisation) must
// introduce a new version, so that keys of different shapes never compare
// equal by accident.
const SchemaV1 = "spinnaker-bake/v1"

// Prefix starts every strict key; it names the hash so a future change of
// algorithm stays recognisable.
const Prefix = "sha256:"

// Artifact is a package artifact as the bake request names it.
type Artifact struct {
	Name      string `json:"name"`
	Reference string `json:"reference"`
}

// Inputs is everything that changes the content of a baked image. Values are
// hashed verbatim: callers resolve defaults first (for example the vm type
// and the cloud provider), so that equal bakes are spelled equally.
//
// Deliberately left out, because they do not change what is installed:
// ami_suffix and build_number/commit_hash/job (names and tags only; Orca also
// stamps a fresh suffix on every run), build_host and build_info_url (tags
// only), and the region (copies to other regions are copies of one image,
// keyed by the resolved SourceAMI of the build region).
type Inputs struct {
	// Schema is the document version; empty means SchemaV1.
	Schema            string `json:"schema"`
	CloudProviderType string `json:"cloud_provider_type"`
	BaseOS            string `json:"base_os"`
	// BaseAMI is the base image as requested (an id or a name).
	BaseAMI string `json:"base_ami"`
	// SourceAMI is the AMI id BaseAMI resolved to in the build region; a base
	// image update changes it even when the request stays the same.
	SourceAMI          string `json:"source_ami"`
	AMIName            string `json:"ami_name"`
	TemplateFileName   string `json:"template_file_name"`
	VarFileName        string `json:"var_file_name"`
	VMType             string `json:"vm_type"`
	EnhancedNetworking bool   `json:"enhanced_networking"`
	PackageType        string `json:"package_type"`
	// Packages are the install tokens in install order; order matters because
	// each package is installed in its own transaction.
	Packages         []string   `json:"packages"`
	PackageArtifacts []Artifact `json:"package_artifacts"`
	// Repositories are kept in the order given.
	Repositories []string `json:"repositories"`
	Upgrade      bool     `json:"upgrade"`
	// Extra holds user-chosen inputs (extra_key_inputs, extended attributes).
	Extra map[string]string `json:"extra"`
}

// Compute returns the strict key of in and the canonical document it hashes.
// It fails for an unknown schema version and for text that is not valid
// UTF-8, because JSON encoding would replace invalid bytes and let different
// inputs share a key.
func Compute(in Inputs) (key string, document []byte, err error) {
	doc, err := canonical(in)
	if err != nil {
		return "", nil, fmt.Errorf("strict key: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep '<', '>' and '&' literal in the document
	if err := enc.Encode(doc); err != nil {
		return "", nil, fmt.Errorf("strict key: encode document: %w", err)
	}
	document = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	sum := sha256.Sum256(document)
	return Prefix + hex.EncodeToString(sum[:]), document, nil
}

// namedText is a string input with the field name an error should report.
type namedText struct{ field, value string }

// canonical validates in and returns a copy whose absent lists and maps are
// empty rather than nil, so that both encode alike. Struct fields keep their
// declared order and encoding/json sorts map keys.
func canonical(in Inputs) (Inputs, error) {
	switch in.Schema {
	case "":
		in.Schema = SchemaV1
	case SchemaV1:
	default:
		return Inputs{}, fmt.Errorf("schema %q: only %q is supported", in.Schema, SchemaV1)
	}
	texts := []namedText{
		{"cloud_provider_type", in.CloudProviderType}, {"base_os", in.BaseOS}, {"base_ami", in.BaseAMI},
		{"source_ami", in.SourceAMI}, {"ami_name", in.AMIName}, {"template_file_name", in.TemplateFileName},
		{"var_file_name", in.VarFileName}, {"vm_type", in.VMType}, {"package_type", in.PackageType},
	}
	for i, p := range in.Packages {
		texts = append(texts, namedText{fmt.Sprintf("packages[%d]", i), p})
	}
	for i, a := range in.PackageArtifacts {
		texts = append(texts,
			namedText{fmt.Sprintf("package_artifacts[%d].name", i), a.Name},
			namedText{fmt.Sprintf("package_artifacts[%d].reference", i), a.Reference})
	}
	for i, r := range in.Repositories {
		texts = append(texts, namedText{fmt.Sprintf("repositories[%d]", i), r})
	}
	for k, v := range in.Extra {
		texts = append(texts,
			namedText{"extra key", k},
			namedText{fmt.Sprintf("extra[%q]", k), v})
	}
	for _, t := range texts {
		if !utf8.ValidString(t.value) {
			return Inputs{}, fmt.Errorf("%s %q: not valid UTF-8", t.field, t.value)
		}
	}

	in.Packages = append([]string{}, in.Packages...)
	in.PackageArtifacts = append([]Artifact{}, in.PackageArtifacts...)
	in.Repositories = append([]string{}, in.Repositories...)
	extra := make(map[string]string, len(in.Extra))
	for k, v := range in.Extra {
		extra[k] = v
	}
	in.Extra = extra
	return in, nil
}
