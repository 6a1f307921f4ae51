//go:build linux

package harness

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A harness process holds workDirLock in its work directory for its whole
// life. A work directory whose lock is free belongs to a process that died
// without cleaning up (killed by a test timeout, for instance); reapStale
// removes such leftovers so they do not pile up or hold addresses.
const workDirLock = ".owner.lock"

// claimWorkDir takes the lock on this process's work directory. The caller
// keeps the file referenced (an unreachable *os.File is closed by its
// finalizer, which would drop the lock); it is released when the process
// exits.
func claimWorkDir(dir string) (*os.File, error) {
	f, ok, err := tryLockFile(filepath.Join(dir, workDirLock))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("work dir %s is locked by another process", dir)
	}
	return f, nil
}

// reapStale cleans up after dead harness processes: their containers and
// sshds, mounts, work directories and network slots.
func reapStale(ctx context.Context, workRoot string, subnet netip.Prefix) error {
	dirs, _ := filepath.Glob(filepath.Join(workRoot, "p*"))
	for _, dir := range dirs {
		f, ok, err := tryLockFile(filepath.Join(dir, workDirLock))
		if err != nil || !ok {
			continue // alive, or not ours to judge
		}
		killProcessesMentioning(dir)
		killProcessesRootedIn(filepath.Join(dir, "targets", "*", "root"))
		if err := unmountBelow(dir); err != nil {
			f.Close()
			return fmt.Errorf("clean up stale %s: %w", dir, err)
		}
		err = removeTree(dir)
		f.Close()
		if err != nil {
			return fmt.Errorf("clean up stale %s: %w", dir, err)
		}
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		idx, ok := strings.CutPrefix(e.Name(), netPrefix+"-")
		if !ok {
			continue
		}
		if _, err := strconv.Atoi(idx); err != nil {
			continue
		}
		f, ok, err := tryLockFile(filepath.Join(netLockDir, "slot-"+idx+".lock"))
		if err != nil || !ok {
			continue
		}
		i, _ := strconv.Atoi(idx)
		s := slotNames(subnet, i)
		_ = killNetnsProcesses(s.netns, 5*time.Second)
		_ = s.remove(ctx)
		f.Close()
	}
	return nil
}

// killProcessesRootedIn SIGKILLs processes whose root directory is one of
// the directories matching pattern: the processes of an orphaned container
// (its nspawn died, its init did not) or of a chroot's sshd. They are found
// by device and inode, as a container sees its root as "/".
func killProcessesRootedIn(pattern string) {
	roots, _ := filepath.Glob(pattern)
	type fileID struct{ dev, ino uint64 }
	ids := map[fileID]bool{}
	for _, r := range roots {
		var st syscall.Stat_t
		if syscall.Stat(r, &st) == nil {
			ids[fileID{st.Dev, st.Ino}] = true
		}
	}
	if len(ids) == 0 {
		return
	}
	for _, pid := range allPIDs() {
		var st syscall.Stat_t
		if syscall.Stat(fmt.Sprintf("/proc/%d/root", pid), &st) == nil && ids[fileID{st.Dev, st.Ino}] && pid != os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	time.Sleep(200 * time.Millisecond)
}

// killProcessesMentioning SIGKILLs processes whose command line names dir
// (systemd-nspawn --directory=..., gpg-agent --homedir ...).
func killProcessesMentioning(dir string) {
	for _, pid := range allPIDs() {
		if pid != os.Getpid() && strings.Contains(commandLine(pid), dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	time.Sleep(200 * time.Millisecond)
}
