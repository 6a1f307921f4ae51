//go:build linux

// Package harness gives end-to-end tests real machines to provision: booted
// systemd-nspawn containers (Debian 12 and an EL9-style rpm variant) and a
// plain chroot with sshd, each in its own network namespace, reachable over
// real SSH, plus signed package repositories served on the target's veth
// address and a real Packer binary with this plugin installed.
//
// Everything heavy is cached outside the repository under
// $SPINNAKER_CACHE/e2e (default ~/.cache/packer-plugin-spinnaker/e2e) and keyed
// by a hash of its recipe: the golden Debian rootfs (debootstrap) and the rpm
// layer stacked over it. Fixtures (GPG keys, .debs, .rpms, repositories) are
// built once per process into a per-process work directory.
//
// A test asks for a target and uses one-line helpers:
//
//	tg := harness.NewTarget(t, harness.Debian)
//	tg.MustRun(t, "apt-get update")
//	if v := tg.PackageVersion(t, "hello-svc"); v != "1.0.0-h5" { ... }
//
// Every process the harness starts is stopped by PID and every mount, network
// namespace and veth it creates is removed in t.Cleanup. CheckLeaks, called
// from TestMain after the suite, fails when anything is left behind.
//
// The harness needs root, systemd-nspawn, debootstrap and the host tools that
// test/host-deps.sh installs. When CI=true a missing prerequisite fails the
// test; elsewhere the test is skipped with the reason.
package harness
