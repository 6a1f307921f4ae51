package packages

import (
	"strings"
	"testing"
)

// injections are values that would change a shell command if they reached
// one unquoted; every field must refuse them at Prepare.
var injections = []string{
	"kato;reboot", "kato$(id)", "kato`id`", "kato\nid", "kato && id", "kato|id", "$(touch /tmp/x)",
	"kato\x00", "kato>x", "kato'", `kato"`,
}

func TestDebPackageGrammar(t *testing.T) {
	good := map[string]PackageSpec{
		"kato":                      {Name: "kato"},
		"nginx=1.18.0-0ubuntu1":     {Name: "nginx", Version: "1.18.0-0ubuntu1"},
		"libc6:amd64=2:2.36-9":      {Name: "libc6:amd64", Version: "2:2.36-9"},
		"g++=4:12.2.0-3":            {Name: "g++", Version: "4:12.2.0-3"},
		"kato_1.0-h12.abc1234_all":  {Name: "kato", Version: "1.0-h12.abc1234"},
		"hello-svc_1.0.0-h5_amd64":  {Name: "hello-svc", Version: "1.0.0-h5"},
		"hello-lib=1.0.0~rc1+b2-h5": {Name: "hello-lib", Version: "1.0.0~rc1+b2-h5"},
	}
	for in, want := range good {
		got, err := parseDebPackage("packages", in)
		if err != nil {
			t.Errorf("parseDebPackage(%q): %v", in, err)
			continue
		}
		if got.Name != want.Name || got.Version != want.Version {
			t.Errorf("parseDebPackage(%q) = %+v, want %+v", in, got, want)
		}
	}
	bad := append([]string{"Kato", "k", "kato=", "kato=abc", "-kato", "kato=1.0 x", "'kato", "redis-server'"}, injections...)
	for _, in := range bad {
		_, err := parseDebPackage("packages", in)
		if err == nil || !strings.Contains(err.Error(), "packages") {
			t.Errorf("parseDebPackage(%q): error %v, want one naming the field", in, err)
		}
	}
}

func TestRPMPackageGrammar(t *testing.T) {
	good := map[string]PackageSpec{
		"httpd":                     {Name: "httpd"},
		"nginx-1.20.1-1.el8":        {Name: "nginx", Version: "1.20.1-1.el8"},
		"hello-svc-1.0.0-h5":        {Name: "hello-svc", Version: "1.0.0-h5"},
		"hello-svc-1.0.0-h5.noarch": {Name: "hello-svc", Version: "1.0.0-h5", Arch: "noarch"},
		"perl-Foo-Bar":              {Name: "perl-Foo-Bar"},
		"bash-2:5.1-1":              {Name: "bash", Version: "2:5.1-1"},
		"python3-pip":               {Name: "python3-pip"},
	}
	for in, want := range good {
		got, err := parseRPMPackage("packages", in)
		if err != nil {
			t.Errorf("parseRPMPackage(%q): %v", in, err)
			continue
		}
		if got.Name != want.Name || got.Version != want.Version || got.Arch != want.Arch {
			t.Errorf("parseRPMPackage(%q) = %+v, want %+v", in, got, want)
		}
		if tok := got.Token(RPM); tok != in {
			t.Errorf("Token(%q) = %q", in, tok)
		}
	}
	for _, in := range injections {
		if _, err := parseRPMPackage("packages", in); err == nil {
			t.Errorf("parseRPMPackage(%q) accepted an injection", in)
		}
	}
}

func TestUnitGrammar(t *testing.T) {
	for in, want := range map[string]string{
		"hello-svc": "hello-svc.service", "hello-svc.service": "hello-svc.service",
		"getty@tty1.service": "getty@tty1.service", "x.timer": "x.timer",
	} {
		got, err := normalizeUnit("services", in)
		if err != nil || got != want {
			t.Errorf("normalizeUnit(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range append([]string{"", "-x", "a b", `a\x2d`}, injections...) {
		if _, err := normalizeUnit("services", in); err == nil || !strings.Contains(err.Error(), "services") {
			t.Errorf("normalizeUnit(%q): error %v, want one naming the field", in, err)
		}
	}
}

func TestRepositoryLines(t *testing.T) {
	repo, err := parseRoscoLine(Deb, "repository", "[trusted=yes arch=amd64] https://u:p@repo.example.com/apt stable main contrib")
	if err != nil {
		t.Fatal(err)
	}
	if !repo.Trusted || repo.Distribution != "stable" || strings.Join(repo.Components, ",") != "main,contrib" || repo.Options[0] != "arch=amd64" {
		t.Errorf("unexpected parse %+v", repo)
	}
	if strings.Contains(repo.Label, "u:p") {
		t.Errorf("label leaks credentials: %q", repo.Label)
	}
	bad := []string{
		"http://repo/apt", "repo/apt stable main", "http://repo/apt stable main;reboot",
		"http://repo/apt$(id) stable main", "http://repo/apt stable `id`", "[trusted=yes http://x y z",
		"gopher://repo/apt stable main", "http://repo/apt stable\nmain", "http://u:p@repo/apt st'able main",
	}
	for _, in := range bad {
		_, err := parseRoscoLine(Deb, "repository", in)
		if err == nil {
			t.Errorf("parseRoscoLine(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), "u:p") {
			t.Errorf("error leaks credentials: %v", err)
		}
	}
	if _, err := parseRoscoLine(RPM, "repository", "http://yum.example.com/repo stable"); err == nil {
		t.Error("rpm entry with two fields accepted")
	}
	if r, err := parseRoscoLine(RPM, "repository", "[trusted=yes] http://yum.example.com/repo"); err != nil || !r.Trusted {
		t.Errorf("rpm trusted entry: %+v, %v", r, err)
	}
}

func TestRepositoryBlocks(t *testing.T) {
	repo, err := repositoryFromConfig(Deb, "repositories[0]", RepositoryConfig{URL: "http://10.0.0.1:8080/apt/", KeyURL: "http://10.0.0.1:8080/key.asc", KeyFingerprint: testKeyFingerprint, Name: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if repo.Distribution != "./" || repo.Label != "demo" || repo.KeyURL == "" {
		t.Errorf("unexpected %+v", repo)
	}
	bad := []RepositoryConfig{
		{URL: "http://x/apt", Distribution: "bookworm"},
		{URL: "http://x/apt", Distribution: "./", Components: []string{"main"}},
		{URL: "http://x/apt", Key: "not a key"},
		{URL: "http://x/apt", Trusted: true, KeyURL: "http://x/k"},
		{URL: "http://x/apt", KeyURL: "http://x/k", Key: "-----BEGIN PGP PUBLIC KEY BLOCK-----"},
		{Line: "http://x/apt ./", URL: "http://x/apt"},
		{},
		{URL: "http://x/apt", Name: "a b"},
		{URL: "http://x/apt", Distribution: "book;worm", Components: []string{"main"}},
		{URL: "http://x/apt", KeyFile: "/nonexistent/key"},
	}
	for i, rc := range bad {
		if _, err := repositoryFromConfig(Deb, "repositories[0]", rc); err == nil || !strings.Contains(err.Error(), "repositories[0]") {
			t.Errorf("case %d %+v: error %v, want one naming the field", i, rc, err)
		}
	}
}
