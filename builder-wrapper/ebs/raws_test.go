package ebs

import (
	"reflect"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestInnerRawsStripsOwnKeysFromEveryRawType(t *testing.T) {
	own := map[string]interface{}{"bake_key": "sha256:x", "rebake": true, "key_tag": "k", "wait_for_inflight": "1m"}
	stringMap := map[string]interface{}{"region": "us-east-1"}
	ifaceMap := map[interface{}]interface{}{"region": "us-east-1"}
	for k, v := range own {
		stringMap[k] = v
		ifaceMap[k] = v
	}
	ctyObj := cty.ObjectVal(map[string]cty.Value{
		"region":            cty.StringVal("us-east-1"),
		"bake_key":          cty.StringVal("sha256:x"),
		"rebake":            cty.True,
		"key_tag":           cty.NullVal(cty.String),
		"wait_for_inflight": cty.NullVal(cty.String),
	})
	packerVars := map[string]interface{}{"packer_build_name": "x", "packer_force": false}
	raws := []interface{}{ctyObj, stringMap, ifaceMap, packerVars}

	tags := map[string]string{"spinnaker:bake-key": "sha256:x", "appversion": "app-1.0"}
	runTags := map[string]string{"spinnaker:bake-key": "sha256:x", "Packages": "app"}
	got, err := innerRaws(raws, tags, runTags, "ami-0123456789abcdef0")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(raws)+1 {
		t.Fatalf("got %d raws, want %d", len(got), len(raws)+1)
	}
	wantCty := cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal("us-east-1")})
	if !got[0].(cty.Value).RawEquals(wantCty) {
		t.Errorf("cty raw = %#v, want %#v", got[0], wantCty)
	}
	if !reflect.DeepEqual(got[1], map[string]interface{}{"region": "us-east-1"}) {
		t.Errorf("map[string] raw = %#v", got[1])
	}
	if !reflect.DeepEqual(got[2], map[interface{}]interface{}{"region": "us-east-1"}) {
		t.Errorf("map[interface{}] raw = %#v", got[2])
	}
	if !reflect.DeepEqual(got[3], packerVars) {
		t.Errorf("packer vars raw = %#v", got[3])
	}
	wantLast := map[string]interface{}{
		"tags":       map[string]interface{}{"spinnaker:bake-key": "sha256:x", "appversion": "app-1.0"},
		"run_tags":   map[string]interface{}{"spinnaker:bake-key": "sha256:x", "Packages": "app"},
		"source_ami": "ami-0123456789abcdef0",
	}
	if !reflect.DeepEqual(got[4], wantLast) {
		t.Errorf("last raw = %#v", got[4])
	}
	// The originals are untouched: Packer may prepare a builder twice.
	if _, ok := stringMap["bake_key"]; !ok {
		t.Error("map[string] raw was modified")
	}
	if _, ok := ifaceMap["bake_key"]; !ok {
		t.Error("map[interface{}] raw was modified")
	}
	if !raws[0].(cty.Value).Type().HasAttribute("bake_key") {
		t.Error("cty raw was modified")
	}
}

func TestInnerRawsRejectsUnknownShapes(t *testing.T) {
	if _, err := innerRaws([]interface{}{[]string{"x"}}, nil, nil, ""); err == nil {
		t.Error("a []string raw was accepted")
	}
	if _, err := innerRaws([]interface{}{cty.StringVal("x")}, nil, nil, ""); err == nil {
		t.Error("a cty string raw was accepted")
	}
}

func TestInnerRawsLeavesSourceAMIAloneUntilItIsKnown(t *testing.T) {
	got, err := innerRaws([]interface{}{map[string]interface{}{"source_ami_filter": map[string]interface{}{"owners": []interface{}{"self"}}}}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[1].(map[string]interface{})["source_ami"]; ok {
		t.Errorf("last raw %#v sets source_ami before the filter is resolved", got[1])
	}
}
