package packages

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom/cdxschema"
)

// fakeAptPolicy is what apt-cache policy prints for a pinned package from a repository whose URL
// carries credentials (a token-only URL stays in the sources file).
const fakeAptPolicy = `hello-svc:
  Installed: 1.0.0-h5
  Candidate: 1.0.1-h6
  Version table:
     1.0.1-h6 500
        500 http://tok3n@127.0.0.1:8080/apt ./ Packages
 *** 1.0.0-h5 500
        500 http://tok3n@127.0.0.1:8080/apt ./ Packages
        100 /var/lib/dpkg/status`

// TestInventoryStepToDocument runs remote.sh's inventory step with fake dpkg-query and
// apt-cache, then makes the document from its output as Provision does.
func TestInventoryStepToDocument(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=debian\nVERSION_ID=\"12\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fakes := map[string]string{
		// The fake checks that the format arrives intact, then prints what dpkg-query would.
		"dpkg-query": `[ "$2" = '-f=${Package}\t${Version}\t${Architecture}\t${Status}\n' ] || { echo "bad format $2" >&2; exit 2; }
printf 'hello-svc\t1.0.0-h5\tall\tinstall ok installed\nbase-files\t12.4+deb12u5\tamd64\tinstall ok installed\ngone\t1\tamd64\tdeinstall ok config-files\n'`,
		"apt-cache": "cat <<'EOF'\n" + fakeAptPolicy + "\nEOF",
	}
	s := inventoryStep(Deb, []string{"hello-svc"})
	out, calls, err := runScript(t, dir, scriptData{Bake: "t1", Type: Deb, LockTimeout: 5, Root: root}, fakes, append([]string{"--in-session", s.Func}, s.Args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if calls[len(calls)-1] != "apt-cache policy hello-svc" {
		t.Errorf("calls %q", calls)
	}
	meta := inventoryMeta{BakeKey: "key-1", ImageName: "hello-svc-all-1", SourceAMI: "ami-0123456789abcdef0", Time: time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)}
	mask := func(s string) string { return strings.ReplaceAll(s, "tok3n", "***") }
	doc, err := buildInventory(Deb, []string{"hello-svc"}, strings.Split(out, "\n"), meta, mask)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "tok3n") {
		t.Errorf("credential in the document:\n%s", doc)
	}
	if err := cdxschema.Validate(doc); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	var svc *cdx.Component
	names := []string{}
	for i, c := range *bom.Components {
		names = append(names, c.Name)
		if c.Name == "hello-svc" {
			svc = &(*bom.Components)[i]
		}
	}
	if strings.Join(names, " ") != "base-files hello-svc debian" {
		t.Errorf("components %q, want the two installed packages and the distribution", names)
	}
	if svc == nil || svc.Version != "1.0.0-h5" || svc.ExternalReferences == nil || (*svc.ExternalReferences)[0].URL != "http://***@127.0.0.1:8080/apt" {
		t.Errorf("hello-svc component %+v", svc)
	}
	deps := (*bom.Dependencies)[0]
	if deps.Ref != "image" || len(*deps.Dependencies) != 1 || !strings.HasPrefix((*deps.Dependencies)[0], "pkg:deb/debian/hello-svc@1.0.0-h5") {
		t.Errorf("direct dependencies %+v", deps)
	}
}

func TestInventoryStepFailsWithTheQuery(t *testing.T) {
	s := inventoryStep(RPM, []string{"a"})
	out, _, err := runScript(t, t.TempDir(), scriptData{Bake: "t1", Type: RPM, LockTimeout: 5, DNF: "dnf"},
		map[string]string{"rpm": "echo 'rpmdb: broken' >&2; exit 1"}, append([]string{"--in-session", s.Func}, s.Args...)...)
	if err == nil || !strings.Contains(out, "spinnaker-packages: rpm -qa failed") {
		t.Errorf("a failed rpm query: %v\n%s", err, out)
	}
}

