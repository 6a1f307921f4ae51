package packages

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func planFuncs(plan []step) []string {
	var out []string
	for _, s := range plan {
		f := s.Func
		if len(s.Args) > 0 {
			f += " " + strings.Join(s.Args, " ")
		}
		out = append(out, f)
	}
	return out
}

func TestBuildPlan(t *testing.T) {
	repo := sourceRepo{URL: mustURL("http://r/apt"), Distribution: "./"}
	pinned := []PackageSpec{{Name: "a", Version: "1-1"}, {Name: "b"}}
	cases := []struct {
		name string
		req  request
		opts planOptions
		want []string
	}{
		{"deb ordered, fresh lists", request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: pinned, Order: Ordered, Units: []string{"a.service"}},
			planOptions{ScopedUpdate: true},
			[]string{"prepare", "apt_update scoped", "apt_resolve full a=1-1 b", "enable a.service", "verify deb a b --units a.service"}},
		{"deb single transaction, stale lists, cloud-init, upgrade", request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: pinned, Order: SingleTransaction, Upgrade: true},
			planOptions{WaitCloudInit: true},
			[]string{"cloud_init", "prepare", "apt_update full", "apt_upgrade", "apt_resolve full a=1-1 b", "verify deb a b"}},
		{"deb no repositories: never scoped", request{Type: Deb, Packages: pinned[1:], Order: Ordered},
			planOptions{ScopedUpdate: true},
			[]string{"prepare", "apt_update full", "apt_resolve full b", "verify deb b"}},
		{"deb ordered, all pinned, fresh lists: scoped resolution", request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: pinned[:1], Order: Ordered},
			planOptions{ScopedUpdate: true},
			[]string{"prepare", "apt_update scoped", "apt_resolve scoped a=1-1", "verify deb a"}},
		{"deb nothing to do", request{Type: Deb}, planOptions{}, []string{"prepare"}},
		// dpkg-query answers `name:amd64` with nothing for an Architecture: all package: it is
		// asked for the name, and verify.go picks the instance.
		{"deb with an architecture", request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: []PackageSpec{{Name: "a:amd64", Version: "1-1"}}, Order: Ordered},
			planOptions{ScopedUpdate: true},
			[]string{"prepare", "apt_update scoped", "apt_resolve scoped a:amd64=1-1", "verify deb a"}},
		{"rpm ordered", request{Type: RPM, Repositories: []sourceRepo{repo}, Packages: []PackageSpec{{Name: "a", Version: "1-1"}, {Name: "b"}}, Order: Ordered},
			planOptions{},
			[]string{"prepare", "dnf_refresh", "dnf_install a-1-1", "dnf_install b", "verify rpm a b"}},
		{"rpm single, upgrade, no repo", request{Type: RPM, Packages: pinned, Order: SingleTransaction, Upgrade: true},
			planOptions{},
			[]string{"prepare", "dnf_upgrade", "dnf_install a-1-1 b", "verify rpm a b"}},
		// The inventory runs last, after verify: cleanup, which removes the added repositories,
		// only follows it.
		{"deb with sbom_file", request{Type: Deb, Repositories: []sourceRepo{repo}, Packages: pinned[:1], Order: Ordered, SBOMFile: "/tmp/x.json"},
			planOptions{ScopedUpdate: true},
			[]string{"prepare", "apt_update scoped", "apt_resolve scoped a=1-1", "verify deb a", "inventory deb ${Package}\\t${Version}\\t${Architecture}\\t${Status}\\n - a"}},
		{"rpm with sbom_file", request{Type: RPM, Packages: pinned[:1], Order: Ordered, SBOMFile: "/tmp/x.json"},
			planOptions{},
			[]string{"prepare", "dnf_install a-1-1", "verify rpm a", "inventory rpm %{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n %{name} %{from_repo} a"}},
	}
	for _, c := range cases {
		if got := planFuncs(buildPlan(&c.req, c.opts)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got  %q\n want %q", c.name, got, c.want)
		}
	}
}

