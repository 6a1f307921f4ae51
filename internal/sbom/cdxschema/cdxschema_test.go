package cdxschema

import "testing"

// TestValidateCanFail shows the check is real: documents that break the schema in different
// ways are refused, a minimal valid one passes.
func TestValidateCanFail(t *testing.T) {
	if err := Validate([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`)); err != nil {
		t.Errorf("minimal document: %v", err)
	}
	for _, doc := range []string{
		`{"specVersion":"1.6"}`, // no bomFormat
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}]}`,          // component without type
		`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":"yesterday"}}`, // format assertion
		`{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"42"}`,                  // pattern
		`not json`,
	} {
		if err := Validate([]byte(doc)); err == nil {
			t.Errorf("%s validated", doc)
		}
	}
}
