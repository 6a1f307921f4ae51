package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
)

// Input is everything a document is made of.
type Input struct {
	Format   Format
	OS       OSRelease
	Packages []Package
	// Requested are the names of the packages the bake installed: the image's direct
	// dependencies. Each must be among Packages.
	Requested []string
	// Origins gives requested packages their repositories (ParseAptPolicy, ParseRPMOrigins).
	Origins map[string][]Origin

	// ImageName names the image the document describes; BakeKey and SourceAMI say which bake made
	// it. Any of them may be empty when the build does not know it.
	ImageName string
	BakeKey   string
	SourceAMI string
	// Time is when the inventory was taken.
	Time time.Time
	// SerialNumber is the document's urn:uuid:... serial; a random one when empty.
	SerialNumber string
	// ToolName and ToolVersion name the program that wrote the document.
	ToolName    string
	ToolVersion string
}

// Property names the document uses beyond CycloneDX's own fields.
const (
	PropertyBakeKey   = "spinnaker:bake-key"
	PropertySourceAMI = "spinnaker:source-ami"
	PropertyEpoch     = "spinnaker:package:epoch"
	PropertyRelease   = "spinnaker:package:release"
	PropertyArch      = "spinnaker:package:arch"
)

// imageRef is the bom-ref of the image, the document's subject.
const imageRef = "image"

// Build makes the CycloneDX document of in: one library component per installed package with
// its purl as bom-ref, the distribution as an operating-system component, and the image as the
// metadata component whose direct dependencies are the requested packages.
func Build(in Input) (*cdx.BOM, error) {
	if _, err := ParseFormat(string(in.Format)); err != nil {
		return nil, err
	}
	if in.OS.ID == "" {
		return nil, fmt.Errorf("sbom: no distribution ID (os-release)")
	}
	if in.Time.IsZero() {
		return nil, fmt.Errorf("sbom: no time")
	}
	serial := in.SerialNumber
	if serial == "" {
		serial = uuid.New().URN()
	}

	byName := map[string][]int{}
	components := make([]cdx.Component, 0, len(in.Packages)+1)
	for _, p := range in.Packages {
		byName[p.Name] = append(byName[p.Name], len(components))
		components = append(components, component(in.Format, in.OS, p))
	}

	requested := append([]string(nil), in.Requested...)
	sort.Strings(requested)
	var direct []string
	for i, name := range requested {
		if i > 0 && name == requested[i-1] {
			continue
		}
		idx, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("sbom: requested package %q is not installed on the target", name)
		}
		for _, c := range idx {
			addOrigins(&components[c], in.Format, in.OS, in.Packages[c], in.Origins[name])
			direct = append(direct, components[c].BOMRef)
		}
	}

	osRef := "os:" + in.OS.Distro()
	if in.OS.Distro() == "" {
		osRef = "os:" + in.OS.ID
	}
	components = append(components, cdx.Component{
		BOMRef:      osRef,
		Type:        cdx.ComponentTypeOS,
		Name:        in.OS.ID,
		Version:     in.OS.VersionID,
		Description: in.OS.PrettyName,
	})

	var props []cdx.Property
	if in.BakeKey != "" {
		props = append(props, cdx.Property{Name: PropertyBakeKey, Value: redact.URLCredentials(in.BakeKey)})
	}
	if in.SourceAMI != "" {
		props = append(props, cdx.Property{Name: PropertySourceAMI, Value: redact.URLCredentials(in.SourceAMI)})
	}
	image := cdx.Component{
		BOMRef: imageRef,
		Type:   cdx.ComponentTypeOS,
		Name:   redact.URLCredentials(in.ImageName),
	}
	if image.Name == "" {
		image.Name = "image"
	}
	if len(props) > 0 {
		image.Properties = &props
	}

	bom := cdx.NewBOM()
	bom.SerialNumber = serial
	bom.Metadata = &cdx.Metadata{
		Timestamp: in.Time.UTC().Format(time.RFC3339),
		Component: &image,
	}
	if in.ToolName != "" {
		bom.Metadata.Tools = &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type:    cdx.ComponentTypeApplication,
			Name:    in.ToolName,
			Version: in.ToolVersion,
		}}}
	}
	bom.Components = &components
	deps := []cdx.Dependency{{Ref: imageRef, Dependencies: &direct}}
	bom.Dependencies = &deps
	return bom, nil
}

func component(f Format, osr OSRelease, p Package) cdx.Component {
	u := purl(f, osr, p, "")
	props := []cdx.Property{{Name: PropertyArch, Value: p.Arch}}
	if p.Epoch != "" {
		props = append(props, cdx.Property{Name: PropertyEpoch, Value: p.Epoch})
	}
	if p.Release != "" {
		props = append(props, cdx.Property{Name: PropertyRelease, Value: p.Release})
	}
	return cdx.Component{
		BOMRef:     u,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.EVR(),
		PackageURL: u,
		Properties: &props,
	}
}

// addOrigins records where a requested package came from: a distribution reference per
// repository, and the first repository's URL as the purl's repository_url. The bom-ref stays the
// plain purl so the dependency graph does not depend on the repository.
func addOrigins(c *cdx.Component, f Format, osr OSRelease, p Package, origins []Origin) {
	var refs []cdx.ExternalReference
	for _, o := range origins {
		if o.URL == "" {
			continue
		}
		refs = append(refs, cdx.ExternalReference{
			Type:    cdx.ERTypeDistribution,
			URL:     redact.URLCredentials(o.URL),
			Comment: o.Label,
		})
	}
	if len(refs) == 0 {
		return
	}
	c.ExternalReferences = &refs
	c.PackageURL = purl(f, osr, p, refs[0].URL)
}

// Encode writes bom as CycloneDX 1.6 JSON, indented, ending in a newline.
func Encode(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("encode CycloneDX 1.6: %w", err)
	}
	return buf.Bytes(), nil
}

// Digest is the SHA-256 of a document's bytes, in lower-case hex: the value of the
// spinnaker:sbom-sha256 image tag.
func Digest(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}
