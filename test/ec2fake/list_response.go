package ec2fake

import "encoding/xml"

// listResponse is the answer of an action that returns a list, in EC2's
// shape:
//
//	<ActionResponse xmlns="…"><requestId>…</requestId>[<subject>…</subject>]
//	<set><item>…</item>…</set>[<nextToken>…</nextToken>]</ActionResponse>
//
// encoding/xml takes element names from struct tags only, so this one type
// with its own MarshalXML stands for what would otherwise be a struct per
// action differing only in names.
type listResponse[X any] struct {
	Action    string // e.g. DescribeVpcs
	RequestID string
	// Subject, when set, names what the list belongs to, e.g. the imageId
	// of DescribeImageAttribute.
	Subject *xmlText
	// Set is the element that holds the items, there (empty) when there
	// are none, as in EC2's answers.
	Set       string
	Items     []X
	NextToken string
}

// xmlText is an element with text content.
type xmlText struct {
	Name, Value string
}

// MarshalXML writes the answer document.
func (l listResponse[X]) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	root := xml.StartElement{Name: xml.Name{Local: l.Action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlns}}}
	if err := e.EncodeToken(root); err != nil {
		return err
	}
	texts := []xmlText{{"requestId", l.RequestID}}
	if l.Subject != nil {
		texts = append(texts, *l.Subject)
	}
	for _, t := range texts {
		if err := e.EncodeElement(t.Value, element(t.Name)); err != nil {
			return err
		}
	}
	set := element(l.Set)
	if err := e.EncodeToken(set); err != nil {
		return err
	}
	for _, it := range l.Items {
		if err := e.EncodeElement(it, element("item")); err != nil {
			return err
		}
	}
	if err := e.EncodeToken(set.End()); err != nil {
		return err
	}
	if l.NextToken != "" {
		if err := e.EncodeElement(l.NextToken, element("nextToken")); err != nil {
			return err
		}
	}
	return e.EncodeToken(root.End())
}

func element(name string) xml.StartElement {
	return xml.StartElement{Name: xml.Name{Local: name}}
}
