package packages

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// remote runs commands on the target through Packer's communicator and
// streams their output, line by line, to the UI. It has no per-command
// state: what a caller wants to see of one command travels in runOptions.
type remote struct {
	comm packersdk.Communicator
	ui   safeUI
}

// runOptions are what one command's caller wants done with its output.
type runOptions struct {
	// quiet hides stdout lines (still captured); stderr is always shown.
	quiet bool
	// onPhase receives the text of "@@phase <text>" lines (see protocol.go).
	onPhase func(string)
	// onStep receives the id of each "@@step <id>" line of a batch.
	onStep func(int)
}

// result is a finished remote command.
type result struct {
	ExitStatus int
	// Lines are stdout and stderr lines in arrival order.
	Lines []string
}

// Output returns the captured lines as one text.
func (r result) Output() string { return strings.Join(r.Lines, "\n") }

// run starts command and waits for it or for ctx. A cancelled context
// returns ctx.Err() at once; the remote process is then stopped by cleanup,
// since Packer's communicators do not kill remote commands themselves.
func (rm *remote) run(ctx context.Context, command string, o runOptions) (result, error) {
	var mu sync.Mutex
	var lines []string
	stdout := &lineWriter{mu: &mu, capture: &lines, emit: func(l string) {
		if m, ok := parseMarker(l); ok {
			switch {
			case m.kind == markPhase && o.onPhase != nil:
				o.onPhase(m.text)
			case m.kind == markStep && o.onStep != nil:
				o.onStep(m.step)
			}
			return
		}
		if !o.quiet {
			rm.ui.Say("    " + l)
		}
	}}
	stderr := &lineWriter{mu: &mu, capture: &lines, emit: func(l string) {
		rm.ui.Error("    " + l)
	}}
	cmd := &packersdk.RemoteCmd{Command: portable(command), Stdin: bytes.NewReader(nil), Stdout: stdout, Stderr: stderr}
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	if err := rm.comm.Start(ctx, cmd); err != nil {
		return result{}, fmt.Errorf("start remote command: %w", err)
	}
	done := make(chan int, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case status := <-done:
		stdout.Close()
		stderr.Close()
		mu.Lock()
		defer mu.Unlock()
		res := result{ExitStatus: status, Lines: append([]string(nil), lines...)}
		if status == packersdk.CmdDisconnect {
			return res, fmt.Errorf("the connection to the target was lost")
		}
		return res, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// hostShellSpecial are the characters a shell still interprets inside double quotes, plus the
// newline.
const hostShellSpecial = "$`\"\\\n"

// portableCommand is the prefix of a command that portable wrapped.
const portableCommand = "umask 077 && set -C && echo "

// portable returns command in a form that reaches the target's shell unchanged through every
// communicator. SSH hands the string to the login shell as it is, but the SDK's chroot
// communicator (amazon-chroot, Rosco's chroot templates) Go-quotes it into
// `chroot <root> /bin/sh -c "<command>"` for a shell on the build host, which would expand `$`
// and backquotes there and turn newlines into a literal `\n`. A command holding any of those
// travels base64-encoded into a private file under /tmp that removes itself and runs with the
// command's standard input; the wrapper itself is one line with nothing a shell treats
// specially inside double quotes. Plain commands stay readable in Packer's log.
func portable(command string) string {
	if !strings.ContainsAny(command, hostShellSpecial) {
		return command
	}
	var name [8]byte
	_, _ = rand.Read(name[:]) // crypto/rand.Read never fails on Linux
	file := "/tmp/spinnaker-packages-cmd-" + hex.EncodeToString(name[:])
	script := "rm -f -- \"$0\"\n" + command + "\n"
	return portableCommand + base64.StdEncoding.EncodeToString([]byte(script)) + " | base64 -d > " + file + " && sh " + file
}
