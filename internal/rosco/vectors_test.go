package rosco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/roscovectors"
)

// The conformance vectors live beside the repository (roscovectors finds them;
// ROSCO_VECTORS points elsewhere). A missing file fails the test: a
// conformance suite that silently skips proves nothing.
type vectorFile struct {
	PackageNames            []packageNameVector       `json:"package_names"`
	PackagesParameter       []packagesParameterVector `json:"packages_parameter"`
	AppVersions             []appVersionVector        `json:"appversions"`
	ImageNames              []imageNameVector         `json:"image_names"`
	BakeKeys                []bakeKeyVector           `json:"bake_keys"`
	LogScrape               []logScrapeVector         `json:"log_scrape"`
	PackerCommands          []packerCommandVector     `json:"packer_commands"`
	ExtendedAttributeUnroll []unrollVector            `json:"extended_attribute_unroll"`
}

type packageNameVector struct {
	Type         PackageType `json:"type"`
	Input        *string     `json:"input"`
	Name         *string     `json:"name"`
	Version      *string     `json:"version"`
	Release      *string     `json:"release"`
	Arch         *string     `json:"arch"`
	Kept         bool        `json:"kept_in_package_list"`
	InstallToken *string     `json:"install_token"`
	Error        any         `json:"error"`
}

type packagesParameterVector struct {
	Type        PackageType `json:"type"`
	PackageName string      `json:"package_name"`
	Expected    string      `json:"expected"`
}

type appVersionVector struct {
	Type     PackageType   `json:"type"`
	Request  vectorRequest `json:"request"`
	Expected *string       `json:"expected"`
}

type imageNameVector struct {
	Type        PackageType   `json:"type"`
	Request     vectorRequest `json:"request"`
	ClockMillis int64         `json:"clock_millis"`
	Expected    string        `json:"expected"`
}

type bakeKeyVector struct {
	Request       vectorRequest `json:"request"`
	Region        string        `json:"region"`
	DefaultVMType string        `json:"default_vm_type"`
	Expected      string        `json:"expected"`
}

type logScrapeVector struct {
	Region   string `json:"region"`
	Log      string `json:"log"`
	Expected struct {
		AMI       *string           `json:"ami"`
		ImageName *string           `json:"image_name"`
		Artifacts []ScrapedArtifact `json:"artifacts"`
	} `json:"expected"`
}

type packerCommandVector struct {
	BaseCommand *string             `json:"base_command"`
	Parameters  [][]json.RawMessage `json:"parameters"`
	VarFile     *string             `json:"var_file"`
	Template    string              `json:"template"`
	TimestampUI bool                `json:"timestamp_ui"`
	Expected    []string            `json:"expected_argv"`
}

type unrollVector struct {
	Key            string            `json:"key"`
	Value          string            `json:"value"`
	Expected       map[string]string `json:"expected"`
	IterationOrder []string          `json:"iteration_order"`
}

// vectorRequest is a BakeRequest as the vectors spell it (snake_case, absent
// or null meaning null).
type vectorRequest struct {
	PackageName        string            `json:"package_name"`
	PackageArtifacts   []vectorArtifact  `json:"package_artifacts"`
	BaseOS             string            `json:"base_os"`
	BaseAMI            string            `json:"base_ami"`
	AMIName            string            `json:"ami_name"`
	AMISuffix          string            `json:"ami_suffix"`
	TemplateFileName   string            `json:"template_file_name"`
	VarFileName        string            `json:"var_file_name"`
	VMType             string            `json:"vm_type"`
	EnhancedNetworking bool              `json:"enhanced_networking"`
	CloudProviderType  string            `json:"cloud_provider_type"`
	BuildNumber        string            `json:"build_number"`
	CommitHash         string            `json:"commit_hash"`
	Job                string            `json:"job"`
	BuildHost          string            `json:"build_host"`
	BuildInfoURL       string            `json:"build_info_url"`
	Upgrade            bool              `json:"upgrade"`
	ExtendedAttributes orderedAttributes `json:"extended_attributes"`
}

type vectorArtifact struct {
	Name      *string `json:"name"`
	Reference *string `json:"reference"`
}

func (v vectorRequest) request() Request {
	r := Request{
		PackageName: v.PackageName, BaseOS: v.BaseOS, BaseAMI: v.BaseAMI, AMIName: v.AMIName,
		AMISuffix: v.AMISuffix, TemplateFileName: v.TemplateFileName, VarFileName: v.VarFileName,
		VMType: v.VMType, EnhancedNetworking: v.EnhancedNetworking, CloudProviderType: v.CloudProviderType,
		BuildNumber: v.BuildNumber, CommitHash: v.CommitHash, Job: v.Job, BuildHost: v.BuildHost,
		BuildInfoURL: v.BuildInfoURL, Upgrade: v.Upgrade, ExtendedAttributes: v.ExtendedAttributes,
	}
	for _, a := range v.PackageArtifacts {
		r.PackageArtifacts = append(r.PackageArtifacts, Artifact{Name: deref(a.Name), Reference: deref(a.Reference)})
	}
	return r
}

