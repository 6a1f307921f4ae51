package ec2fake

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Seed is the JSON a fake can be started with (cmd/ec2fake -seed):
//
//	{"images": {"us-east-1": [{"name": "app-1", "tags": {"spinnaker:bake-key": "…"},
//	                           "creation_date": "2026-11-01T10:00:00Z"}]}}
type Seed struct {
	Images map[string][]Image `json:"images"`
}

// LoadSeedFile reads a Seed from a JSON file.
func LoadSeedFile(path string) (Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return Seed{}, fmt.Errorf("open seed %q: %w", path, err)
	}
	defer f.Close()
	seed, err := DecodeSeed(f)
	if err != nil {
		return Seed{}, fmt.Errorf("seed %q: %w", path, err)
	}
	return seed, nil
}

// DecodeSeed reads a Seed; unknown fields are errors so typos do not pass silently.
func DecodeSeed(r io.Reader) (Seed, error) {
	var seed Seed
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return Seed{}, fmt.Errorf("decode seed: %w", err)
	}
	return seed, nil
}

// Load adds every image of the seed.
func (s *Server) Load(seed Seed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for region, imgs := range seed.Images {
		for _, img := range imgs {
			s.addImageLocked(region, img)
		}
	}
}
