//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Target is one fresh machine for one test: an overlay over the cached
// rootfs, its own network namespace, booted (or chrooted) sshd, and the
// repositories served on the host end of its veth.
type Target struct {
	Kind     Kind
	Name     string
	Addr     string // target address (inside its netns)
	SSHPort  int
	HostAddr string // host end of the veth; the repositories listen here
	KeyFile  string // private key (OpenSSH format) for root and SudoUser
	SudoUser string // non-root login with passwordless sudo
	Repos    *Repos
	// Root is the target's root file system as seen from the host. In a
	// booted target /tmp and /run are the container's own tmpfs and are not
	// visible here; use ReadFile for those.
	Root  string
	Netns string

	signer ssh.Signer
	slot   *netSlot

	mu      sync.Mutex
	clients map[string]*ssh.Client
}

var targetSeq atomic.Int64

// NewTarget returns a fresh, running target of the given kind, SSH-ready.
// Everything it starts or creates is stopped and removed in t.Cleanup, in
// reverse order, also when the test fails.
func NewTarget(t T, kind Kind) *Target {
	t.Helper()
	e := Suite()
	e.require(t)
	start := time.Now()
	tg, err := e.newTarget(t, kind)
	if err != nil {
		t.Fatalf("start %s target: %v", kind, err)
	}
	t.Logf("harness: %s target %s at %s ready in %s", kind, tg.Name, tg.Addr, time.Since(start).Round(time.Millisecond))
	return tg
}

func (e *Env) newTarget(t T, kind Kind) (*Target, error) {
	t.Helper()
	lower, err := e.lowerDirs(t, kind)
	if err != nil {
		return nil, err
	}
	fx, err := e.Fixtures(t)
	if err != nil {
		return nil, err
	}
	keys, err := e.sshKeys()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	slot, err := allocNet(ctx, e.Subnet)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		err := killNetnsProcesses(slot.netns, 10*time.Second)
		if err == nil {
			err = slot.release(context.Background())
		}
		if err != nil {
			t.Logf("harness: remove network %s: %v", slot.netns, err)
			return
		}
		e.leaks.forgetNet(slot.netns, slot.hostIf)
	})
	if err := slot.create(ctx, e.leaks); err != nil {
		return nil, err
	}

	tg := &Target{
		Kind: kind, Name: fmt.Sprintf("%s-%d-%d", kind, slot.index, targetSeq.Add(1)),
		Addr: slot.targetAddr.String(), SSHPort: 22, HostAddr: slot.hostAddr.String(),
		KeyFile: keys.privateFile, SudoUser: SudoUser, Netns: slot.netns,
		signer: keys.signer, slot: slot, clients: map[string]*ssh.Client{},
	}
	dir := filepath.Join(e.WorkDir, "targets", tg.Name)
	tg.Root = filepath.Join(dir, "root")
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := mountOverlay(lower, filepath.Join(dir, "upper"), filepath.Join(dir, "work"), tg.Root); err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := unmountBelow(tg.Root); err != nil {
			t.Logf("harness: unmount %s: %v", tg.Root, err)
		}
		if err := removeTree(dir); err != nil {
			t.Logf("harness: %v", err)
		}
	})
	if err := authorizeKey(tg.Root, keys.authorized); err != nil {
		return nil, err
	}

	repos, err := serveRepos(fx, tg.HostAddr)
	if err != nil {
		return nil, err
	}
	tg.Repos = repos
	t.Cleanup(repos.close)

	logPath := filepath.Join(dir, "console.log")
	var proc *process
	switch kind {
	case Chroot:
		mounts, err := mountChrootFS(tg.Root, true)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() {
			if err := mounts.unmount(); err != nil {
				t.Logf("harness: %v", err)
			}
		})
		proc, err = startChrootSSHD(tg, logPath)
		if err != nil {
			return nil, err
		}
	default:
		proc, err = startNspawn(tg, logPath)
		if err != nil {
			return nil, err
		}
	}
	e.leaks.addPID(proc.pid(), tg.Name+": "+filepath.Base(proc.cmd.Path))
	t.Cleanup(func() {
		start := time.Now()
		if err := tg.stop(proc); err != nil {
			t.Logf("harness: stop %s: %v", tg.Name, err)
		}
		t.Logf("harness: %s stopped in %s", tg.Name, time.Since(start).Round(time.Millisecond))
	})
	t.Cleanup(tg.closeClients)

	// Stop waiting for SSH as soon as the target's process dies.
	sshCtx, stopWaiting := context.WithCancel(ctx)
	defer stopWaiting()
	go func() {
		select {
		case <-proc.exited:
			stopWaiting()
		case <-sshCtx.Done():
		}
	}()
	c, err := waitSSH(sshCtx, tg.sshAddr(), "root", tg.signer)
	if err != nil {
		return nil, fmt.Errorf("%w\nconsole (%s):\n%s", err, logPath, readTail(logPath, 3000))
	}
	tg.clients["root"] = c
	return tg, nil
}

