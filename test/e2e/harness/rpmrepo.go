//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// rpmRepoDir is the signed rpm repository under Fixtures.Dir; rpmAuthDir
// serves it again behind HTTP basic auth.
const (
	rpmRepoDir = "rpm"
	rpmAuthDir = "rpm-auth"
)

// RPMByArchPath serves the rpm repository again under one directory per
// architecture, so that a baseurl ending in "$basearch/" (dnf expands it)
// reaches it: Repos.BaseURL + RPMByArchPath + "$basearch/".
const RPMByArchPath = "/rpm-by-arch/"

// buildRPMRepo signs the cached rpms with RPMKey, then (order matters: the
// checksums in repodata must be those of the signed files) runs createrepo_c
// and signs repomd.xml.
func (f *Fixtures) buildRPMRepo(ctx context.Context, rpms string) error {
	dir := filepath.Join(f.Dir, rpmRepoDir)
	// rpmsign rewrites files in place; copy rather than link so the cache
	// keeps the unsigned originals.
	files, err := filepath.Glob(filepath.Join(rpms, "*.rpm"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no rpms in %s", rpms)
	}
	var targets []string
	for _, src := range files {
		dst := filepath.Join(dir, filepath.Base(src))
		if err := copyFile(src, dst); err != nil {
			return err
		}
		targets = append(targets, dst)
	}
	args := []string{
		"--define", "__gpg /usr/bin/gpg", // Debian's rpm defaults to gpg2, which does not exist
		"--define", "_gpg_name " + f.RPMKey.Fingerprint,
		"--define", "_gpg_path " + f.gpg.dir,
		"--addsign",
	}
	if err := cmd("rpmsign", append(args, targets...)...).withEnv("GNUPGHOME=" + f.gpg.dir).withStdin("\n").run(ctx); err != nil {
		return fmt.Errorf("sign rpms: %w", err)
	}
	if err := cmd("createrepo_c", "--quiet", dir).run(ctx); err != nil {
		return fmt.Errorf("createrepo_c %s: %w", dir, err)
	}
	repomd := filepath.Join(dir, "repodata", "repomd.xml")
	if err := f.gpg.detachSign(ctx, f.RPMKey.Fingerprint, repomd, repomd+".asc", true); err != nil {
		return fmt.Errorf("sign %s: %w", repomd, err)
	}
	if err := copyFile(f.RPMKey.File, filepath.Join(dir, "RPM-GPG-KEY-e2e")); err != nil {
		return err
	}
	byArch := filepath.Join(f.Dir, filepath.FromSlash(strings.Trim(RPMByArchPath, "/")))
	if err := os.MkdirAll(byArch, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", byArch, err)
	}
	for _, arch := range []string{"x86_64", "aarch64"} {
		if err := os.Symlink(filepath.Join("..", rpmRepoDir), filepath.Join(byArch, arch)); err != nil {
			return fmt.Errorf("link %s: %w", arch, err)
		}
	}
	if err := os.Symlink(rpmRepoDir, filepath.Join(f.Dir, rpmAuthDir)); err != nil {
		return fmt.Errorf("link %s: %w", rpmAuthDir, err)
	}
	return nil
}
