package ebs

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/datasource/bake"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

const blockSourceAMI = "ami-0123456789abcdef0"

// bakeInputs is a bake request using every kind of field of the bake block:
// strings, a list, a map, a bool and a package_artifacts block.
func bakeInputs() map[string]interface{} {
	return map[string]interface{}{
		"package_name":        "hello-svc_1.0.1-h6_all hello-lib_1.0.0-h5_all",
		"base_os":             "debian",
		"base_ami":            blockSourceAMI,
		"ami_name":            "hello",
		"template_file_name":  "aws-ebs.json",
		"vm_type":             "hvm",
		"enhanced_networking": true,
		"package_type":        "deb",
		"repository":          "http://a.example.com stable main;http://b.example.com ./",
		"repositories":        []interface{}{"http://c.example.com trixie main"},
		"upgrade":             "true",
		"extra_key_inputs":    map[string]interface{}{"team": "platform"},
		"package_artifacts":   []interface{}{map[string]interface{}{"name": "hello-svc_1.0.1-h6_all", "reference": "http://a.example.com stable main hello-svc"}},
		"build_number":        "42",
		"commit_hash":         "0abc123",
		"job":                 "hello-svc",
	}
}

// bakeInputsHCL is bakeInputs as an HCL2 block.
const bakeInputsHCL = `
bake {
  package_name        = "hello-svc_1.0.1-h6_all hello-lib_1.0.0-h5_all"
  base_os             = "debian"
  base_ami            = "ami-0123456789abcdef0"
  ami_name            = "hello"
  template_file_name  = "aws-ebs.json"
  vm_type             = "hvm"
  enhanced_networking = true
  package_type        = "deb"
  repository          = "http://a.example.com stable main;http://b.example.com ./"
  repositories        = ["http://c.example.com trixie main"]
  upgrade             = "true"
  extra_key_inputs    = { team = "platform" }
  package_artifacts {
    name      = "hello-svc_1.0.1-h6_all"
    reference = "http://a.example.com stable main hello-svc"
  }
  build_number = "42"
  commit_hash  = "0abc123"
  job          = "hello-svc"
}
`

// datasourceKey is the key data "spinnaker-bake" computes for inputs, in a
// region where base_ami is the source AMI.
func datasourceKey(t *testing.T, inputs map[string]interface{}) string {
	t.Helper()
	raw := maps.Clone(inputs)
	raw["region"], raw["lookup"] = "us-east-1", "none"
	d := new(bake.Datasource)
	if err := d.Configure(raw); err != nil {
		t.Fatalf("datasource Configure: %v", err)
	}
	out, err := d.Execute()
	if err != nil {
		t.Fatalf("datasource Execute: %v", err)
	}
	return out.GetAttr("key").AsString()
}

// withBake is minimal() with the bake block instead of bake_key.
func withBake(block interface{}) map[string]interface{} {
	m := minimal()
	delete(m, "bake_key")
	m["bake"] = block
	return m
}

// toInterfaceMaps converts nested map[string]interface{} to the
// map[interface{}]interface{} a legacy JSON configuration becomes over RPC.
func toInterfaceMaps(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		m := map[interface{}]interface{}{}
		for k, el := range x {
			m[k] = toInterfaceMaps(el)
		}
		return m
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, el := range x {
			out[i] = toInterfaceMaps(el)
		}
		return out
	}
	return v
}

func TestPrepareBakeBlockComputesTheDatasourceKey(t *testing.T) {
	want := datasourceKey(t, bakeInputs())
	cases := map[string]func(b *Builder) []interface{}{
		"HCL2 block": func(b *Builder) []interface{} {
			return []interface{}{hclRaw(t, b, `
region        = "us-east-1"
source_ami    = "`+blockSourceAMI+`"
instance_type = "t3.micro"
ssh_username  = "admin"
ami_name      = "app-1"
tags          = { appversion = "app-1.0-h1" }
`+bakeInputsHCL)}
		},
		"JSON map[string]interface{}": func(*Builder) []interface{} {
			return []interface{}{withBake(bakeInputs())}
		},
		"JSON over RPC map[interface{}]interface{}": func(*Builder) []interface{} {
			return []interface{}{toInterfaceMaps(withBake(bakeInputs()))}
		},
	}
	for name, raws := range cases {
		t.Run(name, func(t *testing.T) {
			b := new(Builder)
			// amazon-ebs refuses options it does not know, so success also
			// shows that the bake block was taken out of its raws.
			if _, _, err := b.Prepare(raws(b)...); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if b.config.BakeKey != want {
				t.Errorf("bake key = %q, want %q (data \"spinnaker-bake\" for the same inputs)", b.config.BakeKey, want)
			}
			if b.config.keyFromFilter || !strings.Contains(b.config.keyDocument, `"source_ami":"`+blockSourceAMI+`"`) {
				t.Errorf("key document %s, keyFromFilter %v", b.config.keyDocument, b.config.keyFromFilter)
			}
			tags, _ := withKeyTag("tags", b.config.AMITags, b.config.KeyTag, b.config.BakeKey)
			if tags[DefaultKeyTag] != want {
				t.Errorf("tags = %v", tags)
			}
		})
	}
}