func TestDecidePlanOptions(t *testing.T) {
	yes, no := true, false
	r := &request{AptUpdate: AptUpdateAuto, ListsMaxAge: time.Hour}
	if o := decidePlanOptions(r, facts{ListsAge: time.Minute, CloudInit: true}); !o.ScopedUpdate || !o.WaitCloudInit {
		t.Errorf("fresh lists with cloud-init: %+v", o)
	}
	if o := decidePlanOptions(r, facts{ListsAge: 2 * time.Hour}); o.ScopedUpdate || o.WaitCloudInit {
		t.Errorf("stale lists: %+v", o)
	}
	if o := decidePlanOptions(r, facts{ListsAge: -1}); o.ScopedUpdate {
		t.Errorf("no lists: %+v", o)
	}
	r.WaitCloudInit = &no
	if o := decidePlanOptions(r, facts{CloudInit: true}); o.WaitCloudInit {
		t.Error("wait_for_cloud_init = false ignored")
	}
	r.WaitCloudInit = &yes
	if o := decidePlanOptions(r, facts{}); o.WaitCloudInit {
		t.Error("waiting for a cloud-init that does not exist")
	}
	r.AptUpdate = AptUpdateFull
	if o := decidePlanOptions(r, facts{ListsAge: 0}); o.ScopedUpdate {
		t.Error("apt_update = full ignored")
	}
}

func TestLayoutDeb(t *testing.T) {
	repos := []sourceRepo{
		{URL: mustURL("http://u:pw@10.0.0.1:8080/apt/"), Distribution: "./"},
		{URL: mustURL("https://deb.example.com/debian"), Distribution: "bookworm", Components: []string{"main", "contrib"}, Options: []string{"arch=amd64"}, Trusted: true},
	}
	keys := [][]byte{[]byte(testKey), nil}
	l := layoutRepositories(Deb, "b1", repos, keys)
	if len(l.Files) != 3 || l.Files[0].Path != "/etc/apt/keyrings/spinnaker-packages-b1-0.asc" || l.SourcesList != "/etc/apt/sources.list.d/spinnaker-packages-b1.list" {
		t.Fatalf("files %+v", l.Files)
	}
	// Credentials live in apt's auth.conf.d, private, never in the sources file.
	if auth := l.Files[1]; auth.Path != "/etc/apt/auth.conf.d/spinnaker-packages-b1.conf" || !auth.Secret ||
		string(auth.Content) != "machine http://10.0.0.1:8080/apt/ login u password pw\n" {
		t.Errorf("auth file %+v (%q)", auth, auth.Content)
	}
	list := string(l.Files[2].Content)
	if l.Files[2].Secret || strings.Contains(list, "pw") {
		t.Errorf("sources file holds credentials or is private:\n%s", list)
	}
	for _, want := range []string{
		"deb [signed-by=/etc/apt/keyrings/spinnaker-packages-b1-0.asc] http://10.0.0.1:8080/apt/ ./\n",
		"deb [arch=amd64 trusted=yes] https://deb.example.com/debian bookworm main contrib\n",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("sources list lacks %q:\n%s", want, list)
		}
	}
	if want := []string{"10.0.0.1:8080_apt_._*", "deb.example.com_debian_dists_bookworm_*"}; !reflect.DeepEqual(l.AptListGlobs, want) {
		t.Errorf("list globs %q, want %q", l.AptListGlobs, want)
	}
}

func TestLayoutRPM(t *testing.T) {
	repos := []sourceRepo{
		{URL: mustURL("http://tok:pa55@10.0.0.1:8080/rpm/"), KeyURL: "http://10.0.0.1:8080/RPM-GPG-KEY", Label: "fx"},
		{URL: mustURL("http://10.0.0.1:8080/other/"), Key: &repoKey{Armored: []byte(testKey)}},
		{URL: mustURL("http://10.0.0.1:8080/unsigned/"), Trusted: true},
	}
	// The key_url was fetched by the Packer host (keys[0]).
	l := layoutRepositories(RPM, "b2", repos, [][]byte{[]byte(testKey), []byte(testKey), nil})
	if !reflect.DeepEqual(l.DNFRepoIDs, []string{"spinnaker-packages-b2-0", "spinnaker-packages-b2-1", "spinnaker-packages-b2-2"}) {
		t.Errorf("ids %q", l.DNFRepoIDs)
	}
	byPath := map[string]string{}
	secret := map[string]bool{}
	for _, f := range l.Files {
		byPath[f.Path] = string(f.Content)
		secret[f.Path] = f.Secret
	}
	first := byPath["/etc/yum.repos.d/spinnaker-packages-b2-0.repo"]
	if !secret["/etc/yum.repos.d/spinnaker-packages-b2-0.repo"] || secret["/etc/yum.repos.d/spinnaker-packages-b2-1.repo"] {
		t.Errorf("only the .repo with credentials is private: %v", secret)
	}
	for _, want := range []string{"[spinnaker-packages-b2-0]", "baseurl=http://10.0.0.1:8080/rpm/", "username=tok", "password=pa55", "gpgcheck=1", "repo_gpgcheck=1", "gpgkey=file:///etc/pki/rpm-gpg/spinnaker-packages-b2-0.asc", "skip_if_unavailable=False"} {
		if !strings.Contains(first, want+"\n") {
			t.Errorf("repo 0 lacks %q:\n%s", want, first)
		}
	}
	if !strings.Contains(byPath["/etc/yum.repos.d/spinnaker-packages-b2-1.repo"], "gpgkey=file:///etc/pki/rpm-gpg/spinnaker-packages-b2-1.asc\n") {
		t.Error("inline key not referenced")
	}
	if !strings.Contains(byPath["/etc/yum.repos.d/spinnaker-packages-b2-2.repo"], "gpgcheck=0\n") {
		t.Error("trusted repo still checks signatures")
	}
}

