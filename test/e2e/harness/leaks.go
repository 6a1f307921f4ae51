//go:build linux

package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// leakTracker remembers what this process created, so CheckLeaks can tell
// our leftovers from those of another harness process running concurrently
// (a demo next to a test run).
type leakTracker struct {
	mu       sync.Mutex
	workDir  string
	netns    map[string]uint64 // name -> inode of the namespace
	links    map[string]string // host-side veth name -> its ifindex
	pids     map[int]string    // started processes -> description
	pidStart map[int]uint64    // start time, to ignore a recycled PID
}

func newLeakTracker() *leakTracker {
	return &leakTracker{netns: map[string]uint64{}, links: map[string]string{}, pids: map[int]string{}, pidStart: map[int]uint64{}}
}

func (l *leakTracker) addNetns(name string, inode uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.netns[name] = inode
}

// forgetNet drops a network slot this process removed completely (no
// process left in it, namespace and veth deleted). Namespace inode numbers
// and names are reused by the kernel and by other harness processes, so a
// removed slot must not be matched against later ones.
func (l *leakTracker) forgetNet(netns, link string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.netns, netns)
	delete(l.links, link)
}

func (l *leakTracker) addLink(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.links[name] = linkIndex(name)
}

// linkIndex is the interface's ifindex, "" when it does not exist.
func linkIndex(name string) string {
	b, err := os.ReadFile(filepath.Join("/sys/class/net", name, "ifindex"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (l *leakTracker) addPID(pid int, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pids[pid] = what
	l.pidStart[pid] = processStartTime(pid)
}

// CheckLeaks reports every mount, network namespace, veth and process this
// process's harness created and did not remove. TestMain calls it after the
// suite and fails the run when it returns an error.
func CheckLeaks() error {
	e := Suite()
	if e.WorkDir == "" {
		return nil
	}
	// Killed container processes are reaped asynchronously by the host's
	// init; give stragglers a moment before calling them leaks. Mounts and
	// namespaces do not go away by themselves, so they end the wait.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		problems, onlyProcesses := e.leaks.check()
		if len(problems) == 0 {
			return nil
		}
		if !onlyProcesses || time.Now().After(deadline) {
			return errors.New("e2e harness left behind: " + strings.Join(problems, "; "))
		}
	}
}

// check lists what is left; onlyProcesses reports that nothing but
// processes is.
func (l *leakTracker) check() (problems []string, onlyProcesses bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, mp := range mountsBelow(l.workDir) {
		problems = append(problems, "mount "+mp)
	}
	// Slots are reused: once released, another harness process may create
	// a namespace or veth of the same name. Only the very objects this
	// process created (same inode, same ifindex) count.
	for name, ino := range l.netns {
		if now, ok := netnsInode(filepath.Join("/run/netns", name)); ok && now == ino {
			problems = append(problems, "netns "+name)
		}
	}
	for name, idx := range l.links {
		if idx != "" && linkIndex(name) == idx {
			problems = append(problems, "veth "+name)
		}
	}
	resources := len(problems)
	inodes := map[uint64]string{}
	for name, ino := range l.netns {
		inodes[ino] = name
	}
	for _, pid := range allPIDs() {
		if pid == os.Getpid() {
			continue
		}
		if what, ok := l.pids[pid]; ok && processStartTime(pid) == l.pidStart[pid] && !isZombie(pid) {
			problems = append(problems, fmt.Sprintf("process %d (%s)", pid, what))
			continue
		}
		if ino, ok := netnsInode(fmt.Sprintf("/proc/%d/ns/net", pid)); ok {
			if name, mine := inodes[ino]; mine {
				problems = append(problems, fmt.Sprintf("process %d (%s) in netns %s", pid, commandLine(pid), name))
				continue
			}
		}
		if cl := commandLine(pid); strings.Contains(cl, l.workDir) {
			problems = append(problems, fmt.Sprintf("process %d (%s)", pid, cl))
		}
	}
	return problems, resources == 0
}

func allPIDs() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func commandLine(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// processStat returns the fields of /proc/PID/stat after the command name.
func processStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func isZombie(pid int) bool {
	f := processStat(pid)
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// processStartTime is field 22 of /proc/PID/stat (starttime), 0 if gone.
func processStartTime(pid int) uint64 {
	f := processStat(pid)
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

func netnsInode(path string) (uint64, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, false
	}
	return st.Ino, true
}