func (tg *Target) sshAddr() string { return tg.Addr + ":" + strconv.Itoa(tg.SSHPort) }

// authorizeKey installs the harness key for root and SudoUser in the fresh
// overlay.
func authorizeKey(root, authorized string) error {
	if err := writeFile(filepath.Join(root, "root/.ssh/authorized_keys"), authorized, 0o600); err != nil {
		return err
	}
	uid, gid, err := lookupUser(root, SudoUser)
	if err != nil {
		return err
	}
	p := filepath.Join(root, "home", SudoUser, ".ssh", "authorized_keys")
	if err := writeFile(p, authorized, 0o600); err != nil {
		return err
	}
	return os.Lchown(p, uid, gid)
}

// lookupUser reads uid and gid from the target's /etc/passwd (not the
// host's).
func lookupUser(root, name string) (uid, gid int, err error) {
	b, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if err != nil {
		return 0, 0, fmt.Errorf("read target passwd: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[0] == name {
			uid, _ = strconv.Atoi(f[2])
			gid, _ = strconv.Atoi(f[3])
			return uid, gid, nil
		}
	}
	return 0, 0, fmt.Errorf("user %s not in target passwd", name)
}

// startNspawn boots the target with systemd as PID 1 in its network
// namespace. --register=no --keep-unit avoid needing systemd on the host.
func startNspawn(tg *Target, logPath string) (*process, error) {
	hostname := "target"
	if tg.Kind == RPM {
		hostname = "rpmtarget"
	}
	return startProcess(logPath, "systemd-nspawn", "--quiet", "--boot",
		"--directory="+tg.Root, "--machine="+tg.Name, "--hostname="+hostname,
		"--register=no", "--keep-unit", "--network-namespace-path=/run/netns/"+tg.Netns,
		"--resolv-conf=off", "--timezone=off", "--link-journal=no", "--console=read-only")
}

// startChrootSSHD runs sshd in a plain chroot inside the target's network
// namespace; nothing else runs there, in particular no systemd.
func startChrootSSHD(tg *Target, logPath string) (*process, error) {
	if err := os.MkdirAll(filepath.Join(tg.Root, "run/sshd"), 0o755); err != nil {
		return nil, fmt.Errorf("create /run/sshd: %w", err)
	}
	return startProcess(logPath, "ip", "netns", "exec", tg.Netns, "chroot", tg.Root,
		"/usr/sbin/sshd", "-D", "-e", "-o", "PidFile=none")
}

// process is a long-running child; exited is closed once it has been
// waited for.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// startProcess starts a long-running command in its own process group with
// output to logPath.
func startProcess(logPath, name string, args ...string) (*process, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", logPath, err)
	}
	c := exec.Command(name, args...)
	c.Stdout, c.Stderr = log, log
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	log.Close() // the child has its own descriptor
	p := &process{cmd: c, exited: make(chan struct{})}
	go func() {
		_ = c.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop ends the target's processes by PID. For a booted target, killing the
// container's init tears down its whole PID namespace at once, which is
// both faster and more certain than a clean shutdown of a throwaway
// overlay. Any process left in the target's network namespace (the chroot's
// sshd sessions, which detach from sshd's process group) is killed as well.
func (tg *Target) stop(proc *process) error {
	pid := proc.pid()
	if tg.Kind != Chroot {
		for _, child := range childPIDs(pid) {
			_ = syscall.Kill(child, syscall.SIGKILL)
		}
	} else {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	select {
	case <-proc.exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		<-proc.exited
	}
	return killNetnsProcesses(tg.Netns, 10*time.Second)
}

// childPIDs lists the direct children of pid.
func childPIDs(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(s); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// killNetnsProcesses SIGKILLs every process in the named network namespace
// and waits until none is left (zombies awaiting the host's init do not
// count: they hold no namespace).
func killNetnsProcesses(netns string, timeout time.Duration) error {
	ino, ok := netnsInode(filepath.Join("/run/netns", netns))
	if !ok {
		return nil
	}
	deadline := time.Now().Add(timeout)
	for {
		var left []int
		for _, pid := range allPIDs() {
			if i, ok := netnsInode(fmt.Sprintf("/proc/%d/ns/net", pid)); ok && i == ino && pid != os.Getpid() {
				left = append(left, pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes still in netns %s: %v", netns, left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func readTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return tail(string(b), n)
}
