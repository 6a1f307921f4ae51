package sbom

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
)

// Origin is a repository a package's installed version is available from.
type Origin struct {
	// URL is the repository's base URL, its credentials masked.
	URL string
	// Label says which part of the repository: apt's distribution and component as apt prints
	// them ("./" for a flat repository, "bookworm/main"), or dnf's repository id.
	Label string
}

// AptPolicyCommand is the command whose output ParseAptPolicy reads, before the package names.
// LC_ALL=C keeps apt's table headings in English.
const AptPolicyCommand = "LC_ALL=C apt-cache policy"

// ParseAptPolicy reads `apt-cache policy NAME...` and returns, for each package, the repositories
// its installed version (the row marked ***) is listed in, in apt's order. The dpkg status file,
// which apt lists as a source of every installed version, is not a repository and is left out;
// a package installed from a file or from a repository removed since has no origin.
func ParseAptPolicy(r io.Reader) (map[string][]Origin, error) {
	origins := map[string][]Origin{}
	pkg := ""
	installedRow := false
	err := eachLine(r, func(n int, line string) error {
		f := strings.Fields(line)
		switch {
		case !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":"):
			pkg = strings.TrimSuffix(line, ":")
			installedRow = false
			if _, ok := origins[pkg]; !ok {
				origins[pkg] = nil
			}
		case pkg == "":
			return fmt.Errorf("apt-cache policy line %d %q: before any package heading", n, line)
		case f[0] == "***":
			installedRow = true
		case len(f) == 2 && isInt(f[1]):
			installedRow = false // another version's row
		case installedRow && isInt(f[0]) && len(f) >= 2:
			if strings.HasPrefix(f[1], "/") {
				return nil // the dpkg status file
			}
			o := Origin{URL: redact.URLCredentials(f[1])}
			if len(f) >= 3 {
				o.Label = f[2]
			}
			origins[pkg] = append(origins[pkg], o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return origins, nil
}

// RPMOriginsQueryFormat is the `dnf repoquery --installed --qf` format ParseRPMOrigins reads: the
// package name and the id of the repository dnf installed it from, separated by a space (neither
// holds one). No escapes: dnf 4 ends every entry with a newline itself and does not read `\t`.
const RPMOriginsQueryFormat = `%{name} %{from_repo}`

// ParseRPMOrigins reads `dnf repoquery --installed --qf` output in RPMOriginsQueryFormat and gives
// each package its repository through repoURLs (repository id to base URL, as the provisioner
// configured them). A repository id the map does not know, such as a base image's own repository,
// keeps its id with no URL; dnf's markers for no repository (`@commandline`, `<unknown>`, an empty
// value) give no origin.
func ParseRPMOrigins(r io.Reader, repoURLs map[string]string) (map[string][]Origin, error) {
	origins := map[string][]Origin{}
	err := eachLine(r, func(n int, line string) error {
		f := strings.Fields(line)
		if len(f) > 2 {
			return fmt.Errorf("dnf repoquery line %d %q: want a name and a repository", n, line)
		}
		name, repo := f[0], ""
		if len(f) == 2 {
			repo = strings.TrimPrefix(f[1], "@")
		}
		if _, seen := origins[name]; !seen {
			origins[name] = nil
		}
		switch repo {
		case "", "commandline", "<unknown>", "System", "System-installed":
			return nil
		}
		o := Origin{URL: redact.URLCredentials(repoURLs[repo]), Label: repo}
		for _, have := range origins[name] {
			if have == o {
				return nil
			}
		}
		origins[name] = append(origins[name], o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return origins, nil
}

func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
