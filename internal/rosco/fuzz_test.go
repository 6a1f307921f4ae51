package rosco

import (
	"reflect"
	"testing"
)

// FuzzParsePackageName checks that the parsers never panic, are
// deterministic, and that a failure returns the zero value.
func FuzzParsePackageName(f *testing.F) {
	for _, seed := range []string{
		"", "nflx-djangobase-enhanced_0.1-h12.170cdbd_all", "foo_-", "_1.0-1_all",
		"nginx-1.20.1-1.el8.x86_64", "foo-1.0-1.", "...",
		"microsoft.aspnet.mvc.6.0.0-rc1-final+sf23sdf", "x.y.z+", "mynupkg.1.0", "a.\t5.b", "p.٣.1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range []PackageType{Deb, RPM, Nupkg} {
			first, err1 := ParsePackageName(typ, s)
			second, err2 := ParsePackageName(typ, s)
			if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(first, second) {
				t.Fatalf("ParsePackageName(%s, %q) is not deterministic", typ, s)
			}
			if err1 != nil && first != (PackageName{}) {
				t.Fatalf("ParsePackageName(%s, %q) failed but returned %+v", typ, s, first)
			}
			if err1 == nil && s != "" && !first.name.valid {
				t.Fatalf("ParsePackageName(%s, %q) lost the name", typ, s)
			}
			_ = first.InstallToken(typ)
			r := Request{PackageName: s, PackageArtifacts: []Artifact{{Name: s, Reference: s}}}
			_, _ = PackagesParameter(typ, s)
			_, _, _ = AppVersion(typ, r)
			_, _ = ImageName(typ, r, 1)
			_ = BakeKey(r, "us-east-1", "hvm")
		}
	})
}

// FuzzScrapeLog checks that scraping never panics and is deterministic.
func FuzzScrapeLog(f *testing.F) {
	f.Add("==> amazon-ebs: Creating unencrypted AMI x from instance i-1\n==> Builds finished. The artifacts of successful builds are:\nus-east-1: ami-0123456789\n")
	f.Add("==> amazon-ebs: Creating the AMI: \r\nus-east-1:\r")
	f.Fuzz(func(t *testing.T, log string) {
		first, err1 := ScrapeLog("us-east-1", log)
		second, err2 := ScrapeLog("us-east-1", log)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(first, second) {
			t.Fatalf("ScrapeLog(%q) = %+v, %v then %+v, %v", log, first, err1, second, err2)
		}
	})
}
