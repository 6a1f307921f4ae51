// Package roscovectors finds and decodes the Rosco conformance vectors file for tests.
//
// The file is the project's own test data, internal/rosco/testdata/rosco-vectors.json (taken from
// Rosco's specs; DefaultPath names it), so a lone clone runs every test. The environment variable
// ROSCO_VECTORS names another file of the same shape. A missing or malformed file fails the test:
// the vectors are the specification, so a test must never pass without them.
package roscovectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Env is the environment variable that overrides the vectors file.
const Env = "ROSCO_VECTORS"

// DefaultPath is the vectors file's place relative to the repository root.
const DefaultPath = "internal/rosco/testdata/rosco-vectors.json"

// Path returns the vectors file to use.
func Path() (string, error) {
	if p := os.Getenv(Env); p != "" {
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(DefaultPath)), nil
}

// Load decodes the vectors file into v (a struct with the categories the test needs).
func Load(t testing.TB, v any) {
	t.Helper()
	path, err := Path()
	if err != nil {
		t.Fatalf("locate the Rosco vectors: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the Rosco vectors (set %s to override the path): %v", Env, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode the Rosco vectors %s: %v", path, err)
	}
}

// repoRoot walks up from the working directory (a package directory under go test) to the
// directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("look for go.mod in %s: %w", dir, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
