package bake

import (
	"context"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	"github.com/hashicorp/packer-plugin-amazon/common/clients"
	"github.com/zclconf/go-cty/cty"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// testBaseAMI is the base AMI of withFake's request.
const testBaseAMI = "ami-0a1b2c3d4e5f60718"

// withFake returns the request of awsBakeHandlerRequest pointed at a fresh EC2 fake.
func withFake(t *testing.T, extra map[string]interface{}) (*ec2fake.Server, map[string]interface{}) {
	t.Helper()
	fake := ec2fake.New(ec2fake.Options{})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	raw := awsBakeHandlerRequest()
	delete(raw, "lookup")
	raw["custom_endpoint_ec2"] = srv.URL
	raw["access_key"] = "AKIDFAKEFORTESTS0001"
	raw["secret_key"] = "fake-secret"
	raw["skip_credential_validation"] = true // no STS beside the fake
	if extra["rosco_config"] == nil {
		raw["base_ami"] = testBaseAMI // lookup "key" matches the image spec, which holds the source AMI
	}
	for k, v := range extra {
		raw[k] = v
	}
	return fake, raw
}

func configureErr(raws ...interface{}) error {
	return (&Datasource{}).Configure(raws...)
}

func executeErr(t *testing.T, raw map[string]interface{}) error {
	t.Helper()
	d := &Datasource{now: func() time.Time { return time.UnixMilli(123456) }}
	if err := d.Configure(raw); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	_, err := d.Execute()
	return err
}

func strMap(v cty.Value) map[string]string {
	out := map[string]string{}
	if v.IsNull() {
		return out
	}
	for k, e := range v.AsValueMap() {
		out[k] = e.AsString()
	}
	return out
}

func strList(v cty.Value) []string {
	out := []string{}
	for _, e := range v.AsValueSlice() {
		out = append(out, e.AsString())
	}
	return out
}

func TestLookupKeyFindsTheTaggedImage(t *testing.T) {
	fake, raw := withFake(t, nil)
	computed := execute(t, withLookup(raw, "none"))
	key, spec := computed["key"].AsString(), computed["image_spec_digest"].AsString()
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "kato-all-20240131235959-centos",
		Tags: map[string]string{awslookup.DefaultKeyTag: key, imagespec.Tag: spec, "appversion": "kato-1.0"}})
	fake.ResetCalls()

	out := execute(t, raw)
	if !out["found"].True() || out["ami_id"].AsString() != img.ID {
		t.Fatalf("found = %v ami_id = %v, want %s", out["found"], out["ami_id"], img.ID)
	}
	if got := strMap(out["ami_ids"]); !reflect.DeepEqual(got, map[string]string{"us-east-1": img.ID}) {
		t.Errorf("ami_ids = %v", got)
	}
	if got := strList(out["missing_regions"]); len(got) != 0 {
		t.Errorf("missing_regions = %v", got)
	}
	image := out["image"].AsValueMap()
	if image["name"].AsString() != img.Name || image["id"].AsString() != img.ID || strMap(image["tags"])["appversion"] != "kato-1.0" ||
		!strings.HasSuffix(image["creation_date"].AsString(), "Z") {
		t.Errorf("image = %v", image)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Form.Get("Filter.1.Name") != "tag:spinnaker:bake-key" || calls[0].Form.Get("Filter.1.Value.1") != key ||
		calls[0].Form.Get("Filter.3.Name") != "tag:spinnaker:image-spec" || calls[0].Form.Get("Filter.3.Value.1") != spec ||
		calls[0].Form.Get("Owner.1") != "self" {
		t.Errorf("calls = %+v, want one: a hit makes no key-only check", calls)
	}
	if got := strList(out["lookup_warnings"]); len(got) != 0 {
		t.Errorf("lookup_warnings = %q, want none", got)
	}
}

func withLookup(raw map[string]interface{}, lookup string) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range raw {
		out[k] = v
	}
	out["lookup"] = lookup
	return out
}

func TestLookupMissIsNotAnError(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"regions": []interface{}{"us-west-2", "eu-west-1"}, "key_tag": "bake"})
	fake.AddImage("us-west-2", ec2fake.Image{Name: "other", Tags: map[string]string{"bake": "sha256:other"}})

	out := execute(t, raw)
	if out["found"].True() || out["ami_id"].AsString() != "" || len(strMap(out["ami_ids"])) != 0 {
		t.Errorf("found = %v ami_id = %q ami_ids = %v", out["found"], out["ami_id"].AsString(), out["ami_ids"])
	}
	if got := strList(out["missing_regions"]); !reflect.DeepEqual(got, []string{"eu-west-1", "us-east-1", "us-west-2"}) {
		t.Errorf("missing_regions = %v", got)
	}
	// A miss in lookup "key" checks once more per region for the key alone: none here, so no warning.
	if n := fake.CallCount("DescribeImages"); n != 6 {
		t.Errorf("%d calls, want two per region (the lookup and the key-only check)", n)
	}
	if got := strList(out["lookup_warnings"]); len(got) != 0 {
		t.Errorf("lookup_warnings = %q, want none", got)
	}
}

