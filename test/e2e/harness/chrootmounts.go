//go:build linux

package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// chrootMounts gives a plain chroot the kernel file systems its programs
// need. /dev is a private tmpfs with a handful of device nodes rather than
// a bind mount of the host's /dev: a leaked bind mount under a directory
// that is later deleted would delete the host's device nodes.
type chrootMounts struct {
	root    string
	mounted []string // in mount order
}

func mountChrootFS(root string, withSys bool) (*chrootMounts, error) {
	m := &chrootMounts{root: root}
	type mnt struct {
		fstype, target, opts string
		flags                uintptr
	}
	mounts := []mnt{
		{"proc", "proc", "", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC},
		{"tmpfs", "dev", "mode=0755,size=1m", syscall.MS_NOSUID},
		{"devpts", "dev/pts", "newinstance,ptmxmode=0666,mode=0620", syscall.MS_NOSUID | syscall.MS_NOEXEC},
		{"tmpfs", "run", "mode=0755", syscall.MS_NOSUID | syscall.MS_NODEV},
	}
	if withSys {
		mounts = append(mounts, mnt{"sysfs", "sys", "", syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC})
	}
	for _, x := range mounts {
		target := filepath.Join(root, x.target)
		if err := os.MkdirAll(target, 0o755); err != nil {
			m.unmount()
			return nil, fmt.Errorf("create %s: %w", target, err)
		}
		if err := syscall.Mount(x.fstype, target, x.fstype, x.flags, x.opts); err != nil {
			m.unmount()
			return nil, fmt.Errorf("mount %s on %s: %w", x.fstype, target, err)
		}
		m.mounted = append(m.mounted, target)
		if x.target == "dev" {
			if err := populateDev(target); err != nil {
				m.unmount()
				return nil, err
			}
		}
	}
	return m, nil
}

// populateDev creates the device nodes programs in a chroot expect.
func populateDev(dev string) error {
	nodes := []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}
	for _, n := range nodes {
		p := filepath.Join(dev, n.name)
		if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, int(mkdev(n.major, n.minor))); err != nil {
			return fmt.Errorf("mknod %s: %w", p, err)
		}
		if err := os.Chmod(p, 0o666); err != nil { // mknod honours the umask
			return fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	for name, target := range map[string]string{"ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return fmt.Errorf("create /dev/%s: %w", name, err)
		}
	}
	return os.MkdirAll(filepath.Join(dev, "shm"), 0o1777)
}

func mkdev(major, minor uint32) uint64 {
	return uint64(major)<<8 | uint64(minor)
}

func (m *chrootMounts) unmount() error {
	var errs []error
	for i := len(m.mounted) - 1; i >= 0; i-- {
		errs = append(errs, unmount(m.mounted[i]))
	}
	m.mounted = nil
	return errors.Join(errs...)
}

// chrootRun runs a command inside root with a clean, predictable
// environment.
func chrootRun(ctx context.Context, root, logPath string, script string) error {
	return cmd("chroot", root, "/bin/sh", "-ec", script).
		withEnv("DEBIAN_FRONTEND=noninteractive", "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin").
		runLogged(ctx, logPath)
}