func TestBuildInventoryRPMOrigins(t *testing.T) {
	lines := []string{
		"noise from the batch",
		"@@os ID=rocky", "@@os VERSION_ID=9.4",
		"@@installed hello-svc\t(none)\t1.0.0\th5\tnoarch",
		"@@origin hello-svc spinnaker-packages-ab12cd34-0",
	}
	doc, err := buildInventory(RPM, []string{"hello-svc"}, lines, inventoryMeta{
		Time:     time.Now(),
		RepoURLs: map[string]string{"spinnaker-packages-ab12cd34-0": "http://127.0.0.1:8080/rpm"},
	}, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	want := `"purl": "pkg:rpm/rocky/hello-svc@1.0.0-h5?arch=noarch\u0026distro=rocky-9.4\u0026repository_url=http:%2F%2F127.0.0.1:8080%2Frpm"`
	if !strings.Contains(string(doc), want) && !strings.Contains(string(doc), strings.ReplaceAll(want, `\u0026`, "&")) {
		t.Errorf("document lacks %s:\n%s", want, doc)
	}
	if _, err := buildInventory(RPM, []string{"other"}, lines, inventoryMeta{Time: time.Now()}, func(s string) string { return s }); err == nil ||
		!strings.Contains(err.Error(), `inventory: sbom: requested package "other" is not installed on the target`) {
		t.Errorf("a requested package missing from the inventory: %v", err)
	}
}

func TestCheckSBOMConfig(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		cfg     Config
		wantErr string
	}{
		{Config{}, ""},
		{Config{SBOMFile: filepath.Join(dir, "sbom.json"), SBOMBakeKey: "k", SBOMImageName: "n"}, ""},
		{Config{SBOMFile: filepath.Join(dir, "missing", "sbom.json")}, `sbom_file "` + dir + `/missing/sbom.json": directory "` + dir + `/missing" does not exist on the machine running Packer`},
		{Config{SBOMBakeKey: "k"}, "sbom_bake_key and sbom_image_name need sbom_file"},
		{Config{SBOMFile: filepath.Join(dir, "a\nb")}, "sbom_file"},
	}
	for _, c := range cases {
		err := checkSBOMConfig(&c.cfg)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%+v: %v", c.cfg, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.wantErr)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sbom.json")
	if err := writeFileAtomic(path, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, []byte("{\"a\":1}\n")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "{\"a\":1}\n" {
		t.Errorf("file %q, %v", data, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// With added sources, apt is asked about them first (a small cache); only a package whose
// installed version none of them offers is asked of all sources.
func TestInventoryStepAsksTheAddedSourcesFirst(t *testing.T) {
	dir := t.TempDir()
	scoped := "a:\n  Installed: 1.0\n  Version table:\n *** 1.0 500\n        500 http://127.0.0.1:8080/apt ./ Packages\n        100 /var/lib/dpkg/status\n" +
		"b:\n  Installed: 2.0\n  Version table:\n     3.0 500\n        500 http://127.0.0.1:8080/apt ./ Packages\n *** 2.0 100\n        100 /var/lib/dpkg/status\n"
	full := "b:\n  Installed: 2.0\n  Version table:\n *** 2.0 500\n        500 http://deb.debian.org/debian bookworm/main amd64 Packages\n        100 /var/lib/dpkg/status\n"
	fakes := map[string]string{
		"dpkg-query": `printf 'a\t1.0\tall\tinstall ok installed\nb\t2.0\tall\tinstall ok installed\n'`,
		"apt-cache":  "case \"$*\" in *sourceparts=-*) printf '%s' " + shellQuote(scoped) + " ;; *) printf '%s' " + shellQuote(full) + " ;; esac",
	}
	s := inventoryStep(Deb, []string{"a", "b"})
	d := scriptData{Bake: "t1", Type: Deb, LockTimeout: 5, Layout: repoLayout{SourcesList: "/etc/apt/sources.list.d/x.list"}}
	out, calls, err := runScript(t, dir, d, fakes, append([]string{"--in-session", s.Func}, s.Args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []string{
		"apt-cache -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/x.list -o Dir::Etc::sourceparts=- -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= policy a b",
		"apt-cache policy b",
	}
	if got := calls[len(calls)-2:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	doc, err := buildInventory(Deb, []string{"a", "b"}, strings.Split("@@os ID=debian\n"+out, "\n"), inventoryMeta{Time: time.Now()}, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{`"url": "http://127.0.0.1:8080/apt"`, `"url": "http://deb.debian.org/debian"`} {
		if !strings.Contains(string(doc), url) {
			t.Errorf("document lacks %s", url)
		}
	}
}