func TestLookupRoscoKeyTagsItsHashPerRegion(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"regions": []interface{}{"us-west-2"}, "lookup": "rosco_key"})
	keys := strMap(execute(t, withLookup(raw, "none"))["rosco_key"])
	east := fake.AddImage("us-east-1", ec2fake.Image{Name: "a", Tags: map[string]string{awslookup.DefaultKeyTag: awslookup.RoscoKeyTagValue(keys["us-east-1"])}})
	west := fake.AddImage("us-west-2", ec2fake.Image{Name: "a", Tags: map[string]string{awslookup.DefaultKeyTag: awslookup.RoscoKeyTagValue(keys["us-west-2"])}})

	out := execute(t, raw)
	if want := map[string]string{"us-east-1": east.ID, "us-west-2": west.ID}; !out["found"].True() || !reflect.DeepEqual(strMap(out["ami_ids"]), want) {
		t.Errorf("ami_ids = %v, want %v", out["ami_ids"], want)
	}
}

func TestLookupImageName(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"lookup": "image_name"})
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "kato-all-20240131235959-centos"})
	out := execute(t, raw)
	if out["ami_id"].AsString() != img.ID {
		t.Errorf("ami_id = %v, want %s", out["ami_id"], img.ID)
	}

	delete(raw, "ami_suffix")
	err := configureErr(raw)
	if err == nil || !strings.Contains(err.Error(), `lookup "image_name" needs ami_suffix`) {
		t.Errorf("Configure without ami_suffix: %v", err)
	}
}

func TestLookupNoneNeedsNoAWS(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"lookup": "none", "base_ami": "ami-12345678"})
	out := execute(t, raw)
	if out["found"].True() || !reflect.DeepEqual(strList(out["missing_regions"]), []string{"us-east-1"}) {
		t.Errorf("found = %v missing = %v", out["found"], out["missing_regions"])
	}
	if got := strMap(out["source_ami"]); !reflect.DeepEqual(got, map[string]string{"us-east-1": "ami-12345678"}) {
		t.Errorf("source_ami = %v", got)
	}
	if n := fake.CallCount(""); n != 0 {
		t.Errorf("%d EC2 calls, want none", n)
	}
}

// A base AMI name picks the AMI amazon-ebs's source_ami_filter picks for the same name, state,
// virtualization type, owners and most_recent, also among images of one second (where the key
// lookup's own order would take the later millisecond), and the strict key holds that AMI.
func TestBaseAMINameChoosesAsAmazonEBSSourceAMIFilter(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"base_ami": "golden-base-*", "owners": []interface{}{"self"}, "most_recent": true})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "golden-base-late", CreationDate: time.Date(2026, 6, 1, 0, 0, 0, 900e6, time.UTC)})
	early := fake.AddImage("us-east-1", ec2fake.Image{Name: "golden-base-early", CreationDate: time.Date(2026, 6, 1, 0, 0, 0, 100e6, time.UTC)})

	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKEFORTESTS0001", "fake-secret", "")}
	client := awslookup.RegionClients(cfg, raw["custom_endpoint_ec2"].(string), []string{"us-east-1"})["us-east-1"]
	filter := awscommon.AmiFilterOptions{
		Filters: map[string]string{"name": "golden-base-*", "state": "available", "virtualization-type": "hvm"},
		Owners:  []string{"self"}, MostRecent: true,
	}
	amazonEBS, err := filter.GetFilteredImage(context.Background(), &ec2.DescribeImagesInput{}, client.(clients.Ec2Client))
	if err != nil || aws.ToString(amazonEBS.ImageId) != early.ID {
		t.Fatalf("amazon-ebs's source_ami_filter: %v, %v; the test expects %s", amazonEBS, err, early.ID)
	}

	out := execute(t, raw)
	if got := strMap(out["source_ami"])["us-east-1"]; got != early.ID {
		t.Errorf("source_ami = %s, amazon-ebs starts from %s", got, early.ID)
	}
	if doc := out["key_document"].AsString(); !strings.Contains(doc, `"source_ami":"`+early.ID+`"`) {
		t.Errorf("key document does not hold amazon-ebs's source AMI %s: %s", early.ID, doc)
	}
}