func TestPrepareBakeBlockKeyFollowsTheSourceAMI(t *testing.T) {
	// The strict key holds the AMI the bake starts from: source_ami, not
	// base_ami as requested.
	m := withBake(bakeInputs())
	m["source_ami"] = "ami-0fedcba9876543210"
	b := new(Builder)
	if _, _, err := b.Prepare(m); err != nil {
		t.Fatal(err)
	}
	if same := datasourceKey(t, bakeInputs()); b.config.BakeKey == same || !strictKeyPattern.MatchString(b.config.BakeKey) {
		t.Errorf("key with another source AMI = %q; base_ami's key %q", b.config.BakeKey, same)
	}
}

func TestPrepareBakeBlockErrors(t *testing.T) {
	bad := bakeInputs()
	bad["package_type"], bad["upgrade"] = "apk", "yes"
	unparsable := bakeInputs()
	unparsable["package_name"] = "hello_-_all"
	cases := []struct {
		name string
		raw  map[string]interface{}
		want []string
	}{
		{"both", func() map[string]interface{} { m := withBake(bakeInputs()); m["bake_key"] = testKey; return m }(),
			[]string{"bake_key and bake: set only one of them"}},
		{"neither", func() map[string]interface{} { m := minimal(); delete(m, "bake_key"); return m }(),
			[]string{"one of bake_key and bake is required"}},
		{"every bad input named", withBake(bad),
			[]string{`bake: package_type: unknown value "apk"`, `bake: upgrade: unknown value "yes"`}},
		{"a field of the block that does not exist", withBake(map[string]interface{}{"package_name": "x", "region": "us-east-1"}),
			[]string{"region"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := new(Builder).Prepare(tc.raw)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Prepare error = %v, want it to contain %q", err, want)
				}
			}
		})
	}
	// What data "spinnaker-bake" refuses, the block refuses with the same words.
	ds := new(bake.Datasource)
	dsRaw := maps.Clone(unparsable)
	dsRaw["region"], dsRaw["lookup"] = "us-east-1", "none"
	var dsErr error
	if dsErr = ds.Configure(dsRaw); dsErr == nil {
		_, dsErr = ds.Execute()
	}
	_, _, err := new(Builder).Prepare(withBake(unparsable))
	if dsErr == nil || err == nil || !strings.Contains(err.Error(), "bake: "+dsErr.Error()) {
		t.Errorf("builder error %v, datasource error %v", err, dsErr)
	}
}

func TestPrepareBakeBlockWithValuesPackerValidateCannotKnow(t *testing.T) {
	for name, set := range map[string]func(m, block map[string]interface{}){
		"an input":   func(_, block map[string]interface{}) { block["package_name"] = unknownValue },
		"source_ami": func(m, _ map[string]interface{}) { m["source_ami"] = unknownValue },
	} {
		t.Run(name, func(t *testing.T) {
			block := bakeInputs()
			m := withBake(block)
			set(m, block)
			b := new(Builder)
			if _, _, err := b.Prepare(m); err != nil {
				t.Fatalf("Prepare (packer validate): %v", err)
			}
			if b.config.BakeKey != "" {
				t.Errorf("bake key %q computed from unknown values", b.config.BakeKey)
			}
		})
	}
}

