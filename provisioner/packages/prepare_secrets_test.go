package packages

import (
	"slices"
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// Every Prepare error about a credential-bearing value must be readable without revealing the
// credentials, however the value is malformed.
func TestPrepareErrorsNeverContainThePassword(t *testing.T) {
	const password = "Sup3rSecretPw"
	cases := map[string]map[string]interface{}{
		"newline after a repository":       {"repository": "http://user:" + password + "@repo.example/apt ./\n"},
		"newline in a repositories url":    {"repositories": []interface{}{map[string]interface{}{"url": "http://user:" + password + "@repo.example/apt\n", "trusted": true}}},
		"shell metacharacter in the url":   {"repository": "http://user:" + password + "@repo.example/apt$(id) ./"},
		"';' inside the password":          {"repository": "http://user:Sup3r;SecretPw@repo.example/apt ./"},
		"'@' inside the password":          {"repository": "http://user:Sup3r@SecretPw@repo.example/apt ./ $x"},
		"no suite after the url":           {"repository": "http://user:" + password + "@repo.example/apt"},
		"empty entry between repositories": {"repository": "http://user:" + password + "@repo.example/apt ./;;http://b/apt ./"},
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			raw := map[string]interface{}{"package_type": "deb", "packages": "hello-svc"}
			for k, v := range extra {
				raw[k] = v
			}
			err := (&Provisioner{}).Prepare(raw)
			if err == nil {
				t.Fatal("Prepare accepted a malformed repository")
			}
			for _, secret := range []string{password, "Sup3r;SecretPw", "SecretPw", "Sup3r"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Prepare error reveals %q: %v", secret, err)
				}
			}
		})
	}
}