func TestRenderScriptQuotesData(t *testing.T) {
	l := layoutRepositories(Deb, "b3", []sourceRepo{{URL: mustURL("http://u:it's@r/apt"), Distribution: "./"}}, [][]byte{nil})
	s := renderScript(scriptData{Bake: "b3", Type: Deb, Stage: "/tmp/spinnaker-packages.x", LockTimeout: 300, Layout: l})
	if strings.Contains(s, "it's@") {
		t.Error("file content not encoded")
	}
	if !strings.Contains(s, "LIST_FILE='/etc/apt/sources.list.d/spinnaker-packages-b3.list'") || !strings.Contains(s, "step_cleanup()") {
		t.Error("script incomplete")
	}
}

func TestRepositoriesDeduplicatedInOrder(t *testing.T) {
	var p Provisioner
	err := p.Prepare(map[string]interface{}{
		"package_type": "deb",
		"repository":   "http://b.example.com/apt x main;http://a.example.com/apt x main;http://b.example.com/apt x main",
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.req.Repositories {
		got = append(got, r.URL.Host)
	}
	if want := []string{"b.example.com", "a.example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("repositories %q, want %q (configured order, duplicates dropped)", got, want)
	}
}

// TestRenderedScriptParses runs `sh -n` on a full bake script: a syntax
// error would otherwise only show on a target.
func TestRenderedScriptParses(t *testing.T) {
	l := layoutRepositories(Deb, "b4", []sourceRepo{{URL: mustURL("http://r/apt"), Distribution: "./"}}, [][]byte{[]byte(testKey)})
	script := renderScript(scriptData{Bake: "b4", Type: Deb, Stage: "/tmp/spinnaker-packages.x", LockTimeout: 300, Layout: l, AllowDowngrades: true})
	path := filepath.Join(t.TempDir(), "run.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, shell := range []string{"sh", "bash"} {
		if out, err := exec.Command(shell, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", shell, err, out)
		}
	}
	if out, err := exec.Command("sh", "-n", "-c", detectScript).CombinedOutput(); err != nil {
		t.Errorf("detect script: %v\n%s", err, out)
	}
}

// The file the target runs is the rendered script, not remote.sh alone:
// shellcheck reads it whole (`make lint-shell` covers the sources).
func TestRenderedScriptPassesShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		if ci := strings.ToLower(os.Getenv("CI")); ci == "true" || ci == "1" {
			t.Fatal("shellcheck is not installed (test/host-deps.sh installs it)")
		}
		t.Skip("shellcheck is not installed; run test/host-deps.sh")
	}
	repos := []sourceRepo{{URL: mustURL("http://u:p@r/apt"), Distribution: "./"}, {URL: mustURL("http://r/b"), Distribution: "./", Trusted: true}}
	l := layoutRepositories(Deb, "b5", repos, [][]byte{[]byte(testKey), nil})
	script := renderScript(scriptData{Bake: "b5", Type: Deb, Stage: "/tmp/spinnaker-packages.x", LockTimeout: 300, Layout: l, AllowDowngrades: true})
	path := filepath.Join(t.TempDir(), "run.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("shellcheck", "--shell=sh", "--severity=info", path).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// apt's auth.conf cannot hold an empty password: a token-only URL stays in
// the sources file, which is then private.
func TestLayoutDebTokenOnlyKeepsTheSourcesFilePrivate(t *testing.T) {
	l := layoutRepositories(Deb, "b6", []sourceRepo{{URL: mustURL("https://T0KEN@r/apt"), Distribution: "./"}}, [][]byte{nil})
	if len(l.Files) != 1 || !l.Files[0].Secret || !strings.Contains(string(l.Files[0].Content), "https://T0KEN@r/apt ./") {
		t.Errorf("files %+v", l.Files)
	}
}
