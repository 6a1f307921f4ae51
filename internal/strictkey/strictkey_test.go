package strictkey

import (
	"reflect"
	"strings"
	"testing"
)

// sample sets every field to a non-zero value so that any single change shows.
func sample() Inputs {
	return Inputs{
		Schema:             SchemaV1,
		CloudProviderType:  "aws",
		BaseOS:             "jammy",
		BaseAMI:            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*",
		SourceAMI:          "ami-0123456789abcdef0",
		AMIName:            "kato",
		TemplateFileName:   "aws-ebs.pkr.hcl",
		VarFileName:        "vars.json",
		VMType:             "hvm",
		EnhancedNetworking: true,
		PackageType:        "deb",
		Packages:           []string{"kato=1.0-h5", "redis-server"},
		PackageArtifacts:   []Artifact{{Name: "kato_1.0-h5_all", Reference: "http://repo trusty main kato"}},
		Repositories:       []string{"[signed-by=/k.gpg] http://repo stable main"},
		Upgrade:            true,
		Extra:              map[string]string{"team": "core", "copy_to": "us-west-2"},
	}
}

func mustCompute(t *testing.T, in Inputs) (string, string) {
	t.Helper()
	key, doc, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute(%+v): %v", in, err)
	}
	return key, string(doc)
}

func TestGoldenDocumentAndKey(t *testing.T) {
	key, doc := mustCompute(t, sample())
	const wantDoc = `{"schema":"spinnaker-bake/v1","cloud_provider_type":"aws","base_os":"jammy","base_ami":"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*","source_ami":"ami-0123456789abcdef0","ami_name":"kato","template_file_name":"aws-ebs.pkr.hcl","var_file_name":"vars.json","vm_type":"hvm","enhanced_networking":true,"package_type":"deb","packages":["kato=1.0-h5","redis-server"],"package_artifacts":[{"name":"kato_1.0-h5_all","reference":"http://repo trusty main kato"}],"repositories":["[signed-by=/k.gpg] http://repo stable main"],"upgrade":true,"extra":{"copy_to":"us-west-2","team":"core"}}`
	const wantKey = "sha256:60a999d1ff473a3b5859a89305a0fc47e38d3847751adeb0a602b0e61589ce80"
	if doc != wantDoc {
		t.Errorf("document changed; a new shape needs a new schema version\n got: %s\nwant: %s", doc, wantDoc)
	}
	if key != wantKey {
		t.Errorf("key = %s; want %s", key, wantKey)
	}
}

func TestEqualInputsGiveEqualKeys(t *testing.T) {
	a := sample()
	b := sample()
	b.Extra = map[string]string{}
	for _, k := range []string{"copy_to", "team"} { // the reverse of sample's literal order
		b.Extra[k] = a.Extra[k]
	}
	b.Schema = "" // empty means the current version
	keyA, _ := mustCompute(t, a)
	keyB, _ := mustCompute(t, b)
	if keyA != keyB {
		t.Errorf("equal inputs gave %s and %s", keyA, keyB)
	}

	empty, _ := mustCompute(t, Inputs{Packages: []string{}, PackageArtifacts: []Artifact{}, Repositories: []string{}, Extra: map[string]string{}})
	zero, _ := mustCompute(t, Inputs{})
	if empty != zero {
		t.Errorf("nil and empty collections gave %s and %s", zero, empty)
	}
}

// TestEveryFieldChangesKey walks Inputs by reflection, so a field added later
// is covered without editing the test.
func TestEveryFieldChangesKey(t *testing.T) {
	baseKey, baseDoc := mustCompute(t, sample())
	seen := map[string]string{baseKey: "sample"}
	typ := reflect.TypeOf(Inputs{})
	for i := 0; i < typ.NumField(); i++ {
		field := typ.Field(i)
		tag := strings.Split(field.Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" {
			t.Errorf("field %s has no JSON name, so it cannot be in the document", field.Name)
			continue
		}
		if !strings.Contains(baseDoc, `"`+tag+`":`) {
			t.Errorf("field %s (%s) is missing from the document", field.Name, tag)
		}
		if field.Name == "Schema" {
			continue // versions are checked in TestUnknownSchemaIsRejected
		}
		in := sample()
		mutate(t, reflect.ValueOf(&in).Elem().Field(i), field.Name)
		key, _ := mustCompute(t, in)
		if other, dup := seen[key]; dup {
			t.Errorf("changing %s gave the same key as %s", field.Name, other)
		}
		seen[key] = field.Name
	}
}

func mutate(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
	case reflect.Map:
		v.SetMapIndex(reflect.ValueOf("added"), reflect.Zero(v.Type().Elem()))
	default:
		t.Fatalf("field %s: no mutation for kind %s; extend the test", name, v.Kind())
	}
}

func TestOrderOfListsMatters(t *testing.T) {
	in := sample()
	forward, _ := mustCompute(t, in)
	in.Packages = []string{in.Packages[1], in.Packages[0]}
	reversed, _ := mustCompute(t, in)
	if forward == reversed {
		t.Error("reordering packages kept the key")
	}
}

func TestUnknownSchemaIsRejected(t *testing.T) {
	in := sample()
	in.Schema = "spinnaker-bake/v0"
	if _, _, err := Compute(in); err == nil || !strings.Contains(err.Error(), "spinnaker-bake/v0") {
		t.Errorf("Compute with schema v0: err = %v; want an error naming the schema", err)
	}
}

func TestInvalidUTF8IsRejected(t *testing.T) {
	in := sample()
	in.Repositories = []string{"http://repo \xff main"}
	_, _, err := Compute(in)
	if err == nil || !strings.Contains(err.Error(), "repositories[0]") {
		t.Errorf("Compute with invalid UTF-8: err = %v; want an error naming repositories[0]", err)
	}
}

func TestComputeDoesNotModifyInput(t *testing.T) {
	in := Inputs{}
	if _, _, err := Compute(in); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, Inputs{}) {
		t.Errorf("Compute changed its input to %+v", in)
	}
}
