package packages

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The SDK's chroot communicator runs `/bin/sh -c "chroot <root> /bin/sh -c <Go-quoted command>"`.
// A wrapped command must behave there exactly as it does over SSH (`sh -c <command>`).
func TestPortableSurvivesTheChrootCommunicatorsQuoting(t *testing.T) {
	commands := map[string]string{
		"plain":                "echo hello world",
		"variables":            `x=42; echo "x is $x, status $?"`,
		"command substitution": "echo `echo back` $(echo dollar)",
		"several lines":        "echo one\necho two\nexit 3",
		"backslashes":          `printf '%s\n' 'a\b' "c\\d"`,
		"standard input":       `read line; echo "got $line"`,
	}
	for name, command := range commands {
		t.Run(name, func(t *testing.T) {
			direct := runShell(t, exec.Command("/bin/sh", "-c", command))
			// What the chroot communicator builds, minus the chroot itself.
			viaChroot := runShell(t, exec.Command("/bin/sh", "-c", "/bin/sh -c "+strconv.Quote(portable(command))))
			if direct != viaChroot {
				t.Errorf("over SSH: %q; through the chroot communicator: %q", direct, viaChroot)
			}
		})
	}
}

func TestPortableLeavesPlainCommandsReadable(t *testing.T) {
	if got := portable("sh /tmp/stage/run.sh verify hello-svc"); got != "sh /tmp/stage/run.sh verify hello-svc" {
		t.Errorf("portable changed a plain command: %q", got)
	}
	if got := portable("echo $HOME"); !strings.HasPrefix(got, portableCommand) || strings.ContainsAny(got, hostShellSpecial) {
		t.Errorf("portable(%q) = %q, want a wrapped command free of %q", "echo $HOME", got, hostShellSpecial)
	}
}

// runShell runs cmd with one line on standard input and returns its output and exit status.
func runShell(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	cmd.Stdin = strings.NewReader("from stdin\n")
	out, err := cmd.CombinedOutput()
	status := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		status = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out) + " rc=" + strconv.Itoa(status)
}
