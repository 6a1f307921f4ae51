package bakerequest

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscovectors"
)

// secretForms are the raw, URL-encoded and base64 forms of a password, as a leak would show it.
func secretForms(password string) []string {
	return []string{password, url.QueryEscape(password), url.PathEscape(password),
		base64.StdEncoding.EncodeToString([]byte(password)), base64.StdEncoding.EncodeToString([]byte("u:" + password))}
}

func TestComputeMasksCredentialsInEveryOutputThatDescribesTheBake(t *testing.T) {
	for _, password := range []string{"pl41n", "se;cr;et", "se/cr/et", "se@cr@et", "se cr et", "a;b/c d@e", "P@ss:123", "P@ssw0rd/1", "Adm1n@corp#1", "Xq7sec;Yq8pw/Zq9pw@Wq6pw Vq5pw"} {
		repo := "http://u:" + password + "@repo.example.com/apt"
		in := Inputs{
			PackageName: "kato_1.0-h5.abc_all", BaseOS: "bookworm", BaseAMI: "ami-1", AMISuffix: "20261121000000",
			Repository:       "'" + repo + " ./;" + repo + "2 stable main'",
			Repositories:     []string{repo + "3 ./"},
			PackageArtifacts: []PackageArtifact{{Name: "kato_1.0-h5.abc_all", Reference: repo + " ./ kato"}},
			BuildInfoURL:     "https://u:" + password + "@ci.example.com/job/7",
			ExtraKeyInputs:   map[string]string{"mirror": repo},
		}
		if err := in.Prepare(); err != nil {
			t.Fatal(err)
		}
		res, err := Compute(in, "ami-1", []string{"us-east-1", "eu-west-1"}, time.UnixMilli(0))
		if err != nil {
			t.Fatal(err)
		}
		described := []string{res.KeyDocument, res.ImageName, res.AppVersion, res.Key}
		for _, k := range res.RoscoKeys {
			described = append(described, k)
		}
		for _, text := range described {
			for _, form := range secretForms(password) {
				if strings.Contains(text, form) {
					t.Errorf("password %q: %q holds %q", password, text, form)
				}
			}
		}
		for _, want := range []string{`"http://***@repo.example.com/apt ./"`, `"http://***@repo.example.com/apt2 stable main"`,
			`"http://***@repo.example.com/apt3 ./"`, `"reference":"http://***@repo.example.com/apt ./ kato"`} {
			if !strings.Contains(res.KeyDocument, want) {
				t.Errorf("password %q: key document %s lacks %s", password, res.KeyDocument, want)
			}
		}
		if want := "bake:aws:bookworm:ami-1:kato_1.0-h5.abc_all:http://***@repo.example.com/apt ./ kato:us-east-1:hvm:enhancedNWDisabled"; res.RoscoKeys["us-east-1"] != want {
			t.Errorf("password %q: rosco key %q, want %q", password, res.RoscoKeys["us-east-1"], want)
		}
		plain := in
		plain.Repository, plain.Repositories = "'http://u:x@repo.example.com/apt ./;http://w@repo.example.com/apt2 stable main'", []string{"http://v:y@repo.example.com/apt3 ./"}
		plain.PackageArtifacts = []PackageArtifact{{Name: "kato_1.0-h5.abc_all", Reference: "http://t@repo.example.com/apt ./ kato"}}
		plain.ExtraKeyInputs = map[string]string{"mirror": "http://z:z@repo.example.com/apt"}
		other, _ := Compute(plain, "ami-1", nil, time.UnixMilli(0))
		if res.Key != other.Key {
			t.Errorf("password %q: credentials change the strict key:\n%s\n%s", password, res.KeyDocument, other.KeyDocument)
		}
	}
}

func TestComputeKeepsThePackagesToInstallAsGiven(t *testing.T) {
	in := Inputs{Packages: []string{"kato", "https://u:pw@repo.example.com/x_1.0_all.deb"}}
	if err := in.Prepare(); err != nil {
		t.Fatal(err)
	}
	res, err := Compute(in, "", nil, time.UnixMilli(0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Packages, "u:pw@") || strings.Contains(res.KeyDocument, "pw") || strings.Contains(res.ImageName, "pw") {
		t.Errorf("packages %q (must stay installable), key document %s, image name %s (must be masked)", res.Packages, res.KeyDocument, res.ImageName)
	}
}

func TestPrepareErrorsMaskCredentials(t *testing.T) {
	in := Inputs{Packages: []string{"http://u:pass word@host/x"}}
	if err := in.Prepare(); err == nil || strings.Contains(err.Error(), "pass word") || !strings.Contains(err.Error(), "packages[0]") {
		t.Errorf("error %v", err)
	}
}

// TestRoscoKeyStaysRoscosWithoutCredentials runs every bake key vector through the masked
// request that Compute keys: masking must change nothing in a request without credentials.
func TestRoscoKeyStaysRoscosWithoutCredentials(t *testing.T) {
	var vectors struct {
		BakeKeys []struct {
			Request struct {
				PackageName        string `json:"package_name"`
				BaseOS             string `json:"base_os"`
				BaseAMI            string `json:"base_ami"`
				AMIName            string `json:"ami_name"`
				TemplateFileName   string `json:"template_file_name"`
				VarFileName        string `json:"var_file_name"`
				VMType             string `json:"vm_type"`
				EnhancedNetworking bool   `json:"enhanced_networking"`
				CloudProviderType  string `json:"cloud_provider_type"`
				PackageArtifacts   []struct {
					Name      *string `json:"name"`
					Reference *string `json:"reference"`
				} `json:"package_artifacts"`
			} `json:"request"`
			Region        string `json:"region"`
			DefaultVMType string `json:"default_vm_type"`
			Expected      string `json:"expected"`
		} `json:"bake_keys"`
	}
	roscovectors.Load(t, &vectors)
	if len(vectors.BakeKeys) == 0 {
		t.Fatal("no bake_keys vectors")
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for i, v := range vectors.BakeKeys {
		r := v.Request
		in := Inputs{PackageName: r.PackageName, BaseOS: r.BaseOS, BaseAMI: r.BaseAMI, AMIName: r.AMIName,
			TemplateFileName: r.TemplateFileName, VarFileName: r.VarFileName, VMType: r.VMType,
			EnhancedNetworking: r.EnhancedNetworking, CloudProviderType: r.CloudProviderType}
		for _, a := range r.PackageArtifacts {
			in.PackageArtifacts = append(in.PackageArtifacts, PackageArtifact{Name: deref(a.Name), Reference: deref(a.Reference)})
		}
		if got := rosco.BakeKey(in.redacted().roscoRequest(), v.Region, v.DefaultVMType); got != v.Expected {
			t.Errorf("vector %d: %q, want %q", i, got, v.Expected)
		}
	}
}