// orderedAttributes decodes a JSON object keeping its member order, as
// Jackson's LinkedHashMap does.
type orderedAttributes []Attribute

func (o *orderedAttributes) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("extended_attributes: want an object, got %v", tok)
	}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return err
		}
		var value string
		if err := dec.Decode(&value); err != nil {
			return fmt.Errorf("extended_attributes[%v]: %w", keyTok, err)
		}
		*o = append(*o, Attribute{Key: keyTok.(string), Value: value})
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func show(s *string) string {
	if s == nil {
		return "<null>"
	}
	return fmt.Sprintf("%q", *s)
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	var v vectorFile
	roscovectors.Load(t, &v)
	return v
}

// requireVectors fails a category that has no vectors, so a renamed JSON key
// cannot turn the suite into a no-op.
func requireVectors(t *testing.T, category string, n int) {
	t.Helper()
	if n == 0 {
		t.Fatalf("no %s vectors in the vector file", category)
	}
}

func vectorName(i int, input string) string {
	return fmt.Sprintf("%d/%s", i, input)
}

func TestVectors(t *testing.T) {
	v := loadVectors(t)

	t.Run("package_names", func(t *testing.T) {
		requireVectors(t, "package_names", len(v.PackageNames))
		for i, vec := range v.PackageNames {
			t.Run(vectorName(i, string(vec.Type)+":"+show(vec.Input)), func(t *testing.T) { checkPackageName(t, vec) })
		}
	})
	t.Run("packages_parameter", func(t *testing.T) {
		requireVectors(t, "packages_parameter", len(v.PackagesParameter))
		for i, vec := range v.PackagesParameter {
			t.Run(vectorName(i, string(vec.Type)+":"+vec.PackageName), func(t *testing.T) {
				got, err := PackagesParameter(vec.Type, vec.PackageName)
				if err != nil || got != vec.Expected {
					t.Errorf("PackagesParameter(%s, %q) = %q, %v; want %q", vec.Type, vec.PackageName, got, err, vec.Expected)
				}
			})
		}
	})
	t.Run("appversions", func(t *testing.T) {
		requireVectors(t, "appversions", len(v.AppVersions))
		for i, vec := range v.AppVersions {
			t.Run(vectorName(i, string(vec.Type)+":"+vec.Request.PackageName), func(t *testing.T) {
				got, ok, err := AppVersion(vec.Type, vec.Request.request())
				if err != nil {
					t.Fatalf("AppVersion: %v", err)
				}
				var gotPtr *string
				if ok {
					gotPtr = &got
				}
				if show(gotPtr) != show(vec.Expected) {
					t.Errorf("AppVersion(%s, %+v) = %s; want %s", vec.Type, vec.Request, show(gotPtr), show(vec.Expected))
				}
			})
		}
	})
	t.Run("image_names", func(t *testing.T) {
		requireVectors(t, "image_names", len(v.ImageNames))
		for i, vec := range v.ImageNames {
			t.Run(vectorName(i, string(vec.Type)+":"+vec.Request.PackageName), func(t *testing.T) {
				got, err := ImageName(vec.Type, vec.Request.request(), vec.ClockMillis)
				if err != nil || got != vec.Expected {
					t.Errorf("ImageName(%s, %+v, %d) = %q, %v; want %q", vec.Type, vec.Request, vec.ClockMillis, got, err, vec.Expected)
				}
			})
		}
	})
	t.Run("bake_keys", func(t *testing.T) {
		requireVectors(t, "bake_keys", len(v.BakeKeys))
		for i, vec := range v.BakeKeys {
			t.Run(vectorName(i, vec.Request.PackageName), func(t *testing.T) {
				got := BakeKey(vec.Request.request(), vec.Region, vec.DefaultVMType)
				if got != vec.Expected {
					t.Errorf("BakeKey(%+v, %q, %q) =\n  %q\nwant\n  %q", vec.Request, vec.Region, vec.DefaultVMType, got, vec.Expected)
				}
			})
		}
	})
	t.Run("log_scrape", func(t *testing.T) {
		requireVectors(t, "log_scrape", len(v.LogScrape))
		for i, vec := range v.LogScrape {
			t.Run(vectorName(i, vec.Region), func(t *testing.T) { checkScrape(t, vec) })
		}
	})
	t.Run("packer_commands", func(t *testing.T) {
		requireVectors(t, "packer_commands", len(v.PackerCommands))
		for i, vec := range v.PackerCommands {
			t.Run(vectorName(i, vec.Template), func(t *testing.T) { checkPackerCommand(t, vec) })
		}
	})
	t.Run("extended_attribute_unroll", func(t *testing.T) {
		requireVectors(t, "extended_attribute_unroll", len(v.ExtendedAttributeUnroll))
		for i, vec := range v.ExtendedAttributeUnroll {
			t.Run(vectorName(i, vec.Key+"="+vec.Value), func(t *testing.T) { checkUnroll(t, vec) })
		}
	})
}

