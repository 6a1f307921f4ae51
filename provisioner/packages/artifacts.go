package packages

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// roscoArtifact is the part of a Spinnaker artifact Rosco's script reads.
type roscoArtifact struct {
	Reference string `json:"reference"`
}

// readArtifactsFile reads Rosco's artifacts.json on the Packer host. As in
// install_packages.sh, the last whitespace-separated field of each
// reference is a package and the fields before it a repository entry. A
// reference with a single field adds only the package: Rosco wrote an empty
// `deb ` line for it, which apt rejects.
func readArtifactsFile(path string) (repoLines, pkgs []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("artifacts_file: %w", err)
	}
	var artifacts []roscoArtifact
	if err := json.Unmarshal(data, &artifacts); err != nil {
		return nil, nil, fmt.Errorf("artifacts_file %q: not a JSON array of artifacts: %w", path, err)
	}
	for i, a := range artifacts {
		fields := strings.Fields(a.Reference)
		if len(fields) == 0 {
			return nil, nil, fmt.Errorf("artifacts_file %q: artifact %d has an empty reference", path, i)
		}
		pkgs = append(pkgs, fields[len(fields)-1])
		if len(fields) > 1 {
			repoLines = append(repoLines, strings.Join(fields[:len(fields)-1], " "))
		}
	}
	return repoLines, pkgs, nil
}