func TestBaseAMINameIsResolvedAndChangesTheStrictKey(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"base_ami": "golden-base", "owners": []interface{}{"self"},
		"most_recent": true, "regions": []interface{}{"us-west-2"}})
	first := fake.AddImage("us-east-1", ec2fake.Image{Name: "golden-base", CreationDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	west := fake.AddImage("us-west-2", ec2fake.Image{Name: "golden-base"})

	before := execute(t, raw)
	if got := strMap(before["source_ami"]); !reflect.DeepEqual(got, map[string]string{"us-east-1": first.ID, "us-west-2": west.ID}) {
		t.Fatalf("source_ami = %v", got)
	}
	if !strings.Contains(before["key_document"].AsString(), `"source_ami":"`+first.ID+`"`) {
		t.Errorf("key document does not hold the primary region's source AMI: %s", before["key_document"].AsString())
	}

	second := fake.AddImage("us-east-1", ec2fake.Image{Name: "golden-base", CreationDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	after := execute(t, raw)
	if strMap(after["source_ami"])["us-east-1"] != second.ID {
		t.Errorf("source_ami did not move to the newer base image")
	}
	if before["key"].AsString() == after["key"].AsString() {
		t.Error("a new base image left the strict key unchanged")
	}
	if !before["rosco_key"].RawEquals(after["rosco_key"]) {
		t.Error("Rosco's key changed; it must ignore the resolved base AMI, as Rosco does")
	}
}

func TestBaseAMINameNeedsExplicitOwners(t *testing.T) {
	_, raw := withFake(t, map[string]interface{}{"base_ami": "golden-base"})
	err := configureErr(raw)
	want := `base_ami: "golden-base" is an image name: set owners to the accounts that may own it (for security, as in the amazon plugin)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// In HCL2 an absent owners attribute arrives as null: the default applies,
// and a base AMI name is refused until owners is written out.
func TestHCLOwnersDefaultAndExplicit(t *testing.T) {
	base := "package_name = \"kato\"\nbase_os = \"noble\"\nregion = \"us-east-1\"\nbase_ami = \"golden-base\"\n"
	err := configureErr(decodeHCL(t, base))
	if err == nil || !strings.Contains(err.Error(), `base_ami: "golden-base" is an image name: set owners`) {
		t.Errorf("owners absent: err = %v", err)
	}
	d := &Datasource{}
	if err := d.Configure(decodeHCL(t, base+"owners = [\"099720109477\"]\n")); err != nil {
		t.Fatalf("owners set: %v", err)
	}
	if d.config.Lookup != "key" || d.config.KeyTag != "spinnaker:bake-key" || !reflect.DeepEqual(d.config.Owners, []string{"099720109477"}) {
		t.Errorf("config = lookup %q key_tag %q owners %v", d.config.Lookup, d.config.KeyTag, d.config.Owners)
	}
	d = &Datasource{}
	if err := d.Configure(decodeHCL(t, "package_name = \"kato\"\nregion = \"us-east-1\"\nlookup = \"key_only\"\n")); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.config.Owners, []string{"self"}) {
		t.Errorf("default owners = %v, want [self]", d.config.Owners)
	}
}

func TestLookupUnauthorizedNamesRegionAndOperation(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"regions": []interface{}{"us-west-2"}})
	fake.InjectFault(ec2fake.Fault{Region: "us-west-2", Code: "UnauthorizedOperation"})
	err := executeErr(t, raw)
	if err == nil || !strings.HasPrefix(err.Error(), "lookup key: us-west-2: DescribeImages: UnauthorizedOperation: You are not authorized") {
		t.Errorf("err = %v", err)
	}
}

func TestLookupOptionErrors(t *testing.T) {
	cases := []struct {
		extra map[string]interface{}
		want  string
	}{
		{map[string]interface{}{"lookup": "tags"}, `lookup: unknown value "tags": use key, key_only, rosco_key, image_name or none`},
		{map[string]interface{}{"owners": []interface{}{}}, "owners: must not be empty"},
		// amazon's AccessConfig checks its own options, as in spinnaker-ebs.
		{map[string]interface{}{"access_key": "AKID", "secret_key": ""}, "`access_key` and `secret_key` must both be either set or not set."},
		{map[string]interface{}{"rosco_config": "testdata/rosco.yml", "base_os": "centos"}, `rosco_config "testdata/rosco.yml": No virtualization settings found for 'centos'.`},
		{map[string]interface{}{"rosco_config": "testdata/rosco.yml", "base_os": "noble", "region": "eu-north-1"},
			`rosco_config "testdata/rosco.yml": No virtualization settings found for region 'eu-north-1', operating system 'noble', and vm type 'hvm'.`},
		{map[string]interface{}{"rosco_config": "testdata/rosco.yml", "base_os": "noble", "package_type": "rpm"},
			`package_type: "rpm" differs from "deb", the packageType of base image "noble" in rosco_config`},
		{map[string]interface{}{"rosco_config": "testdata/missing.yml"}, `rosco_config: read "testdata/missing.yml"`},
	}
	for _, c := range cases {
		_, raw := withFake(t, c.extra)
		err := configureErr(raw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.extra, err, c.want)
		}
	}
}

func TestRoscoConfigOutputs(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"rosco_config": "testdata/rosco.yml", "base_os": "noble",
		"regions": []interface{}{"us-west-2"}, "owners": []interface{}{"self"}})
	delete(raw, "vm_type") // from defaultVirtualizationType
	fake.AddImage("us-west-2", ec2fake.Image{Name: "noble-base-1", CreationDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	newest := fake.AddImage("us-west-2", ec2fake.Image{Name: "noble-base-2", CreationDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})

	out := execute(t, raw)
	want := map[string]string{
		"instance_type": "t3.small", "ssh_username": "ubuntu", "winrm_username": "", "package_type": "deb",
		"template_file": "aws-ebs.json", "repository": "https://apt.example.test/bakery noble main",
		"spot_price": "0", "spot_price_auto_product": "",
	}
	for k, v := range want {
		if got := out[k].AsString(); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := strMap(out["source_ami"]); !reflect.DeepEqual(got, map[string]string{"us-east-1": "ami-0a1b2c3d4e5f60718", "us-west-2": newest.ID}) {
		t.Errorf("source_ami = %v", got)
	}
	if !strings.Contains(out["key_document"].AsString(), "https://apt.example.test/bakery noble main") {
		t.Error("the strict key ignores rosco_config's repository")
	}

	raw["region"] = "us-west-2"
	raw["regions"] = []interface{}{}
	out = execute(t, raw)
	if out["spot_price"].AsString() != "auto" || out["spot_price_auto_product"].AsString() != "Linux/UNIX (Amazon VPC)" || out["instance_type"].AsString() != "t3.medium" {
		t.Errorf("us-west-2 outputs: spot %v product %v type %v", out["spot_price"], out["spot_price_auto_product"], out["instance_type"])
	}
}

func TestRoscoConfigBaseNameNotFoundGivesRoscosError(t *testing.T) {
	_, raw := withFake(t, map[string]interface{}{"rosco_config": "testdata/rosco.yml", "base_os": "noble",
		"region": "us-west-2", "owners": []interface{}{"self", "099720109477"}})
	err := executeErr(t, raw)
	want := `rosco_config "testdata/rosco.yml": No base image found for os 'noble', vm type 'hvm', region 'us-west-2', label: 'null', account: 'self,099720109477'`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestLookupWithoutCredentialsSuggestsLookupNone(t *testing.T) {
	_, raw := withFake(t, nil)
	delete(raw, "access_key")
	delete(raw, "secret_key")
	err := executeErr(t, raw)
	if err == nil || !strings.HasPrefix(err.Error(), "lookup key: AWS configuration: No valid credential sources found") || !strings.Contains(err.Error(), `set lookup = "none"`) {
		t.Errorf("err = %v, want it to say that no credentials were found and suggest lookup = \"none\"", err)
	}
}

func TestRegionIsRequired(t *testing.T) {
	raw := awsBakeHandlerRequest()
	delete(raw, "region")
	raw["regions"] = []interface{}{"us-west-2"}
	if err := configureErr(raw); err == nil || !strings.HasPrefix(err.Error(), "region: required") {
		t.Errorf("err = %v, want region: required", err)
	}
}

// Refusals of the base AMI's matches are not EC2 failures, so they carry no operation label.
func TestBaseAMISeveralMatchesIsNoDescribeImagesFailure(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"base_ami": "noble-base", "owners": []interface{}{"self"}})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "noble-base"})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "noble-base"})
	err := executeErr(t, raw)
	if err == nil || !strings.HasPrefix(err.Error(), `base_ami: us-east-1: base AMI name "noble-base" matches 2 images`) {
		t.Errorf("err = %v", err)
	}
}

// max_retries is amazon's option with amazon's meaning: attempts in all, the first included.
func TestLookupMaxRetriesCountsAttemptsAsAmazonEBS(t *testing.T) {
	fake, raw := withFake(t, map[string]interface{}{"max_retries": 3})
	fake.InjectFault(ec2fake.Fault{Code: "RequestLimitExceeded"})
	err := executeErr(t, raw)
	if err == nil || !strings.HasPrefix(err.Error(), "lookup key: us-east-1: DescribeImages: RequestLimitExceeded") {
		t.Errorf("err = %v", err)
	}
	if n := fake.CallCount("DescribeImages"); n != 3 {
		t.Errorf("DescribeImages calls = %d, want max_retries = 3 attempts", n)
	}
}
