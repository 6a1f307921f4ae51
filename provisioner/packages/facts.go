package packages

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// facts are what the detect script found on the target.
type facts struct {
	UID       int
	HasDpkg   bool
	HasRPM    bool
	DNF       string // "dnf", "yum" or ""
	Booted    bool   // systemd is PID 1 (/run/systemd/system exists)
	Systemctl bool
	CloudInit bool
	PolicyRcd bool
	HasSudo   bool
	// Setsid tells whether a batch can run in a process group of its own
	// that cleanup can stop as a whole.
	Setsid bool
	// ListsAge is the age of the oldest apt list; negative when there are
	// none.
	ListsAge time.Duration
	Stage    string
}

// parseFacts reads the detect script's key=value lines.
func parseFacts(out string) (facts, error) {
	f := facts{UID: -1, ListsAge: -1}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		switch key {
		case "uid":
			uid, err := strconv.Atoi(value)
			if err != nil {
				return f, fmt.Errorf("detect: uid %q is not a number", value)
			}
			f.UID = uid
		case "dpkg":
			f.HasDpkg = true
		case "rpm":
			f.HasRPM = true
		case "dnf":
			f.DNF = value
		case "booted":
			f.Booted = true
		case "systemctl":
			f.Systemctl = true
		case "cloud_init":
			f.CloudInit = true
		case "policy_rc_d":
			f.PolicyRcd = true
		case "sudo":
			f.HasSudo = true
		case "setsid":
			f.Setsid = true
		case "lists_age":
			if secs, err := strconv.Atoi(value); err == nil && secs >= 0 {
				f.ListsAge = time.Duration(secs) * time.Second
			}
		case "stage":
			f.Stage = value
		}
	}
	if f.UID < 0 || !validStage(f.Stage) {
		return f, fmt.Errorf("detect: unexpected output from the target (is it a Linux machine with a POSIX shell?)")
	}
	return f, nil
}

// packageType returns the configured type, or the one found on the target:
// dpkg (with apt) first, then rpm.
func (f facts) packageType(configured PackageType) (PackageType, error) {
	if configured != "" {
		return configured, nil
	}
	switch {
	case f.HasDpkg:
		return Deb, nil
	case f.HasRPM:
		return RPM, nil
	}
	return "", fmt.Errorf("package_type is empty and the target has neither dpkg/apt-get nor rpm")
}

// validStage reports whether stage is a staging directory detect.sh creates (and nothing a
// malfunctioning target could make `rm -rf` remove).
func validStage(stage string) bool {
	return strings.HasPrefix(stage, "/tmp/spinnaker-packages.") && !strings.Contains(stage, "/..") &&
		!strings.ContainsAny(stage, shellMeta)
}
