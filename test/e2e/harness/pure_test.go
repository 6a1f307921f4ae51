//go:build linux

package harness

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func TestSlotNames(t *testing.T) {
	for _, tc := range []struct {
		subnet           string
		index            int
		host, target, ns string
	}{
		{"10.213.0.0/16", 1, "10.213.1.1", "10.213.1.2", "spke2e-1"},
		{"10.213.0.0/16", 254, "10.213.254.1", "10.213.254.2", "spke2e-254"},
		{"172.31.64.0/18", 3, "172.31.67.1", "172.31.67.2", "spke2e-3"},
	} {
		s := slotNames(netip.MustParsePrefix(tc.subnet), tc.index)
		if s.hostAddr.String() != tc.host || s.targetAddr.String() != tc.target || s.netns != tc.ns {
			t.Errorf("slot %d in %s = %s/%s/%s, want %s/%s/%s", tc.index, tc.subnet, s.hostAddr, s.targetAddr, s.netns, tc.host, tc.target, tc.ns)
		}
		if len(s.hostIf) > 15 || len(s.targetIf) > 15 {
			t.Errorf("interface names %q/%q exceed IFNAMSIZ", s.hostIf, s.targetIf)
		}
	}
}

func TestSubnetFromEnv(t *testing.T) {
	for _, tc := range []struct {
		value, want string
		ok          bool
	}{
		{"", "10.213.0.0/16", true},
		{"10.99.0.0/16", "10.99.0.0/16", true},
		{"10.99.7.9/20", "10.99.0.0/20", true},
		{"10.99.0.0/25", "", false},
		{"fd00::/64", "", false},
		{"nonsense", "", false},
	} {
		t.Setenv("E2E_SUBNET", tc.value)
		got, err := subnetFromEnv()
		if (err == nil) != tc.ok || (tc.ok && got.String() != tc.want) {
			t.Errorf("E2E_SUBNET=%q: got %v, %v; want %s ok=%v", tc.value, got, err, tc.want, tc.ok)
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	if got := unescapeMountinfo(`/a\040b\011c`); got != "/a b\tc" {
		t.Errorf("got %q", got)
	}
	if got := unescapeMountinfo("/plain"); got != "/plain" {
		t.Errorf("got %q", got)
	}
}

func TestRecipeHashIsStableAndSensitive(t *testing.T) {
	if recipeHash(rpmLayerRecipe("x")...) != recipeHash(rpmLayerRecipe("x")...) {
		t.Error("rpm layer recipe hash is not deterministic")
	}
	if recipeHash("ab", "c") == recipeHash("a", "bc") {
		t.Error("recipe parts are not delimited")
	}
	if recipeHash(rootfsRecipe()...) == recipeHash(append(rootfsRecipe(), "changed")...) {
		t.Error("recipe change does not change the hash")
	}
}

func TestSetDNFOption(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dnf.conf")
	if err := os.WriteFile(p, []byte("[main]\ngpgcheck=1\nskip_if_unavailable=True\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := setDNFOption(p, "skip_if_unavailable", "False"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "[main]\ngpgcheck=1\nskip_if_unavailable=False\n" {
		t.Errorf("dnf.conf = %q", b)
	}
}

func TestFixtureNames(t *testing.T) {
	var rosco FixturePackage
	for _, p := range FixturePackages() {
		if p.Name == "hello-rosco" {
			rosco = p
		}
	}
	if rosco.DebFile() != "hello-rosco_1.0.0-h7_all.deb" || rosco.RPMFile() != "hello-rosco-1.0.0-h7.noarch.rpm" {
		t.Errorf("hello-rosco files = %s, %s", rosco.DebFile(), rosco.RPMFile())
	}
	if n := len(BenchPackages()); n != 10 {
		t.Errorf("want 5 bench packages in 2 versions, got %d", n)
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("got %s", got)
	}
}
