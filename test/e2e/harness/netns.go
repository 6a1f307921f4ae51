//go:build linux

package harness

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Names of everything the harness creates in the network stack start with
// netPrefix, so leftovers are recognisable (and CheckLeaks finds them).
const (
	netPrefix     = "spke2e"
	defaultSubnet = "10.213.0.0/16"
	// netLockDir holds one lock file per slot index. Any harness process
	// (test run, demo, benchmark) takes the slot's flock before using its
	// names and addresses, so concurrent processes never collide; the kernel
	// drops the lock when a process dies.
	netLockDir = "/run/spinnaker-e2e"
)

// subnetFromEnv reads E2E_SUBNET: an IPv4 range of /24 or larger; slot N
// uses its N-th /24.
func subnetFromEnv() (netip.Prefix, error) {
	s := os.Getenv("E2E_SUBNET")
	if s == "" {
		s = defaultSubnet
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Bits() > 24 || p.Bits() < 8 {
		return netip.Prefix{}, fmt.Errorf("E2E_SUBNET %q: want an IPv4 prefix between /8 and /24, e.g. %s", s, defaultSubnet)
	}
	return p.Masked(), nil
}

// netSlot is one target's network: a namespace, a veth pair and a /24.
type netSlot struct {
	index      int
	netns      string // name under /run/netns
	hostIf     string // veth end in the host namespace
	targetIf   string // veth end in the target namespace
	hostAddr   netip.Addr
	targetAddr netip.Addr
	unlock     func()
}

func slotNames(subnet netip.Prefix, i int) netSlot {
	base := subnet.Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(i)<<8
	addr := func(host uint32) netip.Addr {
		v := n | host
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return netSlot{
		index:      i,
		netns:      fmt.Sprintf("%s-%d", netPrefix, i),
		hostIf:     fmt.Sprintf("%s-h%d", netPrefix, i),
		targetIf:   fmt.Sprintf("%s-t%d", netPrefix, i),
		hostAddr:   addr(1),
		targetAddr: addr(2),
	}
}

// allocNet reserves the lowest free slot. A slot whose lock is free but
// whose namespace or veth still exists was left by a crashed process; it is
// cleaned up and reused.
func allocNet(ctx context.Context, subnet netip.Prefix) (*netSlot, error) {
	if err := os.MkdirAll(netLockDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", netLockDir, err)
	}
	slots := 1 << (24 - subnet.Bits())
	for i := 1; i < slots && i < 4096; i++ {
		f, ok, err := tryLockFile(filepath.Join(netLockDir, fmt.Sprintf("slot-%d.lock", i)))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		s := slotNames(subnet, i)
		s.unlock = func() { f.Close() }
		if s.exists() {
			_ = killNetnsProcesses(s.netns, 5*time.Second)
			if err := s.remove(ctx); err != nil || s.exists() {
				s.unlock()
				continue
			}
		}
		return &s, nil
	}
	return nil, fmt.Errorf("no free network slot in %s (locks in %s)", subnet, netLockDir)
}

func (s *netSlot) exists() bool {
	_, errNS := os.Stat(filepath.Join("/run/netns", s.netns))
	_, errIf := os.Stat(filepath.Join("/sys/class/net", s.hostIf))
	return errNS == nil || errIf == nil
}

// create builds the namespace and the veth pair and addresses both ends.
func (s *netSlot) create(ctx context.Context, leaks *leakTracker) error {
	if err := cmd("ip", "netns", "add", s.netns).run(ctx); err != nil {
		return err
	}
	if ino, ok := netnsInode(filepath.Join("/run/netns", s.netns)); ok {
		leaks.addNetns(s.netns, ino)
	}
	if err := cmd("ip", "link", "add", s.hostIf, "type", "veth", "peer", "name", s.targetIf, "netns", s.netns).run(ctx); err != nil {
		return fmt.Errorf("set up network %s: %w", s.netns, err)
	}
	leaks.addLink(s.hostIf)
	steps := [][]string{
		{"addr", "add", s.hostAddr.String() + "/24", "dev", s.hostIf},
		{"link", "set", s.hostIf, "up"},
		{"-n", s.netns, "addr", "add", s.targetAddr.String() + "/24", "dev", s.targetIf},
		{"-n", s.netns, "link", "set", s.targetIf, "up"},
		{"-n", s.netns, "link", "set", "lo", "up"},
	}
	for _, args := range steps {
		if err := cmd("ip", args...).run(ctx); err != nil {
			return fmt.Errorf("set up network %s: %w", s.netns, err)
		}
	}
	return nil
}

// remove deletes the veth pair and the namespace; missing pieces are fine.
func (s *netSlot) remove(ctx context.Context) error {
	var errs []error
	if _, err := os.Stat(filepath.Join("/sys/class/net", s.hostIf)); err == nil {
		if err := cmd("ip", "link", "del", s.hostIf).run(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := os.Stat(filepath.Join("/run/netns", s.netns)); err == nil {
		if err := cmd("ip", "netns", "del", s.netns).run(ctx); err != nil && !strings.Contains(err.Error(), "No such file") {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// release removes the network and gives the slot back.
func (s *netSlot) release(ctx context.Context) error {
	err := s.remove(ctx)
	if s.unlock != nil {
		s.unlock()
	}
	return err
}
