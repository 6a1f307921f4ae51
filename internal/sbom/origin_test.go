package sbom

import (
	"reflect"
	"strings"
	"testing"
)

// aptPolicy is apt 2.6's output for a pinned package whose newer version the same repository
// also offers, a package installed from the distribution, and one installed from a file.
const aptPolicy = `bench-a:
  Installed: 1.0-1
  Candidate: 1.0-1
  Version table:
     1.1-1 500
        500 http://deploy:s3cret@127.0.0.1:8080/repo ./ Packages
 *** 1.0-1 1001
        500 http://deploy:s3cret@127.0.0.1:8080/repo ./ Packages
        100 /var/lib/dpkg/status
curl:
  Installed: 7.88.1-10+deb12u5
  Candidate: 7.88.1-10+deb12u5
  Version table:
 *** 7.88.1-10+deb12u5 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        500 http://security.debian.org/debian-security bookworm-security/main amd64 Packages
        100 /var/lib/dpkg/status
local:
  Installed: 2.0
  Candidate: 2.0
  Version table:
 *** 2.0 100
        100 /var/lib/dpkg/status
`

func TestParseAptPolicy(t *testing.T) {
	got, err := ParseAptPolicy(strings.NewReader(aptPolicy))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]Origin{
		"bench-a": {{URL: "http://***@127.0.0.1:8080/repo", Label: "./"}},
		"curl": {
			{URL: "http://deb.debian.org/debian", Label: "bookworm/main"},
			{URL: "http://security.debian.org/debian-security", Label: "bookworm-security/main"},
		},
		"local": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if strings.Contains(strings.Join(flatten(got), " "), "s3cret") {
		t.Error("credentials in the origins")
	}
}

func TestParseAptPolicyRejectsTextBeforeAHeading(t *testing.T) {
	_, err := ParseAptPolicy(strings.NewReader("  Installed: 1.0\n"))
	checkErr(t, err, `apt-cache policy line 1 "  Installed: 1.0": before any package heading`)
}

func TestParseRPMOrigins(t *testing.T) {
	in := "bench-a spinnaker\nbash @baseos\nlocal @commandline\nold <unknown>\n\nbench-a spinnaker\nnone\n"
	got, err := ParseRPMOrigins(strings.NewReader(in), map[string]string{"spinnaker": "https://u:p@repo.example/el9"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]Origin{
		"bench-a": {{URL: "https://***@repo.example/el9", Label: "spinnaker"}},
		"bash":    {{Label: "baseos"}},
		"local":   nil,
		"old":     nil,
		"none":    nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	_, err = ParseRPMOrigins(strings.NewReader("a b c\n"), nil)
	checkErr(t, err, `dnf repoquery line 1 "a b c": want a name and a repository`)
}

func flatten(m map[string][]Origin) []string {
	var out []string
	for _, os := range m {
		for _, o := range os {
			out = append(out, o.URL, o.Label)
		}
	}
	return out
}
