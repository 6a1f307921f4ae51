//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// baseShimSpec provides what a real EL9 rpmdb has and Debian's does not:
// rpm makes every package with a shell script require /bin/sh, so an rpmdb
// without a provider for it refuses every such package.
const baseShimSpec = `Name: base-shim
Version: 1.0
Release: 1
Summary: Provides the base system a Debian userland has outside the rpmdb
License: MIT
BuildArch: noarch
Provides: /bin/sh, /usr/bin/sh, /bin/bash, /usr/bin/bash, bash, systemd, coreutils, glibc
%description
Declares the Debian userland's shell and init to rpm.
%files
`

// rpmbuildArgs keep rpmbuild's host-specific post-processing out of noarch
// fixture packages.
func rpmbuildArgs(topdir string) []string {
	return []string{
		"--define", "_topdir " + topdir,
		"--define", "_build_id_links none",
		"--define", "__os_install_post %{nil}",
		"--define", "_binary_payload w9.gzdio",
		"--quiet",
	}
}

// buildBaseShim builds the unsigned base-shim rpm and returns its bytes.
func buildBaseShim(ctx context.Context, scratch string) ([]byte, error) {
	top := filepath.Join(scratch, "rpmbuild-base-shim")
	path, err := rpmbuild(ctx, top, "base-shim", baseShimSpec, "base-shim-1.0-1.noarch.rpm")
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// buildRPM builds p as an unsigned noarch rpm into outDir.
func buildRPM(ctx context.Context, p FixturePackage, scratch, outDir string) (string, error) {
	top := filepath.Join(scratch, "rpmbuild-"+p.Name+"-"+p.FullVersion())
	src := filepath.Join(top, "SOURCES", "root")
	files := map[string]string{"usr/bin/" + p.Name: programScript(p), "usr/share/doc/" + p.Name + "/VERSION": p.FullVersion() + "\n"}
	if p.Service != "" {
		files["usr/lib/systemd/system/"+p.Service] = unitFile(p)
	}
	for rel, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasPrefix(rel, "usr/bin/") {
			mode = 0o755
		}
		if err := writeFile(filepath.Join(src, rel), content, mode); err != nil {
			return "", err
		}
	}
	if p.PayloadKB > 0 {
		rel := "usr/share/doc/" + p.Name + "/payload.bin"
		files[rel] = ""
		if err := os.WriteFile(filepath.Join(src, rel), payload(p), 0o644); err != nil {
			return "", fmt.Errorf("write payload: %w", err)
		}
	}
	var spec strings.Builder
	fmt.Fprintf(&spec, "Name: %s\nVersion: %s\nRelease: %s\nSummary: %s e2e fixture\nLicense: MIT\nBuildArch: noarch\n", p.Name, p.Version, p.Release, p.Name)
	for _, d := range p.Depends {
		name, ver, _ := strings.Cut(d, "=")
		fmt.Fprintf(&spec, "Requires: %s = %s\n", name, ver)
	}
	fmt.Fprintf(&spec, "%%description\nBuilt by the packer-plugin-spinnaker e2e harness.\n%%install\ncp -a %s/. %%{buildroot}/\n%%files\n", src)
	for _, rel := range sortedKeys(files) {
		fmt.Fprintf(&spec, "/%s\n", rel)
	}
	out, err := rpmbuild(ctx, top, p.Name, spec.String(), p.RPMFile())
	if err != nil {
		return "", err
	}
	dst := filepath.Join(outDir, p.RPMFile())
	if err := os.Rename(out, dst); err != nil {
		return "", fmt.Errorf("move %s: %w", p.RPMFile(), err)
	}
	return dst, nil
}

// rpmbuild writes spec into topdir and builds it; it returns the path of
// the resulting rpm.
func rpmbuild(ctx context.Context, topdir, name, spec, file string) (string, error) {
	specPath := filepath.Join(topdir, "SPECS", name+".spec")
	if err := writeFile(specPath, spec, 0o644); err != nil {
		return "", err
	}
	args := append(rpmbuildArgs(topdir), "-bb", specPath)
	if err := cmd("rpmbuild", args...).run(ctx); err != nil {
		return "", fmt.Errorf("rpmbuild %s: %w", name, err)
	}
	out := filepath.Join(topdir, "RPMS", "noarch", file)
	if _, err := os.Stat(out); err != nil {
		return "", fmt.Errorf("rpmbuild %s: expected %s: %w", name, out, err)
	}
	return out, nil
}
