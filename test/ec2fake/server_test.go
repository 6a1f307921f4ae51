package ec2fake

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

type errorDoc struct {
	Code    string `xml:"Errors>Error>Code"`
	Message string `xml:"Errors>Error>Message"`
}

func post(t *testing.T, h http.Handler, form url.Values, region string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if region != "" {
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261121/"+region+"/ec2/aws4_request, SignedHeaders=host, Signature=00")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func describe(extra ...string) url.Values {
	f := url.Values{"Action": {"DescribeImages"}, "Version": {APIVersion}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Add(extra[i], extra[i+1])
	}
	return f
}

func TestErrorsUseEC2DocumentAndStatus(t *testing.T) {
	cases := []struct {
		name       string
		setup      func(*Server)
		form       url.Values
		wantStatus int
		wantCode   string
	}{
		{"throttled", func(s *Server) { s.InjectFault(Fault{Code: "RequestLimitExceeded", Times: 1}) }, describe(), 503, "RequestLimitExceeded"},
		{"unauthorized", func(s *Server) { s.InjectFault(Fault{Region: "eu-west-1", Code: "UnauthorizedOperation"}) }, describe(), 403, "UnauthorizedOperation"},
		{"auth failure", func(s *Server) { s.InjectFault(Fault{Code: "AuthFailure"}) }, describe(), 401, "AuthFailure"},
		{"unknown action", nil, url.Values{"Action": {"RunInstances"}, "Version": {APIVersion}}, 400, "InvalidAction"},
		{"no version", nil, url.Values{"Action": {"DescribeImages"}}, 400, "MissingParameter"},
		{"unknown filter", nil, describe("Filter.1.Name", "colour", "Filter.1.Value.1", "red"), 400, "InvalidParameterValue"},
		{"bad token", nil, describe("NextToken", "not-a-token"), 400, "InvalidPaginationToken"},
		{"bad max results", nil, describe("MaxResults", "2"), 400, "InvalidParameterValue"},
		{"unknown image id", nil, describe("ImageId.1", "ami-0123456789abcdef0"), 400, "InvalidAMIID.NotFound"},
		{"malformed image id", nil, describe("ImageId.1", "image-1"), 400, "InvalidAMIID.Malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(Options{})
			if c.setup != nil {
				c.setup(s)
			}
			status, body := post(t, s, c.form, "eu-west-1")
			var doc errorDoc
			if err := xml.Unmarshal([]byte(body), &doc); err != nil || !strings.Contains(body, "<Response><Errors><Error><Code>") {
				t.Fatalf("body is not EC2's error document: %v\n%s", err, body)
			}
			if status != c.wantStatus || doc.Code != c.wantCode || doc.Message == "" {
				t.Errorf("got %d %s %q, want %d %s", status, doc.Code, doc.Message, c.wantStatus, c.wantCode)
			}
		})
	}
}

func TestFaultTimesAndScope(t *testing.T) {
	s := New(Options{})
	s.InjectFault(Fault{Action: "DescribeImages", Region: "us-east-1", Code: "RequestLimitExceeded", Times: 2})
	var got []int
	for _, region := range []string{"us-west-2", "us-east-1", "us-east-1", "us-east-1"} {
		status, _ := post(t, s, describe(), region)
		got = append(got, status)
	}
	if want := []int{200, 503, 503, 200}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if n := s.CallCount("DescribeImages"); n != 4 {
		t.Errorf("recorded %d calls, want 4 including faulted ones", n)
	}
}

func TestDescribeImagesFiltersAndPages(t *testing.T) {
	s := New(Options{})
	for _, name := range []string{"app-1", "app-2", "app-3", "web-1"} {
		s.AddImage("us-west-2", Image{Name: name, Tags: map[string]string{"team": "bakery"}})
	}
	s.AddImage("us-west-2", Image{Name: "app-4", State: "pending"})
	s.AddImage("us-east-1", Image{Name: "app-5"})

	form := describe("Owner.1", "self", "Filter.1.Name", "name", "Filter.1.Value.1", "app-*",
		"Filter.2.Name", "state", "Filter.2.Value.1", "available", "Filter.3.Name", "tag-key", "Filter.3.Value.1", "te?m",
		"MaxResults", "5")
	status, body := post(t, s, form, "us-west-2")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var resp struct {
		Names []string `xml:"imagesSet>item>name"`
		Next  string   `xml:"nextToken"`
	}
	if err := xml.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	if want := []string{"app-1", "app-2", "app-3"}; !reflect.DeepEqual(resp.Names, want) || resp.Next != "" {
		t.Errorf("names = %v next %q, want %v and no token", resp.Names, resp.Next, want)
	}

	s2 := New(Options{DefaultPageSize: 2})
	for range 5 {
		s2.AddImage("us-east-1", Image{Name: "x"})
	}
	var seen int
	token := ""
	for page := 1; ; page++ {
		f := describe()
		if token != "" {
			f.Set("NextToken", token)
		}
		_, body := post(t, s2, f, "us-east-1")
		resp.Names, resp.Next = nil, ""
		if err := xml.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatal(err)
		}
		seen += len(resp.Names)
		if resp.Next == "" {
			if page != 3 || seen != 5 {
				t.Errorf("%d images over %d pages, want 5 over 3", seen, page)
			}
			break
		}
		token = resp.Next
	}
}

func TestListParamAndFiltersOrderByIndex(t *testing.T) {
	form := url.Values{
		"Owner.10": {"c"}, "Owner.2": {"b"}, "Owner.1": {"a"},
		"Filter.2.Name": {"state"}, "Filter.2.Value.1": {"available"},
		"Filter.1.Name": {"tag:k"}, "Filter.1.Value.2": {"v2"}, "Filter.1.Value.1": {"v1"},
	}
	if got := ListParam(form, "Owner"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("ListParam = %v", got)
	}
	got, err := Filters(form)
	want := []Filter{{Name: "tag:k", Values: []string{"v1", "v2"}}, {Name: "state", Values: []string{"available"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Filters = %v, %v; want %v", got, err, want)
	}
}

func TestMatchWildcard(t *testing.T) {
	cases := []struct {
		pattern, value string
		want           bool
	}{
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"a*", "a/b/c", true},
		{"*-trusty", "kato-all-20261121-trusty", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{`a\*c`, "a*c", true},
		{`a\*c`, "abc", false},
		{"*a*b", "xaxxb", true},
		{"*a*b", "xaxxbc", false},
		{"", "", true},
	}
	for _, c := range cases {
		if got := matchWildcard(c.pattern, c.value); got != c.want {
			t.Errorf("matchWildcard(%q, %q) = %v, want %v", c.pattern, c.value, got, c.want)
		}
	}
}

func TestListenServesOnLoopback(t *testing.T) {
	s := New(Options{})
	l, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(l.Endpoint, describe())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Error(err)
	}
}

func TestSeedRejectsUnknownFields(t *testing.T) {
	if _, err := DecodeSeed(strings.NewReader(`{"images": {"us-east-1": [{"nmae": "typo"}]}}`)); err == nil {
		t.Error("seed with unknown field accepted")
	}
	seed, err := DecodeSeed(strings.NewReader(`{"images": {"us-east-1": [{"name": "a", "creation_date": "2026-11-01T10:00:00Z", "tags": {"k": "v"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{})
	s.Load(seed)
	imgs := s.Images("us-east-1")
	if len(imgs) != 1 || imgs[0].Tags["k"] != "v" || imgs[0].State != "available" || imgs[0].OwnerID != DefaultAccountID {
		t.Errorf("images = %+v", imgs)
	}
}
