package awslookup_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

const keyTag = awslookup.DefaultKeyTag

func TestFindImagesSendsOwnersAndServerSideFilters(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "app-1", Tags: map[string]string{keyTag: "k1"}})

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k1", Owners: []string{"self", "111122223333"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || res.AMIIDs["us-east-1"] != img.ID {
		t.Fatalf("result = %+v, want found %s", res, img.ID)
	}

	calls := fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("got %d calls, want 1 DescribeImages", len(calls))
	}
	want := map[string]string{
		"Action":           "DescribeImages",
		"Version":          ec2fake.APIVersion,
		"Owner.1":          "self",
		"Owner.2":          "111122223333",
		"Filter.1.Name":    "tag:" + keyTag,
		"Filter.1.Value.1": "k1",
		"Filter.2.Name":    "state",
		"Filter.2.Value.1": "available",
	}
	for k, v := range want {
		if got := calls[0].Form.Get(k); got != v {
			t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
	if len(calls[0].Form) != len(want) {
		t.Errorf("form has %d fields, want exactly %d: %v", len(calls[0].Form), len(want), calls[0].Form)
	}
	if calls[0].Region != "us-east-1" || calls[0].AccessKeyID != testKeyID {
		t.Errorf("call signed for %s with %s, want us-east-1 with %s", calls[0].Region, calls[0].AccessKeyID, testKeyID)
	}
}

func TestFindImagesFollowsNextTokenAcrossPages(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	base := at("2026-01-01T00:00:00Z")
	var newest ec2fake.Image
	for i := range 13 { // pages of 5: 5 + 5 + 3
		img := fake.AddImage("eu-west-1", ec2fake.Image{
			Name:         fmt.Sprintf("app-%02d", i),
			CreationDate: base.Add(time.Duration((i*7)%13) * time.Hour),
			Tags:         map[string]string{keyTag: "k"},
		})
		if (i*7)%13 == 12 {
			newest = img
		}
	}
	fake.AddImage("eu-west-1", ec2fake.Image{Name: "other", Tags: map[string]string{keyTag: "other"}})

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}, PageSize: 5}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "eu-west-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.AMIIDs["eu-west-1"]; got != newest.ID {
		t.Errorf("ami = %s, want newest %s (%s)", got, newest.ID, newest.Name)
	}
	calls := fake.Calls()
	if len(calls) != 3 {
		t.Fatalf("got %d calls, want 3 pages", len(calls))
	}
	for i, c := range calls {
		if c.Form.Get("MaxResults") != "5" {
			t.Errorf("call %d MaxResults = %q, want 5", i+1, c.Form.Get("MaxResults"))
		}
		if hasToken := c.Form.Get("NextToken") != ""; hasToken != (i > 0) {
			t.Errorf("call %d NextToken = %q", i+1, c.Form.Get("NextToken"))
		}
	}
	if calls[1].Form.Get("NextToken") == calls[2].Form.Get("NextToken") {
		t.Error("pages 2 and 3 were asked with the same token")
	}
}

func TestCheckModeAcceptsEveryModeItLists(t *testing.T) {
	for _, m := range awslookup.Modes() {
		if err := awslookup.CheckMode(m); err != nil {
			t.Errorf("CheckMode(%q) = %v", m, err)
		}
	}
	if err := awslookup.CheckMode("Key"); err == nil {
		t.Error(`CheckMode("Key") = nil: modes are case-sensitive`)
	}
}

