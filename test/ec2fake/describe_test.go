package ec2fake

import (
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
	"testing"
)

type toy struct{ ID, Name, Region, Colour string }

type toyXML struct {
	ID string `xml:"toyId"`
}

var toyDescribe = describeAction[toy, toyXML]{
	IDs: []idParam[toy]{
		{Param: "Name", Of: func(t toy) string { return t.Name }, NotFound: notFound{"InvalidToyName.NotFound", "no toy named %s"}.of},
		{Param: "ToyId", Of: func(t toy) string { return t.ID }, NotFound: notFound{"InvalidToyID.NotFound", "no toy %s"}.of},
	},
	Region: func(t toy) string { return t.Region },
	Fields: map[string]func(toy) string{"colour": func(t toy) string { return t.Colour }},
	Set:    "toySet",
	Item:   func(_ *Request, t toy) toyXML { return toyXML{ID: t.ID} },
}

// The shared Describe logic: region, every id list given, filters, id order,
// EC2's errors, and the answer document.
func TestDescribeActionNamesFiltersAndAnswers(t *testing.T) {
	all := map[string]toy{
		"t-3": {ID: "t-3", Name: "c", Region: "us-east-1", Colour: "red"},
		"t-1": {ID: "t-1", Name: "a", Region: "us-east-1", Colour: "red"},
		"t-2": {ID: "t-2", Name: "b", Region: "us-east-1", Colour: "blue"},
		"t-9": {ID: "t-9", Name: "z", Region: "eu-west-1", Colour: "red"},
	}
	cases := []struct {
		name     string
		form     []string
		want     []string
		wantCode string
	}{
		{"all of the region in id order", nil, []string{"t-1", "t-2", "t-3"}, ""},
		{"filter", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "r*"}, []string{"t-1", "t-3"}, ""},
		{"named by id", []string{"ToyId.1", "t-3", "ToyId.2", "t-2"}, []string{"t-2", "t-3"}, ""},
		{"names and ids intersect", []string{"Name.1", "a", "Name.2", "b", "ToyId.1", "t-2"}, []string{"t-2"}, ""},
		{"named and filtered", []string{"ToyId.1", "t-2", "Filter.1.Name", "colour", "Filter.1.Value.1", "red"}, nil, ""},
		{"id of another region", []string{"ToyId.1", "t-9"}, nil, "InvalidToyID.NotFound"},
		{"names checked first", []string{"Name.1", "nope", "ToyId.1", "nope"}, nil, "InvalidToyName.NotFound"},
		{"unknown filter", []string{"Filter.1.Name", "size", "Filter.1.Value.1", "x"}, nil, "InvalidParameterValue"},
		{"filter without values", []string{"Filter.1.Name", "colour"}, nil, "InvalidParameterValue"},
		{"no tag filters on a type without tags", []string{"Filter.1.Name", "tag:colour", "Filter.1.Value.1", "red"}, nil, "InvalidParameterValue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{}
			for i := 0; i+1 < len(c.form); i += 2 {
				form.Add(c.form[i], c.form[i+1])
			}
			resp, err := toyDescribe.answer(&Request{Region: "us-east-1", Action: "DescribeToys", RequestID: "req-1", Form: form}, all)
			if c.wantCode != "" {
				if apiErr, ok := err.(*APIError); !ok || apiErr.Code != c.wantCode {
					t.Fatalf("error %v, want %s", err, c.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := xml.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				XMLName   xml.Name
				Xmlns     string   `xml:"xmlns,attr"`
				RequestID string   `xml:"requestId"`
				IDs       []string `xml:"toySet>item>toyId"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.XMLName.Local != "DescribeToysResponse" || doc.Xmlns != xmlns || doc.RequestID != "req-1" || !slices.Equal(doc.IDs, c.want) {
				t.Errorf("answer %s, want toys %v", body, c.want)
			}
			if !strings.Contains(string(body), "<toySet>") {
				t.Errorf("answer without its (possibly empty) set, unlike EC2's: %s", body)
			}
		})
	}
}

// As EC2 does, an unknown filter is refused even where no resource would be
// tested.
func TestDescribeActionRefusesAnUnknownFilterWithNothingToTest(t *testing.T) {
	form := url.Values{"Filter.1.Name": {"size"}, "Filter.1.Value.1": {"x"}}
	_, err := toyDescribe.answer(&Request{Region: "us-east-1", Action: "DescribeToys", Form: form}, map[string]toy{})
	if apiErr, ok := err.(*APIError); !ok || apiErr.Code != "InvalidParameterValue" {
		t.Errorf("error %v, want InvalidParameterValue", err)
	}
}
