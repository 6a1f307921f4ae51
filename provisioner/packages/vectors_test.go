package packages

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscovectors"
)

// installVector is one `install_packages_sh` entry of rosco-vectors.json:
// Rosco's script run with stubbed package managers.
type installVector struct {
	ID    string `json:"id"`
	Input struct {
		Env           map[string]string `json:"env"`
		ArtifactsJSON string            `json:"artifacts_json"`
	} `json:"input"`
	Stdout []string `json:"stdout"`
	Trace  []string `json:"trace"`
}

// loadInstallVectors fails (never skips) when the file is missing: the
// vectors are the specification.
func loadInstallVectors(t *testing.T) []installVector {
	t.Helper()
	var v struct {
		Install []installVector `json:"install_packages_sh"`
	}
	roscovectors.Load(t, &v)
	if len(v.Install) == 0 {
		t.Fatal("the Rosco vectors have no install_packages_sh vectors")
	}
	return v.Install
}

// roscoInstalls extracts from a trace the package tokens Rosco installed,
// in order, and the repository entries its sources held.
func roscoInstalls(trace []string) (installs, repos []string) {
	seen := map[string]bool{}
	for _, l := range trace {
		switch {
		case strings.HasPrefix(l, "sudo DEBIAN_FRONTEND=noninteractive apt-get install --force-yes -y "):
			tok := strings.TrimPrefix(l, "sudo DEBIAN_FRONTEND=noninteractive apt-get install --force-yes -y ")
			if tok != "jq" {
				installs = append(installs, tok)
			}
		case strings.HasPrefix(l, "sudo yum -y install "):
			installs = append(installs, strings.TrimPrefix(l, "sudo yum -y install "))
		case strings.HasPrefix(l, "    | deb "):
			repos = appendRepo(repos, seen, strings.TrimPrefix(l, "    | deb "))
		case strings.HasPrefix(l, "    | baseurl="):
			repos = appendRepo(repos, seen, strings.TrimPrefix(l, "    | baseurl="))
		}
	}
	return installs, repos
}

func appendRepo(repos []string, seen map[string]bool, r string) []string {
	if seen[r] {
		return repos
	}
	seen[r] = true
	return append(repos, r)
}