func TestListImagesReturnsEveryMatchNewestFirstAcrossPages(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	base := at("2026-01-01T00:00:00Z")
	var want []string
	for i := range 11 { // pages of 5: 5 + 5 + 1, added oldest first
		img := fake.AddImage("eu-west-1", ec2fake.Image{Name: fmt.Sprintf("app-%d", i), CreationDate: base.Add(time.Duration(i) * time.Hour),
			Tags: map[string]string{keyTag: "k"}})
		want = append([]string{img.ID}, want...)
	}
	fake.AddImage("eu-west-1", ec2fake.Image{Name: "other", Tags: map[string]string{keyTag: "other"}})

	q := awslookup.Query{Mode: awslookup.ModeKeyOnly, KeyTag: keyTag, Value: "k", Owners: []string{"self"}, PageSize: 5}
	images, err := awslookup.ListImages(testContext(t), "eu-west-1", clientsFor(t, endpoint, "eu-west-1")["eu-west-1"], q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, img := range images {
		got = append(got, img.ID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ids = %v, want %v (newest first)", got, want)
	}
	if n := fake.CallCount("DescribeImages"); n != 3 {
		t.Errorf("%d calls, want 3 pages", n)
	}

	q.RegionValues = map[string]string{"eu-west-1": "k"}
	if _, err := awslookup.ListImages(testContext(t), "eu-west-1", clientsFor(t, endpoint, "eu-west-1")["eu-west-1"], q); err == nil {
		t.Error("ListImages with RegionValues: no error")
	}
	if _, err := awslookup.ListImages(testContext(t), "eu-west-1", nil, awslookup.Query{Mode: awslookup.ModeNone}); err == nil ||
		err.Error() != `list images: lookup "none" looks nothing up` {
		t.Errorf("ListImages with lookup none: %v", err)
	}
}

func TestFindImagesFollowsServerChosenPages(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{DefaultPageSize: 2})
	for i := range 5 {
		fake.AddImage("us-east-1", ec2fake.Image{Name: fmt.Sprintf("a%d", i), Tags: map[string]string{keyTag: "k"}})
	}
	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	if _, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 3 || calls[0].Form.Has("MaxResults") {
		t.Fatalf("got %d calls (first form %v), want 3 without MaxResults", len(calls), calls[0].Form)
	}
}

func TestFindImagesRetriesThrottlingThenSucceeds(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "app", Tags: map[string]string{keyTag: "k"}})
	fake.InjectFault(ec2fake.Fault{Action: "DescribeImages", Code: "RequestLimitExceeded", Times: 2})

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q)
	if err != nil {
		t.Fatalf("throttled twice, then answered: %v", err)
	}
	if res.AMIIDs["us-east-1"] != img.ID {
		t.Errorf("ami = %q, want %s", res.AMIIDs["us-east-1"], img.ID)
	}
	if n := fake.CallCount("DescribeImages"); n != 3 {
		t.Errorf("%d calls, want 2 throttled + 1 answered", n)
	}
}

func TestFindImagesUnauthorizedNamesRegionAndOperation(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	fake.InjectFault(ec2fake.Fault{Region: "us-west-2", Code: "UnauthorizedOperation"})

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	_, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1", "us-west-2"), q)
	if err == nil {
		t.Fatal("no error for UnauthorizedOperation")
	}
	if !strings.HasPrefix(err.Error(), "us-west-2: DescribeImages: UnauthorizedOperation: You are not authorized") {
		t.Errorf("err = %q", err)
	}
	var regionErr *awslookup.RegionError
	if !errors.As(err, &regionErr) || regionErr.Region != "us-west-2" || awslookup.ErrorCode(err) != "UnauthorizedOperation" {
		t.Errorf("err = %#v, want *RegionError for us-west-2 with code UnauthorizedOperation", err)
	}
	west := 0
	for _, c := range fake.Calls() {
		if c.Region == "us-west-2" {
			west++
		}
	}
	if west != 1 {
		t.Errorf("%d calls to us-west-2, want 1 (authorization failures are not retried)", west)
	}
}

func TestFindImagesNewestMatchWins(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	tags := map[string]string{keyTag: "k"}
	fake.AddImage("us-east-1", ec2fake.Image{Name: "mid", CreationDate: at("2026-05-01T00:00:00Z"), Tags: tags})
	newest := fake.AddImage("us-east-1", ec2fake.Image{Name: "new", CreationDate: at("2026-06-01T00:00:00Z"), Tags: tags})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "old", CreationDate: at("2026-01-01T00:00:00Z"), Tags: tags})
	// Newer, but not eligible: pending, someone else's, another key.
	fake.AddImage("us-east-1", ec2fake.Image{Name: "pending", State: "pending", CreationDate: at("2026-07-01T00:00:00Z"), Tags: tags})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "foreign", OwnerID: "999999999999", LaunchPermissions: []ec2fake.LaunchPermission{{Group: "all"}}, CreationDate: at("2026-08-01T00:00:00Z"), Tags: tags})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "other-key", CreationDate: at("2026-09-01T00:00:00Z"), Tags: map[string]string{keyTag: "k2"}})

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Images["us-east-1"]
	if got.ID != newest.ID || got.Name != "new" || got.CreationDate != "2026-06-01T00:00:00.000Z" || got.Tags[keyTag] != "k" {
		t.Errorf("image = %+v, want %s named new", got, newest.ID)
	}
}

