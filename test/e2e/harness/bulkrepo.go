//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The "bulk" apt repository holds BulkCount tiny packages, so that a bake
// can be given a package list of thousands of pinned tokens. Their names
// are long on purpose: together the tokens exceed the 128 KiB Linux allows
// for a single argument (MAX_ARG_STRLEN), which a package list passed in a
// command line could not survive.
const (
	bulkRecipeVersion = "bulk-v1"
	// BulkCount is the number of packages in AptBulk.
	BulkCount = 2000
	// BulkVersion is the version of every package in AptBulk.
	BulkVersion = "1.0.0-1"
	aptBulkDir  = "apt-bulk"
)

// BulkPackage is the name of AptBulk's package i (0 <= i < BulkCount).
func BulkPackage(i int) string {
	return fmt.Sprintf("spinnaker-bulk-fixture-with-a-realistically-long-name-%04d", i)
}

// BulkTokens are `name=version` tokens for every package of AptBulk.
func BulkTokens() []string {
	tokens := make([]string, BulkCount)
	for i := range tokens {
		tokens[i] = BulkPackage(i) + "=" + BulkVersion
	}
	return tokens
}

func bulkRecipe() []string {
	return []string{bulkRecipeVersion, fmt.Sprint(BulkCount), BulkPackage(0), BulkVersion}
}

// buildBulkRepo writes dir/pool/*.deb (control file only, no payload) and
// the unsigned flat index dir/{Packages,Packages.gz,Release}. Each process
// signs the Release with its own key (publishBulk).
func buildBulkRepo(ctx context.Context, dir string) error {
	root, pool := filepath.Join(dir, "scratch"), filepath.Join(dir, "pool")
	if err := os.MkdirAll(pool, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", pool, err)
	}
	for i := 0; i < BulkCount; i++ {
		name := BulkPackage(i)
		control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: Spinnaker e2e <e2e@example.invalid>\n"+
			"Section: misc\nPriority: optional\nDescription: bulk e2e fixture\n One of many packages of a long package list.\n", name, BulkVersion)
		if err := writeFile(filepath.Join(root, "DEBIAN", "control"), control, 0o644); err != nil {
			return err
		}
		out := filepath.Join(pool, name+"_"+BulkVersion+"_all.deb")
		if err := cmd("dpkg-deb", "-Zgzip", "--root-owner-group", "--build", root, out).run(ctx); err != nil {
			return fmt.Errorf("build %s: %w", out, err)
		}
	}
	if err := os.RemoveAll(root); err != nil {
		return fmt.Errorf("remove %s: %w", root, err)
	}
	packages, err := cmd("apt-ftparchive", "packages", "pool").in(dir).output(ctx)
	if err != nil {
		return fmt.Errorf("index %s: %w", dir, err)
	}
	if err := writeFile(filepath.Join(dir, "Packages"), packages, 0o644); err != nil {
		return err
	}
	if err := gzipFile(filepath.Join(dir, "Packages")); err != nil {
		return err
	}
	release, err := cmd("apt-ftparchive", "-o", "APT::FTPArchive::Release::Origin=spinnaker-e2e",
		"release", ".").in(dir).output(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", dir, err)
	}
	return writeFile(filepath.Join(dir, "Release"), release, 0o644)
}

// publishBulk exposes the cached bulk repository under Fixtures.Dir with a
// Release signed by this process's RepoKey.
func (f *Fixtures) publishBulk(ctx context.Context, cached string) error {
	dir := filepath.Join(f.Dir, aptBulkDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Symlink(filepath.Join(cached, "pool"), filepath.Join(dir, "pool")); err != nil {
		return fmt.Errorf("link bulk pool: %w", err)
	}
	for _, name := range []string{"Packages", "Packages.gz", "Release"} {
		if err := copyFile(filepath.Join(cached, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return f.signRelease(ctx, dir, f.RepoKey)
}
