package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom/cdxschema"
)

func debInput(t *testing.T) Input {
	t.Helper()
	pkgs, err := ParseDpkgQuery(strings.NewReader(
		"bench-a\t1.0-1\tall\tinstall ok installed\n" +
			"bench-c\t1:2.0-3\tamd64\tinstall ok installed\n" +
			"libc6\t2.36-9+deb12u4\tamd64\tinstall ok installed\n"))
	if err != nil {
		t.Fatal(err)
	}
	origins, err := ParseAptPolicy(strings.NewReader(aptPolicy))
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Format:       Deb,
		OS:           OSRelease{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Packages:     pkgs,
		Requested:    []string{"bench-c", "bench-a"},
		Origins:      origins,
		ImageName:    "bench-a-all-20261206040000-bookworm",
		BakeKey:      "bake:aws:hvm:bench-a|bench-c:http://deploy:s3cret@127.0.0.1:8080/repo",
		SourceAMI:    "ami-0123456789abcdef0",
		Time:         time.Date(2026, 12, 6, 4, 0, 0, 0, time.FixedZone("x", 3600)),
		SerialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
		ToolName:     "packer-plugin-spinnaker",
		ToolVersion:  "0.1.0",
	}
}

func TestDocumentValidatesAndReads(t *testing.T) {
	rpmIn := Input{
		Format:    RPM,
		OS:        OSRelease{ID: "rocky", VersionID: "9.4"},
		Packages:  []Package{{Name: "bench-a", Epoch: "2", Version: "1.0", Release: "1.el9", Arch: "noarch"}},
		Requested: []string{"bench-a"},
		Origins:   map[string][]Origin{"bench-a": {{URL: "https://repo.example/el9", Label: "spinnaker"}}},
		Time:      time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC),
	}
	tests := []struct {
		name      string
		in        Input
		wantPurls map[string]string // component name -> purl
		wantRefs  []string          // the image's direct dependencies
	}{{
		name: "deb",
		in:   debInput(t),
		wantPurls: map[string]string{
			"bench-a": "pkg:deb/debian/bench-a@1.0-1?arch=all&distro=debian-12&repository_url=http:%2F%2F%2A%2A%2A%40127.0.0.1:8080%2Frepo",
			"bench-c": "pkg:deb/debian/bench-c@1:2.0-3?arch=amd64&distro=debian-12",
			"libc6":   "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
		},
		wantRefs: []string{"pkg:deb/debian/bench-a@1.0-1?arch=all&distro=debian-12", "pkg:deb/debian/bench-c@1:2.0-3?arch=amd64&distro=debian-12"},
	}, {
		name: "rpm",
		in:   rpmIn,
		wantPurls: map[string]string{
			"bench-a": "pkg:rpm/rocky/bench-a@1.0-1.el9?arch=noarch&distro=rocky-9.4&epoch=2&repository_url=https:%2F%2Frepo.example%2Fel9",
		},
		wantRefs: []string{"pkg:rpm/rocky/bench-a@1.0-1.el9?arch=noarch&distro=rocky-9.4&epoch=2"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bom, err := Build(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Encode(bom)
			if err != nil {
				t.Fatal(err)
			}
			if err := cdxschema.Validate(doc); err != nil {
				t.Fatalf("document does not validate against CycloneDX 1.6: %v\n%s", err, doc)
			}
			if strings.Contains(string(doc), "s3cret") || strings.Contains(string(doc), "deploy") {
				t.Errorf("repository credentials in the document:\n%s", doc)
			}

			// Read it back with the CycloneDX library's decoder, as a consumer would.
			var got cdx.BOM
			if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got.SpecVersion != cdx.SpecVersion1_6 || got.BOMFormat != "CycloneDX" {
				t.Errorf("spec %v format %q, want 1.6 CycloneDX", got.SpecVersion, got.BOMFormat)
			}
			purls := map[string]string{}
			for _, c := range *got.Components {
				if c.Type == cdx.ComponentTypeLibrary {
					purls[c.Name] = c.PackageURL
				}
			}
			if len(purls) != len(tt.wantPurls) {
				t.Errorf("components %v, want %v", purls, tt.wantPurls)
			}
			for name, want := range tt.wantPurls {
				if purls[name] != want {
					t.Errorf("purl of %s = %q, want %q", name, purls[name], want)
				}
			}
			deps := *got.Dependencies
			if len(deps) != 1 || deps[0].Ref != got.Metadata.Component.BOMRef || strings.Join(*deps[0].Dependencies, " ") != strings.Join(tt.wantRefs, " ") {
				t.Errorf("dependencies %+v, want the image depending on %v", deps, tt.wantRefs)
			}
		})
	}
}

func TestDocumentMetadata(t *testing.T) {
	bom, err := Build(debInput(t))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Encode(bom)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		SerialNumber string
		Metadata     struct {
			Timestamp string
			Component struct {
				Name       string
				Properties []cdx.Property
			}
			Tools struct{ Components []cdx.Component }
		}
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Metadata.Timestamp != "2026-12-06T03:00:00Z" {
		t.Errorf("timestamp %q, want UTC 2026-12-06T03:00:00Z", raw.Metadata.Timestamp)
	}
	if raw.SerialNumber != "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" {
		t.Errorf("serial %q", raw.SerialNumber)
	}
	props := map[string]string{}
	for _, p := range raw.Metadata.Component.Properties {
		props[p.Name] = p.Value
	}
	if props[PropertySourceAMI] != "ami-0123456789abcdef0" || props[PropertyBakeKey] != "bake:aws:hvm:bench-a|bench-c:http://***@127.0.0.1:8080/repo" {
		t.Errorf("image properties %v", props)
	}
	if raw.Metadata.Component.Name != "bench-a-all-20261206040000-bookworm" {
		t.Errorf("image name %q", raw.Metadata.Component.Name)
	}
	if len(raw.Metadata.Tools.Components) != 1 || raw.Metadata.Tools.Components[0].Name != "packer-plugin-spinnaker" {
		t.Errorf("tools %+v", raw.Metadata.Tools.Components)
	}
	again, _ := Encode(bom)
	if Digest(doc) != Digest(again) || len(Digest(doc)) != 64 {
		t.Errorf("digest not stable or not SHA-256 hex: %s", Digest(doc))
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Input)
		wantErr string
	}{
		{"requested package not installed", func(in *Input) { in.Requested = []string{"bench-z"} }, `sbom: requested package "bench-z" is not installed on the target`},
		{"unknown format", func(in *Input) { in.Format = "nupkg" }, `package format "nupkg": want deb or rpm`},
		{"no distribution", func(in *Input) { in.OS = OSRelease{} }, "sbom: no distribution ID"},
		{"no time", func(in *Input) { in.Time = time.Time{} }, "sbom: no time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := debInput(t)
			tt.mutate(&in)
			_, err := Build(in)
			checkErr(t, err, tt.wantErr)
		})
	}
}
