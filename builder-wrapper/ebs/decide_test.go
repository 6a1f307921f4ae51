package ebs

import (
	"reflect"
	"testing"
)

func TestDecide(t *testing.T) {
	regions := []string{"us-east-1", "eu-west-1", "eu-north-1"}
	all := map[string]string{"us-east-1": "ami-11111111", "eu-west-1": "ami-22222222", "eu-north-1": "ami-33333333"}
	cases := []struct {
		name string
		in   Situation
		want Plan
	}{
		{"all present: reuse", Situation{Regions: regions, Existing: all},
			Plan{Action: Reuse, Images: all}},
		{"all present, rebake: bake", Situation{Regions: regions, Existing: all, Rebake: true},
			Plan{Action: Bake}},
		{"extra regions found are ignored", Situation{Regions: regions[:1], Existing: all},
			Plan{Action: Reuse, Images: map[string]string{"us-east-1": "ami-11111111"}}},
		{"build region missing: copy from the first region that has it", Situation{Regions: regions, Existing: map[string]string{"eu-north-1": "ami-33333333", "eu-west-1": "ami-22222222"}},
			Plan{Action: Copy, Images: map[string]string{"eu-north-1": "ami-33333333", "eu-west-1": "ami-22222222"}, Missing: []string{"us-east-1"}, CopyFrom: "eu-west-1"}},
		{"copy region missing: copy from the build region", Situation{Regions: regions, Existing: map[string]string{"us-east-1": "ami-11111111"}},
			Plan{Action: Copy, Images: map[string]string{"us-east-1": "ami-11111111"}, Missing: []string{"eu-west-1", "eu-north-1"}, CopyFrom: "us-east-1"}},
		{"none present: bake", Situation{Regions: regions},
			Plan{Action: Bake}},
		{"none present, rebake: bake", Situation{Regions: regions, Rebake: true},
			Plan{Action: Bake}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Decide(tc.in)
			if len(got.Images) == 0 {
				got.Images = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decide(%+v)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}
