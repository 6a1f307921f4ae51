package packages

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// remote runs commands on the target through Packer's communicator and
// streams their output, line by line, to the UI.
type remote struct {
	comm packersdk.Communicator
	ui   safeUI
	// quiet hides stdout lines (still captured); stderr is always shown.
	quiet bool
	// onPhase, when set, receives the text of "@@phase <text>" lines the
	// bake script prints to announce progress inside one step.
	onPhase func(string)
	// onStep, when set, receives the id of each "@@step <id>" line of a
	// batch (see batch.go).
	onStep func(int)
}

const phaseMarker = "@@phase "

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
func (rm *remote) run(ctx context.Context, command string) (result, error) {
	return rm.runInput(ctx, command, nil)
}

// runInput is run with stdin as the command's standard input.
func (rm *remote) runInput(ctx context.Context, command string, stdin []byte) (result, error) {
	var mu sync.Mutex
	var lines []string
	onPhase, onStep := rm.onPhase, rm.onStep
	stdout := &lineWriter{mu: &mu, capture: &lines, emit: func(l string) {
		// "@@" lines are data for the provisioner, not for people.
		if strings.HasPrefix(l, "@@") {
			if onPhase != nil && strings.HasPrefix(l, phaseMarker) {
				onPhase(strings.TrimPrefix(l, phaseMarker))
			}
			if onStep != nil && strings.HasPrefix(l, stepMarker) {
				if id, err := strconv.Atoi(strings.TrimPrefix(l, stepMarker)); err == nil {
					onStep(id)
				}
			}
			return
		}
		if !rm.quiet {
			rm.ui.Say("    " + l)
		}
	}}
	stderr := &lineWriter{mu: &mu, capture: &lines, emit: func(l string) { rm.ui.Error("    " + l) }}
	cmd := &packersdk.RemoteCmd{Command: command, Stdin: bytes.NewReader(stdin), Stdout: stdout, Stderr: stderr}
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
