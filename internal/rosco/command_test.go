package rosco

import (
	"fmt"
	"reflect"
	"testing"
)

func TestPackerCommandTruthiness(t *testing.T) {
	got := PackerCommand(PackerInvocation{
		AdditionalParameters: []string{"-on-error=abort", ""},
		Parameters: []Param{
			{Key: "zero", Value: IntValue(0)},
			{Key: "count", Value: IntValue(3)},
			{Key: "nothing"},
			{Key: "blank", Value: StringValue("   ")}, // truthy before trimming
			{Key: "", Value: StringValue("no key")},
			{Key: "off", Value: BoolValue(false)},
		},
		Template: "t.json",
	})
	want := []string{"packer", "build", "-color=false", "-on-error=abort", "-var", "count=3", "-var", "blank=", "t.json"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PackerCommand = %q; want %q", got, want)
	}
}

func TestUnrollOverridesKeepPosition(t *testing.T) {
	params := []Param{
		{Key: "aws_target_ami", Value: StringValue("kato-all-1-ubuntu")},
		{Key: "repository", Value: StringValue("http://a stable main")},
		{Key: "configDir", Value: StringValue("/opt/rosco/config/packer")},
	}
	got := UnrollExtendedAttributes(params, []Attribute{
		{Key: "repository", Value: "http://b stable main"},
		{Key: "copy_to", Value: "us-west-1,us-west-2"},
		{Key: "aws_target_ami", Value: "custom"},
	})
	var keys, values []string
	for _, p := range got {
		keys = append(keys, p.Key)
		values = append(values, p.Value.render())
	}
	wantKeys := []string{"aws_target_ami", "repository", "configDir", "copy_to_2", "copy_to_1"}
	wantValues := []string{"custom", "http://b stable main", "/opt/rosco/config/packer", "us-west-2", "us-west-1"}
	if !reflect.DeepEqual(keys, wantKeys) || !reflect.DeepEqual(values, wantValues) {
		t.Errorf("got %q = %q; want %q = %q", keys, values, wantKeys, wantValues)
	}
	if params[0].Value.render() != "kato-all-1-ubuntu" {
		t.Error("UnrollExtendedAttributes modified its input")
	}
}

// javaHashMapOrder does not emulate treeified buckets; this shows that the
// keys Rosco unrolls never fill a bucket far enough to be treeified. A table
// of size c holds at most 3c/4 entries and buckets only grow until the next
// resize, so checking each table at its fullest covers every moment.
func TestUnrolledKeysNeverTreeify(t *testing.T) {
	const maxEntries = 50000
	for _, prefix := range []string{"copy_to_", "share_with_"} {
		for size := hashMapMinTreeifyTable; size*3/8 < maxEntries; size *= 2 {
			buckets := make(map[int]int)
			for n := 1; n <= size*3/4 && n <= maxEntries; n++ {
				i := bucketIndex(fmt.Sprintf("%s%d", prefix, n), size)
				if buckets[i]++; buckets[i] >= hashMapTreeifyBinSize {
					t.Fatalf("%s%d fills bucket %d of a %d table: treeification would reorder it", prefix, n, i, size)
				}
			}
		}
	}
}

func TestJavaStringHash(t *testing.T) {
	// Values from java.lang.String.hashCode.
	for s, want := range map[string]int32{"": 0, "a": 97, "copy_to_1": 1505677815, "polygenelubricants": -2147483648} {
		if got := javaStringHash(s); got != want {
			t.Errorf("javaStringHash(%q) = %d; want %d", s, got, want)
		}
	}
}

func TestScrapeLogQuirks(t *testing.T) {
	log := "==> amazon-ebs: Creating unencrypted AMI\r\n" +
		"==> Builds finishedX The artifacts of successful builds are:\r" + // '.' is a regex dot in Rosco
		"us-east-1: ami-0123456789\r\n"
	got, err := ScrapeLog("us-east-1", log)
	if err != nil {
		t.Fatal(err)
	}
	want := ScrapeResult{
		AMI:            "ami-0123456789",
		ImageName:      "",
		ImageNameFound: true,
		Artifacts:      []ScrapedArtifact{{Type: "aws/image", Location: "us-east-1", Reference: "ami-0123456789"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ScrapeLog = %+v; want %+v", got, want)
	}
	if _, err := ScrapeLog("us-east-1(", log); err == nil {
		t.Error("ScrapeLog with an invalid region pattern: want an error")
	}
}