// TestInstallPackagesVectors maps each traced Rosco run onto our request
// and checks the meaningful equivalence: the same packages in the same
// order, the same repositories (deduplicated; Rosco's sort is not kept),
// and Rosco's header lines with per-URL masking. Where Rosco's behaviour is
// a known defect (bare `deb ` lines from empty entries, literal single
// quotes), the expected difference is asserted instead.
func TestInstallPackagesVectors(t *testing.T) {
	for _, v := range loadInstallVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			env := v.Input.Env
			raw := map[string]interface{}{
				"repository": env["repository"], "package_type": env["package_type"],
				"packages": env["packages"], "upgrade": env["upgrade"],
			}
			if d, ok := env["disable_services"]; ok {
				raw["disable_services"] = d
			}
			if v.Input.ArtifactsJSON != "" {
				path := filepath.Join(t.TempDir(), "artifacts.json")
				if err := os.WriteFile(path, []byte(v.Input.ArtifactsJSON), 0o600); err != nil {
					t.Fatal(err)
				}
				raw["artifacts_file"] = path
			}
			var p Provisioner
			err := p.Prepare(raw)
			if strings.Contains(env["repository"], ";;") {
				// Rosco wrote a bare `deb ` line here, which apt rejects.
				if err == nil || !strings.Contains(err.Error(), "is empty") {
					t.Fatalf("empty repository entry: want a Prepare error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			wantInstalls, wantRepos := roscoInstalls(v.Trace)
			var gotInstalls []string
			for _, pk := range p.req.Packages {
				gotInstalls = append(gotInstalls, pk.Token(p.req.Type))
			}
			var gotRepos []string
			for _, r := range p.req.Repositories {
				line := strings.Join(append([]string{r.URL.String(), r.Distribution}, r.Components...), " ")
				if p.req.Type == RPM {
					line = r.URL.String()
				}
				if r.Trusted {
					line = "[trusted=yes] " + line
				}
				gotRepos = append(gotRepos, line)
			}
			if v.ID == "deb_chroot_single_quotes" {
				// Rosco passed the quotes through ('kato, redis-server');
				// stripping them is the documented fix.
				for i := range wantInstalls {
					wantInstalls[i] = strings.Trim(wantInstalls[i], "'")
				}
				for i := range wantRepos {
					wantRepos[i] = strings.Trim(wantRepos[i], "'")
				}
			}
			wantRepos = withoutEmpty(wantRepos)
			if !reflect.DeepEqual(gotInstalls, wantInstalls) && (len(gotInstalls)+len(wantInstalls) > 0) {
				t.Errorf("packages = %q, Rosco installed %q", gotInstalls, wantInstalls)
			}
			if !sameSet(gotRepos, wantRepos) {
				t.Errorf("repositories = %q, Rosco wrote %q", gotRepos, wantRepos)
			}
			// The plan installs the same tokens in the same order, one
			// transaction per package as Rosco (ordered is the default).
			var planned []string
			for _, st := range buildPlan(p.req, planOptions{}) {
				switch st.Func {
				case "apt_resolve":
					planned = append(planned, st.Args[1:]...)
				case "dnf_install":
					if len(st.Args) != 1 {
						t.Errorf("dnf step installs %q at once, want one package per transaction", st.Args)
					}
					planned = append(planned, st.Args...)
				}
			}
			if !reflect.DeepEqual(planned, gotInstalls) {
				t.Errorf("plan installs %q, want %q", planned, gotInstalls)
			}
			if env["upgrade"] == "true" && !hasStep(buildPlan(p.req, planOptions{}), "dnf_upgrade", "apt_upgrade") {
				t.Error("upgrade=true planned no upgrade")
			}
			// Header: Rosco's four lines, except that repository= masks
			// each URL instead of cutting at the last '@'.
			header := p.req.Header
			for i, want := range v.Stdout[:4] {
				got := header[i]
				if i == 0 {
					want = "repository=" + MaskURLs(env["repository"])
				}
				if got != want {
					t.Errorf("header line %d = %q, want %q", i, got, want)
				}
			}
			if strings.Contains(strings.Join(header, "\n"), "s3cret") {
				t.Error("header leaks a password")
			}
		})
	}
}

func withoutEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestOutputNeverScrapedAsAMI feeds neutralised lines to Rosco's scraper.
func TestOutputNeverScrapedAsAMI(t *testing.T) {
	lines := []string{
		"Creating the AMI: evil", "Creating unencrypted AMI evil from instance i-1",
		"==> Builds finished. The artifacts of successful builds are:", "us-east-1: ami-0123456789abcdef",
	}
	render := func(clean func(string) string) string {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString("    amazon-ebs: " + clean(l) + "\n")
		}
		return b.String()
	}
	// Control: the raw lines do fool the scraper.
	raw, err := rosco.ScrapeLog("us-east-1", render(func(s string) string { return s }))
	if err != nil {
		t.Fatal(err)
	}
	if raw.AMI == "" || !raw.ImageNameFound {
		t.Fatalf("control failed: Rosco scraped nothing from the raw lines: %+v", raw)
	}
	res, err := rosco.ScrapeLog("us-east-1", render(NeutralizeScrapeTokens))
	if err != nil {
		t.Fatal(err)
	}
	if res.AMI != "" || res.ImageNameFound || len(res.Artifacts) > 0 {
		t.Errorf("Rosco scraped %+v from neutralised output", res)
	}
}

func hasStep(plan []step, funcs ...string) bool {
	for _, st := range plan {
		for _, f := range funcs {
			if st.Func == f {
				return true
			}
		}
	}
	return false
}