func TestRunResolvesSourceAMIFilterBeforeTheLookup(t *testing.T) {
	filter := map[string]interface{}{
		"filters":     map[string]interface{}{"name": "debian-12-amd64-*", "virtualization-type": "hvm"},
		"owners":      []interface{}{"self"},
		"most_recent": true,
	}
	// base_ami names the AMI the filter selects, as Rosco's request would.
	const newestID = "ami-0d1e2b3a4c5d6e7f8"
	inputs := bakeInputs()
	inputs["base_ami"] = newestID
	f := newCacheFixture(t, map[string]interface{}{"bake_key": nil, "source_ami": nil, "source_ami_filter": filter, "bake": inputs})
	if !f.builder.config.keyFromFilter || f.builder.config.BakeKey != "" {
		t.Fatalf("after Prepare: keyFromFilter %v, key %q", f.builder.config.keyFromFilter, f.builder.config.BakeKey)
	}
	old := f.fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-20261101", CreationDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	newest := f.fake.AddImage("us-east-1", ec2fake.Image{ID: newestID, Name: "debian-12-amd64-20261115", CreationDate: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)})
	f.fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-arm64-20261120", CreationDate: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)})
	want := datasourceKey(t, inputs)
	// The image spec holds the AMI the filter selects, too.
	spec := specOf(&f.builder.config, newestID).Digest()
	images := map[string]string{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		images[region] = f.compute.AddImage(region, ec2fake.Image{Name: "app", Tags: map[string]string{DefaultKeyTag: want, DefaultSpecTag: spec}}).ID
	}
	f.fake.ResetCalls()

	art, err := f.run(t)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, f.out)
	}
	if got := f.builder.config.BakeKey; got != want {
		t.Fatalf("bake key = %q, want %q (source AMI %s, not %s)", got, want, newest.ID, old.ID)
	}
	if !strings.Contains(f.out.String(), "Source AMI "+newest.ID) || !strings.Contains(f.out.String(), ReusedMessage) {
		t.Errorf("output:\n%s", f.out)
	}
	if got := art.Id(); got != "eu-west-1:"+images["eu-west-1"]+",us-east-1:"+images["us-east-1"] {
		t.Errorf("artifact %s, want the images with the key %v", got, images)
	}
	calls := f.fake.Calls()
	if len(calls) == 0 || calls[0].Action != "DescribeImages" || calls[0].Region != "us-east-1" {
		t.Fatalf("first call %+v, want the filter's DescribeImages in the build region", calls)
	}
	form := calls[0].Form
	for k, v := range map[string]string{"Owner.1": "self", "IncludeDeprecated": "false"} {
		if form.Get(k) != v {
			t.Errorf("filter request %s = %q, want %q", k, form.Get(k), v)
		}
	}
	// amazon's GetFilteredImage builds its filters from a map: their numbering is not stable.
	filters := map[string]string{}
	for n := 1; form.Get(fmt.Sprintf("Filter.%d.Name", n)) != ""; n++ {
		filters[form.Get(fmt.Sprintf("Filter.%d.Name", n))] = form.Get(fmt.Sprintf("Filter.%d.Value.1", n))
	}
	if want := map[string]string{"name": "debian-12-amd64-*", "virtualization-type": "hvm"}; !maps.Equal(filters, want) {
		t.Errorf("filters of the request %v, want %v", filters, want)
	}
	// The key reached amazon-ebs's tags and run tags, prepared again.
	if f.builder.inner == nil {
		t.Fatal("amazon-ebs not prepared")
	}
	tags, _ := withKeyTag("tags", f.builder.config.AMITags, f.builder.config.KeyTag, f.builder.config.BakeKey)
	if tags[DefaultKeyTag] != want {
		t.Errorf("tags %v", tags)
	}
}

func TestRunSourceAMIFilterNeedsOneImageWithoutMostRecent(t *testing.T) {
	filter := map[string]interface{}{"filters": map[string]interface{}{"name": "debian-12-*"}, "owners": []interface{}{"self"}}
	f := newCacheFixture(t, map[string]interface{}{"bake_key": nil, "source_ami": nil, "source_ami_filter": filter, "bake": bakeInputs()})
	f.fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-a"})
	f.fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-b"})
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), "more than one result. Please try a more specific search, or set most_recent to true") {
		t.Errorf("Run error = %v", err)
	}
	if n := f.fake.CallCount("RunInstances"); n != 0 {
		t.Errorf("RunInstances calls = %d", n)
	}
}