func TestFindImagesReportsMissingRegions(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	tags := map[string]string{keyTag: "k"}
	east := fake.AddImage("us-east-1", ec2fake.Image{Name: "app", Tags: tags})
	eu := fake.AddImage("eu-west-1", ec2fake.Image{Name: "app", Tags: tags})

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1", "us-west-2", "eu-west-1", "ap-south-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Found {
		t.Error("found = true with two regions missing")
	}
	if want := map[string]string{"us-east-1": east.ID, "eu-west-1": eu.ID}; !reflect.DeepEqual(res.AMIIDs, want) {
		t.Errorf("ami_ids = %v, want %v", res.AMIIDs, want)
	}
	if want := []string{"ap-south-1", "us-west-2"}; !reflect.DeepEqual(res.MissingRegions, want) {
		t.Errorf("missing = %v, want %v", res.MissingRegions, want)
	}
	if n := fake.CallCount("DescribeImages"); n != 4 {
		t.Errorf("%d calls, want one per region", n)
	}
}

func TestFindImagesByRoscoKeyHash(t *testing.T) {
	roscoKey := "bake:aws:ubuntu:" + strings.Repeat("pkg-with-a-long-name_1.0-h1|", 12) + ":us-east-1:hvm:enhancedNWDisabled"
	fake, endpoint := newFake(t, ec2fake.Options{})
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "app", Tags: map[string]string{keyTag: awslookup.RoscoKeyTagValue(roscoKey)}})

	q := awslookup.Query{Mode: awslookup.ModeRoscoKey, KeyTag: keyTag, Value: roscoKey, Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	if res.AMIIDs["us-east-1"] != img.ID {
		t.Errorf("not found by hashed Rosco key: %+v", res)
	}
	if got := fake.Calls()[0].Form.Get("Filter.1.Value.1"); len(got) != 64 {
		t.Errorf("filter value %q is not a SHA-256 hex digest", got)
	}
}

func TestFindImagesWithAValuePerRegion(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	keys := map[string]string{
		"us-east-1": "bake:aws:noble:app:us-east-1:hvm:enhancedNWDisabled",
		"us-west-2": "bake:aws:noble:app:us-west-2:hvm:enhancedNWDisabled",
	}
	east := fake.AddImage("us-east-1", ec2fake.Image{Name: "app", Tags: map[string]string{keyTag: awslookup.RoscoKeyTagValue(keys["us-east-1"])}})
	// us-west-2 only holds an image tagged with the other region's key.
	fake.AddImage("us-west-2", ec2fake.Image{Name: "app", Tags: map[string]string{keyTag: awslookup.RoscoKeyTagValue(keys["us-east-1"])}})

	q := awslookup.Query{Mode: awslookup.ModeRoscoKey, KeyTag: keyTag, RegionValues: keys, Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1", "us-west-2"), q)
	if err != nil {
		t.Fatal(err)
	}
	if res.AMIIDs["us-east-1"] != east.ID || !reflect.DeepEqual(res.MissingRegions, []string{"us-west-2"}) {
		t.Errorf("result = %+v", res)
	}

	delete(keys, "us-west-2")
	_, err = awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1", "us-west-2"), q)
	if err == nil || err.Error() != "find images: us-west-2: no lookup value for this region" {
		t.Errorf("err = %v", err)
	}
}

func TestRoscoKeyTagValueIsSHA256Hex(t *testing.T) {
	// FIPS 180-2 test vector for "abc".
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := awslookup.RoscoKeyTagValue("abc"); got != want {
		t.Errorf("RoscoKeyTagValue(abc) = %s, want %s", got, want)
	}
}

func TestFindImagesByExactName(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	img := fake.AddImage("us-east-1", ec2fake.Image{Name: "kato-all-20261121120000-trusty"})
	fake.AddImage("us-east-1", ec2fake.Image{Name: "kato-all-20261121120000-trusty-copy"})

	q := awslookup.Query{Mode: awslookup.ModeImageName, Value: img.Name, Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	if res.AMIIDs["us-east-1"] != img.ID {
		t.Errorf("result = %+v, want %s", res, img.ID)
	}
	if f := fake.Calls()[0].Form; f.Get("Filter.1.Name") != "name" || f.Get("Filter.1.Value.1") != img.Name {
		t.Errorf("form = %v, want a name filter", f)
	}
}

func TestFindImagesModeNoneMakesNoCall(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{})
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-west-2", "us-east-1"), awslookup.Query{Mode: awslookup.ModeNone})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found || !reflect.DeepEqual(res.MissingRegions, []string{"us-east-1", "us-west-2"}) {
		t.Errorf("result = %+v, want nothing found", res)
	}
	if n := fake.CallCount(""); n != 0 {
		t.Errorf("%d calls, want none", n)
	}
}

