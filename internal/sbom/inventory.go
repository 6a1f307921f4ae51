package sbom

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	debversion "github.com/knqyf263/go-deb-version"
)

// Format is the package format of the target: it decides the query, the parser and the purl type.
type Format string

// The package formats an inventory can be taken of.
const (
	Deb Format = "deb"
	RPM Format = "rpm"
)

// ParseFormat checks a package format name.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Deb, RPM:
		return Format(s), nil
	}
	return "", fmt.Errorf("package format %q: want deb or rpm", s)
}

// DpkgQueryFormat is the `dpkg-query -W -f` format the deb inventory is taken with: one line per
// package known to dpkg, tab-separated. The whole Status field is asked for rather than
// db:Status-Status, which dpkg before 1.17.11 (Ubuntu 14.04) does not know.
const DpkgQueryFormat = `${Package}\t${Version}\t${Architecture}\t${Status}\n`

// RPMQueryFormat is the `rpm -qa --qf` format the rpm inventory is taken with. EPOCH rather than
// EPOCHNUM, which older rpm lacks; an unset epoch reads "(none)".
const RPMQueryFormat = `%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n`

// Package is one installed package.
type Package struct {
	Name string
	// Epoch is "" when the package has none (deb epoch 0 is written as none, as dpkg does).
	Epoch string
	// Version is the upstream version, without epoch or release.
	Version string
	// Release is the Debian revision or the rpm release; "" for a native deb without one.
	Release string
	Arch    string
}

// EVR is the version as the package manager prints it: [epoch:]version[-release].
func (p Package) EVR() string {
	s := p.Version
	if p.Release != "" {
		s += "-" + p.Release
	}
	if p.Epoch != "" {
		s = p.Epoch + ":" + s
	}
	return s
}

// dpkgInstalledStates are the dpkg states in which a package's files are on disk. not-installed
// and config-files (removed, configuration kept) are the two states that are left out.
var dpkgInstalledStates = map[string]bool{
	"installed":        true,
	"unpacked":         true,
	"half-configured":  true,
	"half-installed":   true,
	"triggers-awaited": true,
	"triggers-pending": true,
}

// ParseDpkgQuery reads the output of `dpkg-query -W -f` with DpkgQueryFormat. The result is
// sorted by name, architecture and version.
func ParseDpkgQuery(r io.Reader) ([]Package, error) {
	var pkgs []Package
	err := eachLine(r, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return fmt.Errorf("dpkg-query line %d %q: want 4 tab-separated fields, got %d", n, line, len(f))
		}
		status := strings.Fields(f[3])
		if len(status) != 3 {
			return fmt.Errorf("dpkg-query line %d: status %q: want three words", n, f[3])
		}
		if !dpkgInstalledStates[status[2]] {
			return nil
		}
		if f[0] == "" || f[2] == "" {
			return fmt.Errorf("dpkg-query line %d %q: empty package name or architecture", n, line)
		}
		v, err := debversion.NewVersion(f[1])
		if err != nil {
			return fmt.Errorf("dpkg-query line %d: package %s: version %q: %w", n, f[0], f[1], err)
		}
		p := Package{Name: f[0], Version: v.Version(), Release: v.Revision(), Arch: f[2]}
		if v.Epoch() != 0 {
			p.Epoch = strconv.Itoa(v.Epoch())
		}
		pkgs = append(pkgs, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sortPackages(pkgs), nil
}

// ParseRPMQuery reads the output of `rpm -qa --qf` with RPMQueryFormat. The result is sorted by
// name, architecture and version; gpg-pubkey entries (imported keys) are left out.
func ParseRPMQuery(r io.Reader) ([]Package, error) {
	var pkgs []Package
	err := eachLine(r, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return fmt.Errorf("rpm query line %d %q: want 5 tab-separated fields, got %d", n, line, len(f))
		}
		if f[0] == "gpg-pubkey" {
			return nil
		}
		p := Package{Name: f[0], Epoch: f[1], Version: f[2], Release: f[3], Arch: f[4]}
		if p.Epoch == "(none)" {
			p.Epoch = ""
		}
		if p.Epoch != "" {
			if _, err := strconv.ParseUint(p.Epoch, 10, 32); err != nil {
				return fmt.Errorf("rpm query line %d: package %s: epoch %q is not a number", n, p.Name, p.Epoch)
			}
		}
		if p.Name == "" || p.Version == "" || p.Arch == "" || p.Arch == "(none)" {
			return fmt.Errorf("rpm query line %d %q: empty name, version or architecture", n, line)
		}
		pkgs = append(pkgs, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sortPackages(pkgs), nil
}

// sortPackages orders packages and drops exact duplicates (an rpm database can list one twice
// after an interrupted transaction).
func sortPackages(pkgs []Package) []Package {
	sort.Slice(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.EVR() < b.EVR()
	})
	var out []Package
	for _, p := range pkgs {
		if len(out) > 0 && p == out[len(out)-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// eachLine calls fn for every non-empty line of r, numbered from 1.
func eachLine(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return sc.Err()
}
