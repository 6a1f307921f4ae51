package bakerequest

import (
	"reflect"
	"testing"
)

func TestPackageNames(t *testing.T) {
	cases := []struct {
		in   Inputs
		want []string
	}{
		{Inputs{PackageName: "kato nflx-djangobase-enhanced_0.1-h12.170cdbd_all mongodb", BaseOS: "ubuntu"}, []string{"kato", "nflx-djangobase-enhanced", "mongodb"}},
		{Inputs{Packages: []string{"hello-svc=1.0.0-h5"}, BaseOS: "ubuntu"}, []string{"hello-svc"}},
		{Inputs{PackageName: "hello-svc-1.0.0-h5.noarch", PackageType: "rpm", BaseOS: "centos"}, []string{"hello-svc"}},
		{Inputs{PackageName: "kato", BaseOS: "ubuntu", PackageArtifacts: []PackageArtifact{{Name: "app_1.0-h2.abc_all", Reference: "http://repo trusty main app"}}}, []string{"kato", "app"}},
	}
	for _, c := range cases {
		in := c.in
		if err := in.Prepare(); err != nil {
			t.Fatalf("%+v: %v", c.in, err)
		}
		got, err := in.PackageNames()
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
