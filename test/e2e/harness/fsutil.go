//go:build linux

package harness

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// recipeHash names a cached artifact after everything that determines its
// content, so changing a recipe constant builds a new artifact instead of
// reusing a stale one.
func recipeHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// buildCached returns cacheDir/<name>-<hash>, building it first when absent;
// a build reports its progress under the label what (newProgress).
// The build runs in a temporary directory on the same file system and is
// renamed into place only when it succeeded, so an interrupted build is never
// reused. An exclusive flock keeps two processes from building the same
// artifact at once; the second one waits and then reuses the first's result.
func buildCached(ctx context.Context, cacheDir, name, hash, what string, build func(ctx context.Context, dir string) error) (string, error) {
	final := filepath.Join(cacheDir, name+"-"+hash)
	if isDir(final) {
		return final, nil
	}
	unlock, err := lockFile(ctx, filepath.Join(cacheDir, "."+name+"-"+hash+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isDir(final) {
		return final, nil
	}
	tmpRoot := filepath.Join(cacheDir, "tmp")
	if err := os.MkdirAll(tmpRoot, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", tmpRoot, err)
	}
	// Leftovers of an interrupted build of this artifact; we hold the lock,
	// so nobody else is using them.
	stale, _ := filepath.Glob(filepath.Join(tmpRoot, name+"-"+hash+".*"))
	for _, s := range stale {
		unmountBelow(s)
		if err := removeTree(s); err != nil {
			return "", fmt.Errorf("remove stale build %s: %w", s, err)
		}
	}
	tmp := filepath.Join(tmpRoot, fmt.Sprintf("%s-%s.%d", name, hash, os.Getpid()))
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", tmp, err)
	}
	err = newProgress("harness: "+what+" (first run only)", filepath.Join(tmp, "build.log")).run(ctx,
		func(ctx context.Context) error { return build(ctx, tmp) })
	if err != nil {
		unmountBelow(tmp)
		_ = removeTree(tmp)
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("move %s into the cache: %w", name, err)
	}
	return final, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// lockFile takes an exclusive flock on path, waiting until ctx is done. The
// lock dies with the process, so a crashed holder never blocks anyone.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tryLockFile takes the flock without waiting; ok is false when another
// process holds it.
func tryLockFile(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, true, nil
}

// mountsBelow lists the mount points at or below dir, deepest first, read
// from /proc/self/mountinfo.
func mountsBelow(dir string) []string {
	dir = filepath.Clean(dir)
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// unescapeMountinfo decodes the octal escapes (\040 for space ...) the
// kernel uses in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmount detaches one mount point, lazily if it is busy.
func unmount(mp string) error {
	if err := syscall.Unmount(mp, 0); err != nil {
		if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOENT) {
			return nil // not mounted (any more)
		}
		if err2 := syscall.Unmount(mp, syscall.MNT_DETACH); err2 != nil {
			return fmt.Errorf("unmount %s: %w", mp, err)
		}
	}
	return nil
}

// unmountBelow unmounts everything at or below dir, deepest first.
func unmountBelow(dir string) error {
	var errs []error
	for _, mp := range mountsBelow(dir) {
		errs = append(errs, unmount(mp))
	}
	return errors.Join(errs...)
}

// removeTree deletes dir, but never while something is mounted below it:
// deleting through a leaked bind or overlay mount would destroy files that
// are not ours.
func removeTree(dir string) error {
	if m := mountsBelow(dir); len(m) > 0 {
		return fmt.Errorf("refusing to remove %s: still mounted: %s", dir, strings.Join(m, ", "))
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// writeFile writes content, creating parent directories.
func writeFile(path, content string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Chmod(path, mode) // WriteFile leaves an existing file's mode alone
}

// copyFile copies src to dst (creating parents), keeping it a regular file.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	return writeFile(dst, string(b), 0o644)
}
