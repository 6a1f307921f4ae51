package packages

import (
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
