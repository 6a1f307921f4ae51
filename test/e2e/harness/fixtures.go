//go:build linux

package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fixturesRecipeVersion is bumped when the package recipes change, so the
// cached unsigned packages are rebuilt.
const fixturesRecipeVersion = "pkgs-v1"

// Key is one throwaway signing key. Its public half is available as text,
// as files on the host and over HTTP from the repository server.
type Key struct {
	Fingerprint string
	Armored     string // ASCII-armored public key
	File        string // host path of the armored public key (.asc)
	BinaryFile  string // host path of the binary public keyring (.gpg)
	Path        string // path on the repository server, e.g. /keys/repo.asc
}

// Fixtures are the per-process repositories: a directory tree served over
// HTTP by every target's repository server, and the keys that signed it.
type Fixtures struct {
	Dir string // root of the served tree
	// RepoKey signs the apt repositories (flat, auth, distribution).
	RepoKey Key
	// WrongKey signs the "unexpected key" apt repository.
	WrongKey Key
	// RPMKey signs the rpm packages and repomd.xml.
	RPMKey Key
	// AuthUser and AuthPassword protect /apt-auth/ and /rpm-auth/.
	AuthUser, AuthPassword string

	gpg *gpgHome
}

// Fixtures returns this process's signed repositories, building them on
// first use (about 2-5 s; the packages themselves are cached across runs).
func (e *Env) Fixtures(t T) (*Fixtures, error) {
	t.Helper()
	e.require(t)
	e.fixturesOnce.Do(func() {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		e.fixtures, e.fixturesErr = e.buildFixtures(ctx)
		if e.fixturesErr == nil {
			t.Logf("harness: fixtures %s ready in %s", e.fixtures.Dir, time.Since(start).Round(time.Millisecond))
		}
	})
	return e.fixtures, e.fixturesErr
}

func packagesRecipe() []string {
	parts := []string{fixturesRecipeVersion, autoStartPostinst, baseShimSpec, strings.Join(rpmbuildArgs("T"), " ")}
	for _, p := range allPackages() {
		parts = append(parts, fmt.Sprintf("%+v", p), programScript(p), unitFile(p), debControl(p))
	}
	return parts
}

func (e *Env) buildFixtures(ctx context.Context) (*Fixtures, error) {
	pkgs, err := buildCached(ctx, e.CacheDir, "packages", recipeHash(packagesRecipe()...),
		"building the fixture deb and rpm packages", buildPackages)
	if err != nil {
		return nil, err
	}
	dist, err := buildCached(ctx, e.CacheDir, "distindex", recipeHash(distRecipe()...),
		"generating the large distribution index fixture", buildDistIndex)
	if err != nil {
		return nil, err
	}
	bulk, err := buildCached(ctx, e.CacheDir, "bulkrepo", recipeHash(bulkRecipe()...),
		"building the bulk repository of thousands of tiny packages", buildBulkRepo)
	if err != nil {
		return nil, err
	}
	f := &Fixtures{Dir: filepath.Join(e.WorkDir, "www")}
	if f.gpg, err = newGPGHome(filepath.Join(e.WorkDir, "gnupg")); err != nil {
		return nil, err
	}
	// Agents start on the first signature; stop them even if a step fails.
	defer f.gpg.killAgents(context.Background())
	keys := []struct {
		key             *Key
		name, uid, algo string
	}{
		{&f.RepoKey, "repo", "Spinnaker E2E Repository <repo@e2e.invalid>", "ed25519"},
		{&f.WrongKey, "wrong", "Unexpected Signer <stranger@e2e.invalid>", "ed25519"},
		{&f.RPMKey, "rpm", "Spinnaker E2E RPM Signing <rpm@e2e.invalid>", "rsa3072"},
	}
	for _, k := range keys {
		if *k.key, err = f.makeKey(ctx, k.name, k.uid, k.algo); err != nil {
			return nil, err
		}
	}
	if f.AuthUser, f.AuthPassword, err = randomCredentials(); err != nil {
		return nil, err
	}
	if err := f.buildAptRepos(ctx, filepath.Join(pkgs, "deb")); err != nil {
		return nil, err
	}
	if err := f.buildRPMRepo(ctx, filepath.Join(pkgs, "rpm")); err != nil {
		return nil, err
	}
	if err := f.publishDist(ctx, dist); err != nil {
		return nil, err
	}
	if err := f.publishBulk(ctx, bulk); err != nil {
		return nil, err
	}
	return f, nil
}

// buildPackages builds every fixture .deb and unsigned .rpm (plus
// base-shim) into dir/deb and dir/rpm. Signing happens per process, with
// that process's throwaway key.
func buildPackages(ctx context.Context, dir string) error {
	scratch := filepath.Join(dir, "scratch")
	debDir, rpmDir := filepath.Join(dir, "deb"), filepath.Join(dir, "rpm")
	for _, d := range []string{debDir, rpmDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	for _, p := range allPackages() {
		if _, err := buildDeb(ctx, p, scratch, debDir); err != nil {
			return err
		}
		if _, err := buildRPM(ctx, p, scratch, rpmDir); err != nil {
			return err
		}
	}
	shim, err := buildBaseShim(ctx, scratch)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rpmDir, "base-shim-1.0-1.noarch.rpm"), shim, 0o644); err != nil {
		return fmt.Errorf("write base-shim: %w", err)
	}
	return os.RemoveAll(scratch)
}

func (f *Fixtures) makeKey(ctx context.Context, name, uid, algo string) (Key, error) {
	fpr, err := f.gpg.genKey(ctx, uid, algo)
	if err != nil {
		return Key{}, err
	}
	armored, err := f.gpg.export(ctx, fpr, true)
	if err != nil {
		return Key{}, err
	}
	binary, err := f.gpg.export(ctx, fpr, false)
	if err != nil {
		return Key{}, err
	}
	k := Key{
		Fingerprint: fpr,
		Armored:     armored,
		File:        filepath.Join(f.Dir, "keys", name+".asc"),
		BinaryFile:  filepath.Join(f.Dir, "keys", name+".gpg"),
		Path:        "/keys/" + name + ".asc",
	}
	if err := writeFile(k.File, armored, 0o644); err != nil {
		return Key{}, err
	}
	return k, writeFile(k.BinaryFile, binary, 0o644)
}

// randomCredentials returns a fresh user and password. The password holds
// what users' passwords hold and a URL must percent-encode ('/', '@', ':',
// '%'), and '$' where dnf expands no variable (before '!' and at the end),
// so that each reaches apt's auth.conf and dnf's password= whole.
func randomCredentials() (user, password string, err error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate credentials: %w", err)
	}
	h := hex.EncodeToString(b[4:])
	return "e2e-" + hex.EncodeToString(b[:4]), h[:10] + "/@:%" + h[10:20] + "$!" + h[20:] + "$", nil
}

// linkAll hard-links (or copies) every file matching pattern into dir.
func linkAll(pattern, dir string) error {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no files match %s (%v)", pattern, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, src := range files {
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.Link(src, dst); err != nil {
			b, rerr := os.ReadFile(src)
			if rerr != nil {
				return fmt.Errorf("read %s: %w", src, rerr)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				return fmt.Errorf("copy %s: %w", src, err)
			}
		}
	}
	return nil
}
