package stringlist

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

var attr = Attr{From: "packages", To: "package_list"}

func TestNormalizeMaps(t *testing.T) {
	cases := map[string]struct {
		in      map[string]interface{}
		want    map[string]interface{}
		wantErr string
	}{
		"string stays":  {in: map[string]interface{}{"packages": "a b"}, want: map[string]interface{}{"packages": "a b"}},
		"list moves":    {in: map[string]interface{}{"packages": []interface{}{"a", "b"}}, want: map[string]interface{}{"package_list": []string{"a", "b"}}},
		"absent":        {in: map[string]interface{}{}, want: map[string]interface{}{}},
		"number":        {in: map[string]interface{}{"packages": 3}, wantErr: "packages: must be a string or a list of strings, got 3"},
		"list of ints":  {in: map[string]interface{}{"packages": []interface{}{1}}, wantErr: "packages: every element must be a string"},
		"both as lists": {in: map[string]interface{}{"packages": []interface{}{"a"}, "package_list": []interface{}{"b"}}, wantErr: "conflicts with package_list"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			raws := []interface{}{tc.in}
			err := Normalize(raws, attr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(raws[0], tc.want) {
				t.Errorf("got %#v, want %#v", raws[0], tc.want)
			}
		})
	}
}

// Legacy JSON configurations reach a plugin over RPC as map[interface{}]interface{}.
func TestNormalizeRPCMaps(t *testing.T) {
	raws := []interface{}{map[interface{}]interface{}{"packages": []interface{}{"a"}}}
	if err := Normalize(raws, attr); err != nil {
		t.Fatal(err)
	}
	want := map[interface{}]interface{}{"package_list": []string{"a"}}
	if !reflect.DeepEqual(raws[0], want) {
		t.Errorf("got %#v, want %#v", raws[0], want)
	}
}

func TestNormalizeCty(t *testing.T) {
	obj := cty.ObjectVal(map[string]cty.Value{
		"packages":     cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		"package_list": cty.NullVal(cty.List(cty.String)),
	})
	raws := []interface{}{obj}
	if err := Normalize(raws, attr); err != nil {
		t.Fatal(err)
	}
	got := raws[0].(cty.Value).AsValueMap()
	if !got["packages"].IsNull() {
		t.Errorf("packages = %#v, want null", got["packages"])
	}
	if want := cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}); !got["package_list"].RawEquals(want) {
		t.Errorf("package_list = %#v", got["package_list"])
	}

	bad := []interface{}{cty.ObjectVal(map[string]cty.Value{"packages": cty.NumberIntVal(1)})}
	if err := Normalize(bad, attr); err == nil || !strings.Contains(err.Error(), "got number") {
		t.Errorf("error = %v, want a number to be refused", err)
	}
}