// Whatever the SDK itself logs under PACKER_LOG=1 passes Packer's secret filter.
func TestPrepareRegistersCredentialsWithPackersLogFilter(t *testing.T) {
	const password = "Fi1terMeOut"
	err := (&Provisioner{}).Prepare(map[string]interface{}{
		"package_type": "deb",
		"packages":     "hello-svc",
		"repository":   "http://builder:" + password + "@repo.example/apt ./",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := packersdk.LogSecretFilter.FilterString("GET http://builder:" + password + "@repo.example/apt"); strings.Contains(got, password) {
		t.Errorf("Packer's log filter lets the password through: %q", got)
	}
}

// A key_url token is a secret of the bake: package-manager output that
// prints it bare (no URL around it) is masked too.
func TestKeyURLTokenIsRegisteredAsASecret(t *testing.T) {
	for _, keyURL := range []string{"https://T0KEN-abc123@keys.example/repo.asc", "https://T0KEN-abc123:@keys.example/repo.asc"} {
		p, err := prepare(map[string]interface{}{"package_type": "deb",
			"repositories": []interface{}{map[string]interface{}{"url": "https://r.example/apt", "key_url": keyURL}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.req.secrets.Mask("W: token T0KEN-abc123 refused"); strings.Contains(got, "T0KEN-abc123") {
			t.Errorf("key_url %s: the token is not a registered secret: %q", keyURL, got)
		}
	}
}

// repoInjectionURL is the URL from the review of issue 14: its decoded
// password ends the password= line of the .repo file and opens an [evil]
// section without signature checks.
const repoInjectionURL = "https://u:pw%0A%5Bevil%5D%0Abaseurl%3Dhttp%3A%2F%2Fevil.example%2F%0Agpgcheck%3D0%0Asslverify%3D0@host/repo/"

// URL credentials are written into apt's auth.conf.d and dnf's .repo files
// as they are once decoded: whatever would change those files is refused at
// Prepare, naming the field and the (masked) repository, never the secret.
func TestPrepareRefusesCredentialsThatRewriteTheRepositoryFile(t *testing.T) {
	block := func(typ, key, value string) map[string]interface{} {
		return map[string]interface{}{"package_type": typ, "repositories": []interface{}{map[string]interface{}{key: value, "trusted": true}}}
	}
	rosco := func(typ, entry string) map[string]interface{} {
		return map[string]interface{}{"package_type": typ, "repository": entry}
	}
	cases := []struct {
		name  string
		raw   map[string]interface{}
		field string
		want  string
	}{
		{"rpm block: a new section", block("rpm", "url", repoInjectionURL), "repositories[0].url", "the URL's password contains a control character"},
		{"rpm Rosco string: a new section", rosco("rpm", repoInjectionURL), "repository (entry 1)", "the URL's password contains a control character"},
		{"rpm line in a block: a new section", block("rpm", "line", repoInjectionURL), "repositories[0].line", "the URL's password contains a control character"},
		{"deb Rosco string: a new line", rosco("deb", repoInjectionURL+" ./"), "repository (entry 1)", "the URL's password contains a control character"},
		{"rpm NUL in the password", block("rpm", "url", "https://u:pw%00x@host/repo/"), "repositories[0].url", "password contains a control character"},
		{"deb NUL in the password", rosco("deb", "https://u:pw%00x@host/apt ./"), "repository (entry 1)", "password contains a control character"},
		{"deb ESC in the password", block("deb", "url", "https://u:pw%1Bx@host/apt"), "repositories[0].url", "password contains a control character"},
		{"deb DEL in the user", rosco("deb", "https://u%7F:pwx@host/apt ./"), "repository (entry 1)", "user contains a control character"},
		{"rpm newline in a token", block("rpm", "url", "https://pwtok%0Agpgcheck%3D0@host/repo/"), "repositories[0].url", "user contains a control character"},
		{"rpm $basearch in the password", block("rpm", "url", "https://u:pw%24basearch@host/repo/"), "repositories[0].url", "password holds '$'"},
		{"rpm ${releasever} in the password", rosco("rpm", "https://u:pw%24%7Breleasever%7D@host/repo/"), "repository (entry 1)", "password holds '$'"},
		{"rpm $1 in the password", block("rpm", "url", "https://u:pw%241@host/repo/"), "repositories[0].url", "password holds '$'"},
		{"rpm $_x in the password", block("rpm", "url", "https://u:pw%24_x@host/repo/"), "repositories[0].url", "password holds '$'"},
		{"rpm $infra in the user", block("rpm", "url", "https://u%24infra:pwx@host/repo/"), "repositories[0].url", "user holds '$'"},
		{"rpm leading space in the password", block("rpm", "url", "https://u:%20pwx@host/repo/"), "repositories[0].url", "password starts or ends with white space"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.raw["packages"] = "hello-svc"
			_, err := prepare(c.raw)
			if err == nil {
				t.Fatal("Prepare accepted the credentials")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.field+": ") || !strings.Contains(msg, "://***@host/") || !strings.Contains(msg, c.want) {
				t.Errorf("error %q, want one naming %s, the masked repository and %q", msg, c.field, c.want)
			}
			for _, secret := range []string{"pw", "evil", "gpgcheck", "basearch", "releasever", "infra", "%0A", "%24"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error reveals %q: %s", secret, msg)
				}
			}
		})
	}
}

// What apt and dnf carry as it is stays possible, and reaches the files
// whole: '/', '@', ':', '%' and a '$' that dnf does not expand, for rpm; any
// '$' for deb (apt expands nothing).
func TestCredentialsDnfAndAptCarryAreWrittenWhole(t *testing.T) {
	const password = "p/@:%$!x$"
	encoded := "p%2F%40%3A%25%24%21x%24"
	p, err := prepare(map[string]interface{}{"package_type": "rpm", "packages": "hello-svc",
		"repository": "https://u:" + encoded + "@host/re%0Apo/$basearch/"})
	if err != nil {
		t.Fatal(err)
	}
	l := layoutRepositories(RPM, "b1", p.req.Repositories, [][]byte{nil})
	repo := l.Files[len(l.Files)-1]
	if !repo.Secret || !strings.Contains(string(repo.Content), "\nusername=u\npassword="+password+"\n") {
		t.Errorf(".repo file (secret %v) lacks the credentials as given:\n%s", repo.Secret, repo.Content)
	}
	// The label and baseurl keep the path's encoded newline encoded: one
	// section, and only the options the provisioner writes.
	for _, line := range strings.Split(strings.TrimSuffix(string(repo.Content), "\n"), "\n") {
		key, _, _ := strings.Cut(line, "=")
		switch {
		case strings.HasPrefix(line, "# "), line == "[spinnaker-packages-b1-0]":
		case key == "baseurl" && line != "baseurl=https://host/re%0Apo/$basearch/":
			t.Errorf("baseurl line %q", line)
		case !slices.Contains([]string{"name", "baseurl", "enabled", "skip_if_unavailable", "username", "password", "gpgcheck"}, key):
			t.Errorf("unexpected line %q in:\n%s", line, repo.Content)
		}
	}
	if _, err := prepare(map[string]interface{}{"package_type": "deb", "packages": "hello-svc",
		"repository": "https://u:pw%24basearch@host/apt ./"}); err != nil {
		t.Errorf("deb password with $basearch: %v", err)
	}
}
