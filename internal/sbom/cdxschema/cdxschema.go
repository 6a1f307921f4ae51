// Package cdxschema validates documents against the CycloneDX project's published JSON schema
// for CycloneDX 1.6, kept as test data (testdata/cyclonedx-1.6, with its licence). It is for
// tests only: the unit tests of internal/sbom and the end-to-end tests import it, the plugin
// does not.
package cdxschema

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed testdata/cyclonedx-1.6/*.json
var files embed.FS

// schemaBase is where the CycloneDX schemas say they live ($id); the 1.6 schema refers to the
// other two relative to it.
const schemaBase = "http://cyclonedx.org/schema/"

var compiled = sync.OnceValues(compile)

// compile loads the three schemas and compiles bom-1.6 with format assertions on (date-time,
// iri-reference, ...), which draft-07 leaves optional.
func compile() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		data, err := files.ReadFile("testdata/cyclonedx-1.6/" + name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := c.AddResource(schemaBase+name, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c.Compile(schemaBase + "bom-1.6.schema.json")
}

// Validate checks doc, a JSON document, against the CycloneDX 1.6 schema.
func Validate(doc []byte) error {
	s, err := compiled()
	if err != nil {
		return fmt.Errorf("compile the CycloneDX 1.6 schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}