func checkPackageName(t *testing.T, vec packageNameVector) {
	got, err := ParsePackageName(vec.Type, deref(vec.Input))
	if vec.Error != nil {
		if err == nil {
			t.Fatalf("ParsePackageName(%s, %s) = %+v; want an error (Rosco throws)", vec.Type, show(vec.Input), got)
		}
		return
	}
	if err != nil {
		t.Fatalf("ParsePackageName(%s, %s): %v", vec.Type, show(vec.Input), err)
	}
	fields := []struct {
		field string
		got   func() (string, bool)
		want  *string
	}{
		{"name", got.LookupName, vec.Name},
		{"version", got.LookupVersion, vec.Version},
		{"release", got.LookupRelease, vec.Release},
		{"arch", got.LookupArch, vec.Arch},
	}
	for _, f := range fields {
		value, ok := f.got()
		var gotPtr *string
		if ok {
			gotPtr = &value
		}
		if show(gotPtr) != show(f.want) {
			t.Errorf("ParsePackageName(%s, %s).%s = %s; want %s", vec.Type, show(vec.Input), f.field, show(gotPtr), show(f.want))
		}
	}
	list, err := PackageList(vec.Type, Request{PackageName: deref(vec.Input)})
	if err != nil {
		t.Fatalf("PackageList(%s, %s): %v", vec.Type, show(vec.Input), err)
	}
	if kept := len(list) == 1; kept != vec.Kept {
		t.Errorf("PackageList(%s, %s) kept the entry = %v; want %v", vec.Type, show(vec.Input), kept, vec.Kept)
	}
	if vec.Kept {
		if token := got.InstallToken(vec.Type); vec.InstallToken == nil || token != *vec.InstallToken {
			t.Errorf("InstallToken(%s) of %s = %q; want %s", vec.Type, show(vec.Input), token, show(vec.InstallToken))
		}
	} else if vec.InstallToken != nil {
		t.Errorf("vector keeps no entry but names install token %s", show(vec.InstallToken))
	}
}

func checkScrape(t *testing.T, vec logScrapeVector) {
	got, err := ScrapeLog(vec.Region, vec.Log)
	if err != nil {
		t.Fatalf("ScrapeLog(%q): %v", vec.Region, err)
	}
	var ami, imageName *string
	if got.AMI != "" {
		ami = &got.AMI
	}
	if got.ImageNameFound {
		imageName = &got.ImageName
	}
	if show(ami) != show(vec.Expected.AMI) {
		t.Errorf("ami = %s; want %s", show(ami), show(vec.Expected.AMI))
	}
	if show(imageName) != show(vec.Expected.ImageName) {
		t.Errorf("image_name = %s; want %s", show(imageName), show(vec.Expected.ImageName))
	}
	if len(got.Artifacts) != len(vec.Expected.Artifacts) || (len(got.Artifacts) > 0 && !reflect.DeepEqual(got.Artifacts, vec.Expected.Artifacts)) {
		t.Errorf("artifacts = %+v; want %+v", got.Artifacts, vec.Expected.Artifacts)
	}
}

func checkPackerCommand(t *testing.T, vec packerCommandVector) {
	inv := PackerInvocation{
		BaseCommand: deref(vec.BaseCommand),
		TimestampUI: vec.TimestampUI,
		VarFile:     deref(vec.VarFile),
		Template:    vec.Template,
	}
	for _, pair := range vec.Parameters {
		if len(pair) != 2 {
			t.Fatalf("parameter %s: want a [key, value] pair", pair)
		}
		var key string
		if err := json.Unmarshal(pair[0], &key); err != nil {
			t.Fatalf("parameter key %s: %v", pair[0], err)
		}
		inv.Parameters = append(inv.Parameters, Param{Key: key, Value: jsonValue(t, pair[1])})
	}
	got := PackerCommand(inv)
	if !reflect.DeepEqual(got, vec.Expected) {
		t.Errorf("PackerCommand =\n  %q\nwant\n  %q", got, vec.Expected)
	}
}

// jsonValue maps a JSON scalar to the Groovy value Jackson would produce.
func jsonValue(t *testing.T, raw json.RawMessage) Value {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("parameter value %s: %v", raw, err)
	}
	switch x := v.(type) {
	case nil:
		return Value{}
	case string:
		return StringValue(x)
	case bool:
		return BoolValue(x)
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			t.Fatalf("parameter value %s: only integers are modelled: %v", raw, err)
		}
		return IntValue(n)
	}
	t.Fatalf("parameter value %s: unsupported JSON type", raw)
	return Value{}
}

func checkUnroll(t *testing.T, vec unrollVector) {
	got := UnrollExtendedAttributes(nil, []Attribute{{Key: vec.Key, Value: vec.Value}})
	var order []string
	values := map[string]string{}
	for _, p := range got {
		order = append(order, p.Key)
		if p.Value.kind != stringKind {
			t.Errorf("%s: value kind %d; want a string", p.Key, p.Value.kind)
		}
		values[p.Key] = p.Value.text
	}
	if !reflect.DeepEqual(order, vec.IterationOrder) {
		t.Errorf("order = %q; want %q", order, vec.IterationOrder)
	}
	if !reflect.DeepEqual(values, vec.Expected) {
		t.Errorf("values = %q; want %q", values, vec.Expected)
	}
}
