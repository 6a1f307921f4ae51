package ebs

import (
	"strings"
	"sync"
	"testing"
	"time"

	awscommon "github.com/hashicorp/packer-plugin-amazon/common"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// A base image that appears after the builder resolved source_ami_filter
// (during the cache's waits) must not be what the bake launches: the key and
// the image spec name the AMI resolved first.
func TestBakeLaunchesTheSourceAMIResolvedForTheKey(t *testing.T) {
	filter := map[string]interface{}{
		"filters":     map[string]interface{}{"name": "debian-12-amd64-*"},
		"owners":      []interface{}{"self"},
		"most_recent": true,
	}
	const resolvedID = "ami-0aaaaaaaaaaaaaaa1"
	inputs := bakeInputs()
	inputs["base_ami"] = resolvedID
	f := newCacheFixture(t, map[string]interface{}{"bake_key": nil, "source_ami": nil, "source_ami_filter": filter, "bake": inputs})
	f.fake.AddImage("us-east-1", ec2fake.Image{ID: resolvedID, Name: "debian-12-amd64-20261115", CreationDate: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)})
	var newer ec2fake.Image
	var once sync.Once
	f.fake.AfterCall(func(r *ec2fake.Request) {
		// The builder's own resolution of the filter is the first call.
		if r.Action == "DescribeImages" && r.Form.Get("Owner.1") == "self" {
			once.Do(func() {
				newer = f.fake.AddImage("us-east-1", ec2fake.Image{Name: "debian-12-amd64-20261201", CreationDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
			})
		}
	})
	t.Cleanup(func() { f.fake.AfterCall(nil) })

	_, err := f.run(t)
	bakeAttempted(t, f, err)
	if newer.ID == "" {
		t.Fatal("the newer base image was never added: the filter was not resolved through the fake")
	}
	if got := f.builder.config.sourceAMI; got != resolvedID {
		t.Fatalf("key and spec computed for %s, want %s (resolved before the newer image appeared)", got, resolvedID)
	}
	for _, c := range f.fake.Calls() {
		if c.Action == "RunInstances" && c.Form.Get("ImageId") != resolvedID {
			t.Errorf("RunInstances launched %s, want %s, the source AMI of the key (the newer %s appeared after the filter was resolved)", c.Form.Get("ImageId"), resolvedID, newer.ID)
		}
	}
}

func TestCheckBakedFromComparesAmazonsSourceAMI(t *testing.T) {
	artifact := func(data map[string]interface{}) *awscommon.Artifact {
		return &awscommon.Artifact{Amis: map[string]string{"us-east-1": "ami-0bbbbbbbbbbbbbbb1"}, StateData: map[string]interface{}{"generated_data": data}}
	}
	for name, tc := range map[string]struct {
		art  *awscommon.Artifact
		want string // in the error; "" for none
	}{
		"same AMI":      {artifact(map[string]interface{}{"SourceAMI": "ami-0aaaaaaaaaaaaaaa1"}), ""},
		"another AMI":   {artifact(map[string]interface{}{"SourceAMI": "ami-0ccccccccccccccc1"}), "amazon-ebs launched from source AMI ami-0ccccccccccccccc1, but the key and the image spec were computed for ami-0aaaaaaaaaaaaaaa1: its images would be wrong hits, so they are removed"},
		"no SourceAMI":  {artifact(map[string]interface{}{"BuildRegion": "us-east-1"}), "did not report the source AMI"},
		"no state data": {&awscommon.Artifact{}, "did not report the source AMI"},
	} {
		t.Run(name, func(t *testing.T) {
			err := checkBakedFrom(tc.art, "ami-0aaaaaaaaaaaaaaa1")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("err = %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
