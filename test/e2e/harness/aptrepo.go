//go:build linux

package harness

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Apt repository directories under Fixtures.Dir. They are flat repositories
// (apt source suite "./") that keep every version of a package, which is
// what pinning tests need; reprepro would keep only the newest.
const (
	aptSignedDir   = "apt"          // signed with RepoKey
	aptUnsignedDir = "apt-unsigned" // no Release signature at all
	aptWrongKeyDir = "apt-wrongkey" // signed with WrongKey
	aptAuthDir     = "apt-auth"     // signed with RepoKey, HTTP basic auth
	// aptMislabeledDir holds hello-rosco 1.0.0-h7 indexed as
	// MislabeledVersion, signed with RepoKey.
	aptMislabeledDir = "apt-mislabeled"
)

// MislabeledVersion is the version AptMislabeled's index gives the
// hello-rosco .deb, which really holds 1.0.0-h7.
const MislabeledVersion = "1.0.0-h8"

// buildAptRepos indexes the .debs once and publishes the same index in the
// four flat repositories, each signed (or not) its own way.
func (f *Fixtures) buildAptRepos(ctx context.Context, debs string) error {
	signed := filepath.Join(f.Dir, aptSignedDir)
	if err := linkAll(filepath.Join(debs, "*.deb"), signed); err != nil {
		return err
	}
	packages, err := cmd("apt-ftparchive", "packages", ".").in(signed).output(ctx)
	if err != nil {
		return fmt.Errorf("index %s: %w", signed, err)
	}
	if err := writeFile(filepath.Join(signed, "Packages"), packages, 0o644); err != nil {
		return err
	}
	if err := gzipFile(filepath.Join(signed, "Packages")); err != nil {
		return err
	}
	release, err := cmd("apt-ftparchive",
		"-o", "APT::FTPArchive::Release::Origin=spinnaker-e2e",
		"-o", "APT::FTPArchive::Release::Label=spinnaker-e2e",
		"release", ".").in(signed).output(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", signed, err)
	}
	if err := writeFile(filepath.Join(signed, "Release"), release, 0o644); err != nil {
		return err
	}
	for _, other := range []string{aptUnsignedDir, aptWrongKeyDir, aptAuthDir} {
		if err := linkAll(filepath.Join(signed, "*"), filepath.Join(f.Dir, other)); err != nil {
			return err
		}
	}
	for dir, key := range map[string]Key{aptSignedDir: f.RepoKey, aptAuthDir: f.RepoKey, aptWrongKeyDir: f.WrongKey} {
		if err := f.signRelease(ctx, filepath.Join(f.Dir, dir), key); err != nil {
			return err
		}
	}
	return f.buildMislabeledRepo(ctx, debs)
}

// buildMislabeledRepo publishes hello-rosco_1.0.0-h7_all.deb under an index
// entry that claims MislabeledVersion. Sizes and hashes are the file's, so
// apt downloads and installs it without complaint; only a check of the
// installed version notices.
func (f *Fixtures) buildMislabeledRepo(ctx context.Context, debs string) error {
	dir := filepath.Join(f.Dir, aptMislabeledDir)
	if err := linkAll(filepath.Join(debs, "hello-rosco_1.0.0-h7_all.deb"), dir); err != nil {
		return err
	}
	packages, err := cmd("apt-ftparchive", "packages", ".").in(dir).output(ctx)
	if err != nil {
		return fmt.Errorf("index %s: %w", dir, err)
	}
	index := strings.Replace(string(packages), "\nVersion: 1.0.0-h7\n", "\nVersion: "+MislabeledVersion+"\n", 1)
	if index == string(packages) {
		return fmt.Errorf("index %s: no Version: 1.0.0-h7 line to relabel", dir)
	}
	if err := writeFile(filepath.Join(dir, "Packages"), index, 0o644); err != nil {
		return err
	}
	if err := gzipFile(filepath.Join(dir, "Packages")); err != nil {
		return err
	}
	release, err := cmd("apt-ftparchive", "release", ".").in(dir).output(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", dir, err)
	}
	if err := writeFile(filepath.Join(dir, "Release"), release, 0o644); err != nil {
		return err
	}
	return f.signRelease(ctx, dir, f.RepoKey)
}

// signRelease writes InRelease and Release.gpg next to dir/Release.
func (f *Fixtures) signRelease(ctx context.Context, dir string, key Key) error {
	rel := filepath.Join(dir, "Release")
	if err := f.gpg.clearsign(ctx, key.Fingerprint, rel, filepath.Join(dir, "InRelease")); err != nil {
		return fmt.Errorf("sign %s: %w", rel, err)
	}
	if err := f.gpg.detachSign(ctx, key.Fingerprint, rel, filepath.Join(dir, "Release.gpg"), false); err != nil {
		return fmt.Errorf("sign %s: %w", rel, err)
	}
	return nil
}

// gzipFile writes path.gz next to path.
func gzipFile(path string) error {
	in, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	out, err := os.Create(path + ".gz")
	if err != nil {
		return fmt.Errorf("create %s.gz: %w", path, err)
	}
	zw := gzip.NewWriter(out)
	if _, err := zw.Write(in); err != nil {
		out.Close()
		return fmt.Errorf("compress %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return fmt.Errorf("compress %s: %w", path, err)
	}
	return out.Close()
}
