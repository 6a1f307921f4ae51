//go:build linux

package harness

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// The "distribution" apt source imitates the index of a real distribution
// (Debian bookworm main has ~63k binary packages, ~45 MB uncompressed), so
// that a full `apt-get update` in a test downloads and parses what it would
// on a real AMI. The packages it names do not exist; only the index does.
const (
	distRecipeVersion = "dist-v1"
	distSuite         = "bookworm"
	distComponent     = "main"
	distPackageCount  = 60000
	distSeed          = 20261121
	// distDate is fixed so the cached Release is reproducible; apt only
	// rejects dates in the future.
	distDate = "Sat, 01 Nov 2026 00:00:00 UTC"
)

func distRecipe() []string {
	return []string{distRecipeVersion, distSuite, distComponent, fmt.Sprint(distPackageCount, distSeed), distDate}
}

// buildDistIndex writes dir/dists/<suite>/{Release, main/binary-amd64/Packages{,.gz}}.
// The Release is unsigned; each process signs it with its own key.
func buildDistIndex(_ context.Context, dir string) error {
	suiteDir := filepath.Join(dir, "dists", distSuite)
	binDir := filepath.Join(suiteDir, distComponent, "binary-"+debianArch)
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", binDir, err)
	}
	packages := filepath.Join(binDir, "Packages")
	if err := writeDistPackages(packages); err != nil {
		return err
	}
	if err := gzipFile(packages); err != nil {
		return err
	}
	var release strings.Builder
	fmt.Fprintf(&release, "Origin: spinnaker-e2e\nLabel: spinnaker-e2e-dist\nSuite: stable\nCodename: %s\nDate: %s\n", distSuite, distDate)
	fmt.Fprintf(&release, "Architectures: %s\nComponents: %s\nDescription: synthetic distribution index for e2e tests\n", debianArch, distComponent)
	var md5s, sha256s strings.Builder
	for _, rel := range []string{"Packages", "Packages.gz"} {
		rel = filepath.Join(distComponent, "binary-"+debianArch, rel)
		m, s, size, err := fileDigests(filepath.Join(suiteDir, rel))
		if err != nil {
			return err
		}
		fmt.Fprintf(&md5s, " %s %d %s\n", m, size, rel)
		fmt.Fprintf(&sha256s, " %s %d %s\n", s, size, rel)
	}
	release.WriteString("MD5Sum:\n" + md5s.String() + "SHA256:\n" + sha256s.String())
	return writeFile(filepath.Join(suiteDir, "Release"), release.String(), 0o644)
}

// writeDistPackages generates distPackageCount plausible stanzas from a
// fixed seed: varied names, versions, dependencies and multi-line
// descriptions, about 700 bytes each like the real thing.
func writeDistPackages(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(distSeed, distSeed))
	syllables := []string{"lib", "py", "perl", "node", "go", "ruby", "x", "gnome", "kde", "tex", "font", "data", "dev", "utils", "tools", "core", "common", "doc", "bin", "server", "client", "plugin", "ext", "lang", "net", "sys", "audio", "video", "image", "crypt"}
	sections := []string{"libs", "python", "perl", "javascript", "golang", "ruby", "x11", "gnome", "kde", "tex", "fonts", "devel", "utils", "admin", "net", "sound", "video", "graphics", "doc", "misc"}
	words := strings.Fields("the a of and to in for with support library tools files data module package provides contains this is used by program utility plugin interface bindings documentation development headers runtime shared static command line server client network file system")
	name := func(i int) string {
		return fmt.Sprintf("%s%s-%s%d", syllables[i%len(syllables)], syllables[(i/7)%len(syllables)], syllables[(i/13)%len(syllables)], i)
	}
	for i := 0; i < distPackageCount; i++ {
		n := name(i)
		ver := fmt.Sprintf("%d.%d.%d-%d", rng.IntN(10), rng.IntN(30), rng.IntN(100), 1+rng.IntN(5))
		sec := sections[rng.IntN(len(sections))]
		fmt.Fprintf(w, "Package: %s\n", n)
		if rng.IntN(4) == 0 {
			fmt.Fprintf(w, "Source: %s\n", name(i-i%5))
		}
		fmt.Fprintf(w, "Version: %s\nInstalled-Size: %d\n", ver, 10+rng.IntN(20000))
		fmt.Fprintf(w, "Maintainer: Debian %s Team <%s-maintainers@lists.example.invalid>\n", sec, sec)
		fmt.Fprintf(w, "Architecture: %s\n", debianArch)
		if k := rng.IntN(6); k > 0 {
			deps := make([]string, 0, k)
			for j := 0; j < k; j++ {
				d := name(rng.IntN(distPackageCount))
				if rng.IntN(2) == 0 {
					d += fmt.Sprintf(" (>= %d.%d)", rng.IntN(10), rng.IntN(30))
				}
				deps = append(deps, d)
			}
			fmt.Fprintf(w, "Depends: %s\n", strings.Join(deps, ", "))
		}
		desc := make([]string, 6+rng.IntN(30))
		for j := range desc {
			desc[j] = words[rng.IntN(len(words))]
		}
		fmt.Fprintf(w, "Description: %s %s\n", n, strings.Join(desc[:5], " "))
		for j := 5; j < len(desc); j += 12 {
			fmt.Fprintf(w, " %s\n", strings.Join(desc[j:min(j+12, len(desc))], " "))
		}
		sum := sha256.Sum256([]byte(n + ver))
		msum := md5.Sum([]byte(n + ver))
		fmt.Fprintf(w, "Homepage: https://%s.example.invalid/\nDescription-md5: %s\n", n, hex.EncodeToString(msum[:]))
		fmt.Fprintf(w, "Tag: role::program, implemented-in::c, suite::%s\nSection: %s\nPriority: optional\n", sec, sec)
		fmt.Fprintf(w, "Filename: pool/%s/%s/%s/%s_%s_%s.deb\nSize: %d\n", distComponent, n[:1], n, n, ver, debianArch, 1000+rng.IntN(5_000_000))
		fmt.Fprintf(w, "MD5sum: %s\nSHA256: %s\n\n", hex.EncodeToString(msum[:]), hex.EncodeToString(sum[:]))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func fileDigests(path string) (md5sum, sha256sum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	m, s := md5.New(), sha256.New()
	size, err = io.Copy(io.MultiWriter(m, s), f)
	if err != nil {
		return "", "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil)), size, nil
}

// publishDist exposes the cached index under Fixtures.Dir/dist with a
// Release signed by this process's RepoKey.
func (f *Fixtures) publishDist(ctx context.Context, cached string) error {
	suiteDir := filepath.Join(f.Dir, "dist", "dists", distSuite)
	if err := os.MkdirAll(suiteDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", suiteDir, err)
	}
	cachedSuite := filepath.Join(cached, "dists", distSuite)
	if err := os.Symlink(filepath.Join(cachedSuite, distComponent), filepath.Join(suiteDir, distComponent)); err != nil {
		return fmt.Errorf("link dist index: %w", err)
	}
	if err := copyFile(filepath.Join(cachedSuite, "Release"), filepath.Join(suiteDir, "Release")); err != nil {
		return err
	}
	return f.signRelease(ctx, suiteDir, f.RepoKey)
}
