package packages

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/version"
)

// inventoryOutput splits the inventory step's output by marker.
type inventoryOutput struct {
	osRelease, installed, origins string
}

func splitInventory(lines []string) inventoryOutput {
	var os, inst, orig strings.Builder
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, osMarker):
			os.WriteString(strings.TrimPrefix(l, osMarker) + "\n")
		case strings.HasPrefix(l, installedMarker):
			inst.WriteString(strings.TrimPrefix(l, installedMarker) + "\n")
		case strings.HasPrefix(l, originMarker):
			orig.WriteString(strings.TrimPrefix(l, originMarker) + "\n")
		}
	}
	return inventoryOutput{osRelease: os.String(), installed: inst.String(), origins: orig.String()}
}

// inventoryMeta is what the document says about the bake besides the packages.
type inventoryMeta struct {
	BakeKey, ImageName, SourceAMI string
	Time                          time.Time
	// RepoURLs maps the added dnf repository ids to their URLs (rpm).
	RepoURLs map[string]string
}

// buildInventory makes the CycloneDX document from the inventory step's output. mask is applied
// to every line first: the origins name repository URLs, and no credential may reach the file.
func buildInventory(t PackageType, requested []string, lines []string, meta inventoryMeta, mask func(string) string) ([]byte, error) {
	masked := make([]string, len(lines))
	for i, l := range lines {
		masked[i] = mask(l)
	}
	out := splitInventory(masked)
	osr, err := sbom.ParseOSRelease(strings.NewReader(out.osRelease))
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	in := sbom.Input{
		OS:          osr,
		Requested:   requested,
		ImageName:   mask(meta.ImageName),
		BakeKey:     mask(meta.BakeKey),
		SourceAMI:   meta.SourceAMI,
		Time:        meta.Time,
		ToolName:    "packer-plugin-spinnaker",
		ToolVersion: version.PluginVersion.String(),
	}
	switch t {
	case Deb:
		in.Format = sbom.Deb
		in.Packages, err = sbom.ParseDpkgQuery(strings.NewReader(out.installed))
		if err == nil {
			in.Origins, err = sbom.ParseAptPolicy(strings.NewReader(out.origins))
		}
	case RPM:
		in.Format = sbom.RPM
		in.Packages, err = sbom.ParseRPMQuery(strings.NewReader(out.installed))
		if err == nil {
			in.Origins, err = sbom.ParseRPMOrigins(strings.NewReader(out.origins), meta.RepoURLs)
		}
	default:
		err = fmt.Errorf("package type %q", t)
	}
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	bom, err := sbom.Build(in)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return sbom.Encode(bom)
}

// writeFileAtomic writes data to path through a temporary file in the same directory, so a
// reader (the spinnaker-ebs builder computing the digest) never sees half a document.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write sbom_file %q: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write sbom_file %q: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write sbom_file %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write sbom_file %q: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write sbom_file %q: %w", path, err)
	}
	return nil
}
