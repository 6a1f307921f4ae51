package roscoconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads a rosco.yml file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rosco_config: read %q: %w", path, err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("rosco_config %q: %w", path, err)
	}
	return cfg, nil
}

// Parse reads rosco.yml content. With several YAML documents, a later
// document's values override earlier ones, as Spring applies them when no
// profile conditions are involved.
func Parse(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	merged := &Config{}
	found := false
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse yaml: %w", err)
		}
		canonicalizeKeys(&doc)
		var part Config
		if err := doc.Decode(&part); err != nil {
			return nil, fmt.Errorf("decode aws.bakeryDefaults: %w", err)
		}
		found = found || hasBakeryDefaults(&doc)
		merged.overlay(part)
	}
	if !found {
		return nil, errors.New("no aws.bakeryDefaults section")
	}
	return merged, nil
}

// canonicalKey folds the spellings Spring's relaxed binding treats as one
// property: templateFile, template-file, template_file, TEMPLATEFILE.
func canonicalKey(k string) string {
	return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(k))
}

func canonicalizeKeys(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			n.Content[i].Value = canonicalKey(n.Content[i].Value)
		}
	}
	for _, c := range n.Content {
		canonicalizeKeys(c)
	}
}

func hasBakeryDefaults(doc *yaml.Node) bool {
	return child(child(doc, "aws"), "bakerydefaults") != nil
}

// child returns the value of key in a mapping (looking through the document node).
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// overlay applies the values a later document sets.
func (c *Config) overlay(o Config) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.DebianRepository, o.DebianRepository)
	set(&c.YumRepository, o.YumRepository)
	set(&c.ChocolateyRepository, o.ChocolateyRepository)
	b, ob := &c.AWS.BakeryDefaults, o.AWS.BakeryDefaults
	set(&b.TemplateFile, ob.TemplateFile)
	set(&b.DefaultVirtualizationType, ob.DefaultVirtualizationType)
	if ob.BaseImages != nil {
		b.BaseImages = ob.BaseImages
	}
}