func TestQueryValidate(t *testing.T) {
	self := []string{"self"}
	cases := []struct {
		name string
		q    awslookup.Query
		want string
	}{
		{"unknown mode", awslookup.Query{Mode: "tag", KeyTag: keyTag, Value: "k", Owners: self}, `lookup: unknown value "tag": use key, key_only, rosco_key, image_name or none`},
		{"empty key", awslookup.Query{Mode: "key", KeyTag: keyTag, Owners: self}, `lookup "key" needs a key, and the key is empty`},
		{"empty tag", awslookup.Query{Mode: "rosco_key", Value: "k", Owners: self}, "key_tag must not be empty"},
		{"key too long", awslookup.Query{Mode: "key", KeyTag: keyTag, Value: strings.Repeat("k", 257), Owners: self}, `lookup "key": key is 257 characters, more than the 256 an EC2 tag value may hold; use lookup "rosco_key", which tags its SHA-256`},
		{"key_only too long", awslookup.Query{Mode: "key_only", KeyTag: keyTag, Value: strings.Repeat("k", 257), Owners: self}, `lookup "key_only": key is 257 characters, more than the 256 an EC2 tag value may hold; use lookup "rosco_key", which tags its SHA-256`},
		{"empty name", awslookup.Query{Mode: "image_name", Owners: self}, `lookup "image_name" needs an image name, and the name is empty`},
		{"no owners", awslookup.Query{Mode: "key", KeyTag: keyTag, Value: "k"}, "owners must not be empty: without owners EC2 also returns public images"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.q.Validate()
			if err == nil || err.Error() != c.want {
				t.Errorf("Validate() = %v, want %q", err, c.want)
			}
		})
	}
	for _, q := range []awslookup.Query{
		{Mode: "none"},
		{Mode: "key", KeyTag: keyTag, Value: strings.Repeat("k", 256), Owners: self},
		{Mode: "rosco_key", KeyTag: keyTag, Value: strings.Repeat("k", 2000), Owners: self},
	} {
		if err := q.Validate(); err != nil {
			t.Errorf("Validate(%s, %d chars) = %v", q.Mode, len(q.Value), err)
		}
	}
}

// TestFindImagesQueriesRegionsConcurrently holds every DescribeImages until
// all regions have called. A sequential lookup never gets there: its first
// call times out and the lookup fails.
func TestFindImagesQueriesRegionsConcurrently(t *testing.T) {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1"}
	fake := ec2fake.New(ec2fake.Options{})
	for _, r := range regions {
		fake.AddImage(r, ec2fake.Image{Name: "app", Tags: map[string]string{keyTag: "k"}})
	}
	var (
		mu      sync.Mutex
		arrived = map[string]bool{}
		all     = make(chan struct{})
	)
	scope := regexp.MustCompile(`/[0-9]{8}/([a-z0-9-]+)/ec2/`)
	barrier := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if m := scope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && !arrived[m[1]] {
			arrived[m[1]] = true
			if len(arrived) == len(regions) {
				close(all)
			}
		}
		mu.Unlock()
		select {
		case <-all:
			fake.ServeHTTP(w, r)
		case <-time.After(5 * time.Second):
			// 400: not retryable, so the lookup fails instead of trying again.
			http.Error(w, "regions were not queried concurrently", http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(barrier)
	t.Cleanup(srv.Close)
	endpoint := srv.URL

	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, regions...), q)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found {
		t.Errorf("result = %+v", res)
	}
}

// Images created in the same second are told apart by id, the greater id winning, so every
// run and every component picks the same one (documented in the datasource's docs).
func TestFindImagesBreaksCreationDateTiesByGreatestID(t *testing.T) {
	fake, endpoint := newFake(t, ec2fake.Options{DefaultPageSize: 1})
	tags := map[string]string{keyTag: "k"}
	var ids []string
	for _, id := range []string{"ami-0000000000000000b", "ami-0000000000000000c", "ami-0000000000000000a"} {
		ids = append(ids, fake.AddImage("us-east-1", ec2fake.Image{ID: id, Name: id, CreationDate: at("2026-06-01T00:00:00Z"), Tags: tags}).ID)
	}
	q := awslookup.Query{Mode: awslookup.ModeKey, KeyTag: keyTag, Value: "k", Owners: []string{"self"}}
	res, err := awslookup.FindImages(testContext(t), clientsFor(t, endpoint, "us-east-1"), q)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.AMIIDs["us-east-1"]; got != "ami-0000000000000000c" {
		t.Errorf("tie on creation date among %v picked %s, want the greatest id", ids, got)
	}
}
