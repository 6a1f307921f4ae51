//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom/cdxschema"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// readSBOM checks that path holds a CycloneDX 1.6 document that validates against the
// CycloneDX project's schema and that cyclonedx-go's decoder reads, and that the build output
// named its digest.
func readSBOM(t *testing.T, path, out string) (*cdx.BOM, []byte) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("sbom_file: %v\n%s", err, out)
	}
	if err := cdxschema.Validate(doc); err != nil {
		t.Fatalf("the SBOM does not validate against CycloneDX 1.6: %v\n%s", err, doc)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 {
		t.Errorf("spec version %s, want 1.6", bom.SpecVersion)
	}
	if want := fmt.Sprintf("inventory: %s (CycloneDX 1.6, sha256 %s)", path, sbom.Digest(doc)); !strings.Contains(out, want) {
		t.Errorf("build output lacks %q", want)
	}
	return &bom, doc
}

func componentNamed(bom *cdx.BOM, name string) *cdx.Component {
	for i, c := range *bom.Components {
		if c.Name == name && c.Type == cdx.ComponentTypeLibrary {
			return &(*bom.Components)[i]
		}
	}
	return nil
}

// directDependencies are the refs the image (the metadata component) depends on.
func directDependencies(bom *cdx.BOM) []string {
	for _, d := range *bom.Dependencies {
		if d.Ref == bom.Metadata.Component.BOMRef && d.Dependencies != nil {
			return *d.Dependencies
		}
	}
	return nil
}

// buildWithSBOM bakes on tg from the repository at url (signed with key, served at keyURL) and
// returns the output and the sbom_file path; body adds the package and sbom settings.
func buildWithSBOM(t *testing.T, tg *harness.Target, url string, key harness.Key, body string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sbom.json")
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url     = %q
      key_url         = %q
      key_fingerprint = %q
    }
    sbom_file = %q
%s`, url, tg.Repos.KeyURL(key), key.Fingerprint, path, body))
	mustSucceed(t, out, err)
	return out, path
}

// wantRequested checks the requested package's component: its exact version, the repository it
// came from, and that it is the image's one direct dependency.
func wantRequested(t *testing.T, bom *cdx.BOM, doc []byte, name, version, repo string) *cdx.Component {
	t.Helper()
	c := componentNamed(bom, name)
	if c == nil {
		t.Fatalf("no %s component:\n%s", name, doc)
	}
	if c.Version != version {
		t.Errorf("%s version %q, want %s", name, c.Version, version)
	}
	repo = strings.TrimSuffix(repo, "/")
	if c.ExternalReferences == nil || strings.TrimSuffix((*c.ExternalReferences)[0].URL, "/") != repo {
		t.Errorf("%s repository %+v, want %s", name, c.ExternalReferences, repo)
	}
	if deps := directDependencies(bom); len(deps) != 1 || deps[0] != c.BOMRef {
		t.Errorf("the image's direct dependencies %q, want %s only", deps, name)
	}
	return c
}

func TestPackagesSBOMDebian(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	authURL := tg.Repos.WithAuth(tg.Repos.AptAuth)
	out, path := buildWithSBOM(t, tg, authURL, tg.Repos.RepoKey, `
    packages        = "hello-svc=1.0.0-h5"
    sbom_bake_key   = "e2e-key"
    sbom_image_name = "hello-svc-all-e2e"`)
	bom, doc := readSBOM(t, path, out)
	for _, secret := range append(tg.Repos.AuthForms(), tg.Repos.AuthUser+":") {
		if strings.Contains(string(doc), secret) {
			t.Errorf("the SBOM holds the repository credentials (%q)", secret)
		}
	}

	// The pinned package, with its exact version (the repository's candidate is 1.0.1-h6) and
	// the repository it came from.
	svc := wantRequested(t, bom, doc, "hello-svc", "1.0.0-h5", tg.Repos.AptAuth)
	if !strings.HasPrefix(svc.PackageURL, "pkg:deb/debian/hello-svc@1.0.0-h5?arch=all&distro=debian-12&repository_url=") {
		t.Errorf("hello-svc purl %q", svc.PackageURL)
	}
	// Its dependency is listed, as every installed package is.
	if lib := componentNamed(bom, "hello-lib"); lib == nil || lib.Version != "1.0.0-h5" {
		t.Errorf("hello-lib component %+v", lib)
	}
	installed, err := strconv.Atoi(strings.TrimSpace(tg.MustRun(t, `dpkg-query -W -f='${db:Status-Abbrev}\n' | grep -c '^ii'`)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(*bom.Components) - 1; n != installed {
		t.Errorf("%d package components, the target has %d packages installed", n, installed)
	}
	props := map[string]string{}
	for _, p := range *bom.Metadata.Component.Properties {
		props[p.Name] = p.Value
	}
	if bom.Metadata.Component.Name != "hello-svc-all-e2e" || props[sbom.PropertyBakeKey] != "e2e-key" {
		t.Errorf("metadata %+v %v", bom.Metadata.Component, props)
	}
	// Collected before cleanup, which still ran.
	assertCleanedUp(t, tg)
}

func TestPackagesSBOMRPM(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	out, path := buildWithSBOM(t, tg, tg.Repos.RPM, tg.Repos.RPMKey, `
    packages = "hello-svc-1.0.0-h5"`)
	bom, doc := readSBOM(t, path, out)
	wantRequested(t, bom, doc, "hello-svc", "1.0.0-h5", tg.Repos.RPM)
	assertCleanedUp(t, tg)
}
