//go:build linux

package harness

// Kind selects what a target is.
type Kind int

const (
	// Debian is a booted Debian 12 (systemd as PID 1, apt/dpkg).
	Debian Kind = iota
	// RPM is a booted EL9-style target: the Debian rootfs with rpm 4.18,
	// dnf 4.14 and an EL9 /etc/os-release instead of apt.
	RPM
	// Chroot is the Debian rootfs with sshd running in a plain chroot and no
	// systemd: the image-in-a-chroot case (amazon-chroot).
	Chroot
)

func (k Kind) String() string {
	switch k {
	case Debian:
		return "debian"
	case RPM:
		return "rpm"
	case Chroot:
		return "chroot"
	}
	return "unknown"
}
