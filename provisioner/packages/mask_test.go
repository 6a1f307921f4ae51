package packages

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestMaskURLsPerURL(t *testing.T) {
	in := "https://user:s3cret@repo.example.com/apt stable main;https://u2:p2@b.example.com/apt stable main"
	got := MaskURLs(in)
	want := "https://***@repo.example.com/apt stable main;https://***@b.example.com/apt stable main"
	if got != want {
		t.Errorf("MaskURLs = %q, want %q", got, want)
	}
	// Rosco's greedy masking printed only "b.example.com/apt stable main";
	// both repositories stay visible here.
	if !strings.Contains(got, "repo.example.com") {
		t.Error("first repository vanished from the masked line")
	}
}

func TestSecretSetMasksBareValues(t *testing.T) {
	var s secretSet
	u, _ := url.Parse("https://builder:pa%24%24word@repo.example.com/apt")
	s.addURL(u)
	for _, text := range []string{
		"Get:1 https://builder:pa$$word@repo.example.com/apt stable InRelease",
		"password is pa$$word",
		"encoded pa%24%24word",
	} {
		if got := s.Mask(text); strings.Contains(got, "pa$$word") || strings.Contains(got, "pa%24%24word") {
			t.Errorf("Mask(%q) = %q still holds the password", text, got)
		}
	}
}

// The patterns Rosco's scraper uses (rosco-compat.md §f).
var roscoScrapeRules = []*regexp.Regexp{
	regexp.MustCompile(`amazon-(chroot|ebs): Creating the AMI:`),
	regexp.MustCompile(`(==> |)amazon-(chroot|ebs): Creating unencrypted AMI`),
	regexp.MustCompile(`us-east-1:`),
	regexp.MustCompile(`==> Builds finished\. The artifacts of successful builds are:`),
	regexp.MustCompile(`[a-z]{2}-[a-z]{2,10}-[0-9]:\sami-[a-z0-9]{8,}`),
}

func TestNeutralizeScrapeTokens(t *testing.T) {
	lines := []string{
		"Creating the AMI: evil-image",
		"amazon-ebs: Creating the AMI: evil",
		"Creating unencrypted AMI evil from instance i-1",
		"==> Builds finished. The artifacts of successful builds are:",
		"us-east-1: ami-0123456789abcdef",
		"see us-east-1: something",
	}
	for _, l := range lines {
		// Packer prefixes provisioner output with the builder name.
		out := "    amazon-ebs: " + NeutralizeScrapeTokens(l)
		for _, rule := range roscoScrapeRules {
			if rule.MatchString(out) {
				t.Errorf("%q still matches Rosco's rule %s after neutralising: %q", l, rule, out)
			}
		}
	}
	if got := NeutralizeScrapeTokens("Setting up hello-svc (1.0.0-h5) ..."); got != "Setting up hello-svc (1.0.0-h5) ..." {
		t.Errorf("ordinary line changed: %q", got)
	}
}

// A password is masked however the user spelled it in the URL: decoded,
// or with every reserved character percent-encoded in either case.
func TestSecretsMaskEveryEncodingOfAPassword(t *testing.T) {
	var s secretSet
	s.addURL(mustURL("https://user:p%2Fw%24x%21y@repo.example/apt/"))
	for _, form := range []string{"p/w$x!y", "p%2Fw%24x%21y", "p%2fw%24x%21y"} {
		if got := s.Mask("E: refused " + form + " by the server"); strings.Contains(got, form) {
			t.Errorf("%q left in %q", form, got)
		}
	}
}
