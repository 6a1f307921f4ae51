package rosco

import (
	"strings"
	"testing"
)

// Inputs where Rosco throws must fail here too, naming the input.
func TestParsePackageNameErrors(t *testing.T) {
	tests := []struct {
		typ PackageType
		in  string
	}{
		{Deb, "foo_-"},        // version field "-" splits into nothing
		{Deb, "foo_--_amd64"}, // same with an arch
		{Nupkg, "x.y.z+"},     // '+' with nothing after it
		{Nupkg, "a.b.+"},      // '+' alone
		{PackageType("apk"), "x"},
	}
	for _, tt := range tests {
		got, err := ParsePackageName(tt.typ, tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.in) {
			t.Errorf("ParsePackageName(%s, %q) = %+v, %v; want an error naming the input", tt.typ, tt.in, got, err)
		}
	}
	if _, err := PackagesParameter(Deb, "kato foo_-"); err == nil {
		t.Error("PackagesParameter with a throwing entry: want an error")
	}
}

func TestParsePackageNameQuirks(t *testing.T) {
	tests := []struct {
		typ                          PackageType
		in                           string
		name, version, release, arch string
	}{
		{Nupkg, "a\rnupkg.b.c", "a\rnupkg.b.c", "", "", ""}, // Java's '.' does not match '\r'
		{Nupkg, "xnupkg", "", "", "", ""},                   // nothing left: name "" (dropped later)
		{Nupkg, "pkg.x.2019-01", "pkg.x", "2019", "01", ""}, // version field starting with a digit and holding '-'
		{Nupkg, "a+b+c.d.e", ".a", "", "+b", ""},            // only the first metadata piece is kept
	}
	for _, tt := range tests {
		p, err := ParsePackageName(tt.typ, tt.in)
		if err != nil {
			t.Fatalf("ParsePackageName(%s, %q): %v", tt.typ, tt.in, err)
		}
		got := [4]string{p.Name(), p.Version(), p.Release(), p.Arch()}
		if want := [4]string{tt.name, tt.version, tt.release, tt.arch}; got != want {
			t.Errorf("ParsePackageName(%s, %q) = %q; want %q", tt.typ, tt.in, got, want)
		}
	}
}

func TestParsePackageType(t *testing.T) {
	for in, want := range map[string]PackageType{"deb": Deb, "RPM": RPM, "NuPkg": Nupkg} {
		if got, err := ParsePackageType(in); err != nil || got != want {
			t.Errorf("ParsePackageType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePackageType("apk"); err == nil || !strings.Contains(err.Error(), `"apk"`) {
		t.Errorf("ParsePackageType(apk): err = %v; want an error naming the value", err)
	}
}

// The names split package_name on ' ' only, the key on all whitespace.
func TestTabSeparatesInKeyButNotInNames(t *testing.T) {
	r := Request{PackageName: "kato\tredis", BaseOS: "ubuntu", AMISuffix: "1"}
	if got := BakeKey(r, "us-east-1", "hvm"); got != "bake:aws:ubuntu:kato|redis:us-east-1:hvm:enhancedNWDisabled" {
		t.Errorf("BakeKey = %q", got)
	}
	if got, err := ImageName(Deb, r, 0); err != nil || got != "kato\tredis-all-1-ubuntu" {
		t.Errorf("ImageName = %q, %v", got, err)
	}
}

func TestBakeKeyWithoutAnyVMType(t *testing.T) {
	got := BakeKey(Request{BaseOS: "ubuntu"}, "us-east-1", "")
	if want := "bake:aws:ubuntu::us-east-1:null:enhancedNWDisabled"; got != want {
		t.Errorf("BakeKey = %q; want %q (Groovy renders the null vm type)", got, want)
	}
}

// An artifact with no name heads the list with a null name: no appversion,
// and the image name falls back to the remaining parts.
func TestNamelessArtifactFirst(t *testing.T) {
	r := Request{PackageArtifacts: []Artifact{{Reference: "x"}}, BaseOS: "bionic", AMISuffix: "1"}
	if v, ok, err := AppVersion(Deb, r); err != nil || ok {
		t.Errorf("AppVersion = %q, %v, %v; want none", v, ok, err)
	}
	if got, err := ImageName(Deb, r, 0); err != nil || got != "all-1-bionic" {
		t.Errorf("ImageName = %q, %v; want all-1-bionic", got, err)
	}
}
