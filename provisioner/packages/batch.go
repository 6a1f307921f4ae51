package packages

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Steps run in batches: one remote command runs several steps in a row,
// each only when the one before succeeded, so that a bake pays one SSH
// session per batch rather than one per step. The command prints a
// "@@step N" line before each step; the provisioner announces each phase as
// its line arrives, splits the output at these lines and judges each step's
// part exactly as if the step had run alone. Nothing runs twice: a step
// whose output decides what follows (a wider resolution, the installs of
// a resolved deb request) ends its batch, and the steps it returns start
// the next one together with the rest of the plan.
//
// A batch runs in a session of its own whose id is in step.pid, so that a
// cleanup after a cancel stops the batch as a whole: the step that runs and
// every step after it. That makes it safe for the last batch to end with
// the cleanup, whatever happened before it; the provisioner still runs the
// cleanup itself when it did not see that one finish.

// Limits of a batch's command line. Linux refuses a single argument over
// 128 KiB (the `sh -c` script is one), so a step's long arguments travel as
// an uploaded file and a batch ends before its command gets long.
const (
	argsInlineMax  = 4 << 10
	batchInlineMax = 32 << 10
)

// batchSpec is everything a batch command is built from.
type batchSpec struct {
	Sudo       string // "sudo -n " or ""
	Stage      string
	ScriptPath string
	Steps      []step
	// Session runs the batch in a session of its own (setsid exists).
	Session bool
	// Cleanup ends the batch with the cleanup, whether the steps succeeded
	// or not; only with Session.
	Cleanup bool
}

// batchCommand returns the remote command of a batch. It holds only
// validated names.
func batchCommand(spec batchSpec) string {
	var inner []string
	if spec.Session {
		inner = append(inner, "echo $$ > "+shellQuote(spec.Stage+"/step.pid"))
	}
	for _, s := range spec.Steps {
		run := append([]string{"sh", spec.ScriptPath, "--in-batch", s.Func}, s.Args...)
		if s.argsFile != "" {
			run = []string{"sh", spec.ScriptPath, "--in-batch", "--args", s.argsFile, s.Func}
		}
		inner = append(inner, "echo "+shellQuote(stepLine(s.id)), shellJoin(run))
	}
	script := strings.Join(inner, " && ")
	if spec.Cleanup && spec.Session {
		script += "; rc=$?; echo " + shellQuote(cleanupMarker) + "; " + shellJoin([]string{"sh", spec.ScriptPath, "--in-batch", "cleanup"}) +
			" && echo " + shellQuote(cleanedMarker) + "; exit $rc"
	}
	run := "sh -c " + shellQuote(script)
	if spec.Session {
		run = "setsid -w " + run
	}
	return spec.Sudo + run
}

// splitBatch splits a batch's output at the step markers: before holds
// the lines printed before the first step started (upload errors), parts
// one slice per step that started, in order, and cleanup the output of the
// cleanup that ended the batch; cleaned tells whether that one finished.
func splitBatch(lines []string, steps []step) (before []string, parts [][]string, cleanup []string, cleaned bool) {
	next := 0
	inCleanup := false
	for _, l := range lines {
		switch {
		case l == cleanupMarker:
			inCleanup = true
			continue
		case inCleanup && l == cleanedMarker:
			cleaned = true
			continue
		case inCleanup:
			cleanup = append(cleanup, l)
			continue
		case next < len(steps) && l == stepLine(steps[next].id):
			parts = append(parts, nil)
			next++
			continue
		}
		if len(parts) == 0 {
			before = append(before, l)
		} else {
			parts[len(parts)-1] = append(parts[len(parts)-1], l)
		}
	}
	return before, parts, cleanup, cleaned
}

// chainPlan cuts the plan into batches. A batch ends after a step whose
// output decides the next commands (the ordered deb resolution), and before
// its command line would grow past batchInlineMax.
func chainPlan(plan []step) [][]step {
	var batches [][]step
	var cur []step
	size := 0
	for _, s := range plan {
		n := min(s.argsLen(), argsInlineMax) + 100
		if len(cur) > 0 && size+n > batchInlineMax {
			batches = append(batches, cur)
			cur, size = nil, 0
		}
		cur = append(cur, s)
		size += n
		if s.Kind == kindDebOrdered {
			batches = append(batches, cur)
			cur, size = nil, 0
		}
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

// neverRetried tells whether every step of a batch either succeeds or
// ends the bake at its first run; only such a batch, the last one, may end
// with the cleanup. The provisioner retries no step (the package managers
// wait and retry themselves); only a resolution may be followed by steps it
// decides, such as a wider one (plan.go, widenScope).
func neverRetried(steps []step) bool {
	for _, s := range steps {
		if s.Kind == kindDebOrdered {
			return false
		}
	}
	return true
}

// cleanupTimeout bounds cleanup when the build's context is already
// cancelled: the target must still lose its policy-rc.d and credentials.
const cleanupTimeout = 3 * time.Minute

// batcher runs steps in batches on one target and keeps what a batch
// returned for the steps after the first until their turn. It also owns
// the bake script's upload and the cleanup, which depend on how far the
// batches got.
type batcher struct {
	rm       *remote
	announce func(string)
	// onPhase announces the phases a step reports itself.
	onPhase    func(string)
	sudo       string // "sudo -n " or ""
	stage      string
	scriptPath string
	script     string // uploaded by the first batch
	session    bool   // setsid exists: batches run in a session of their own

	// uploadTried is set once a batch carried the script, uploaded once
	// the upload finished (so the script arrived complete).
	uploadTried, uploaded bool
	// pending holds the results of steps that ran inside an earlier
	// batch, by step id, until their turn.
	pending map[int]result
	nextID  int
	// cleaned is set when a batch's cleanup finished.
	cleaned bool
}

// number gives the steps of a batch their ids and chains each to the ones
// after it; the last step of the last batch may end it with the cleanup.
func (bt *batcher) number(batch []step, last bool) {
	for i := range batch {
		bt.nextID++
		batch[i].id = bt.nextID
	}
	if last && bt.session && neverRetried(batch) {
		batch[len(batch)-1].cleanupAfter = true
	}
	for i := range batch {
		batch[i].then = batch[i+1:]
	}
}

// ran reports whether step id already ran inside an earlier batch.
func (bt *batcher) ran(id int) bool {
	_, ok := bt.pending[id]
	return ok
}

// exec returns the result of step s. When an earlier batch already ran s,
// that result is used; otherwise s runs now, followed in the same remote
// command by s.then, whose results are kept for their turn.
func (bt *batcher) exec(ctx context.Context, s step) (result, error) {
	if r, ok := bt.pending[s.id]; ok {
		delete(bt.pending, s.id)
		return r, nil
	}
	bt.pending = map[int]result{}
	steps := append([]step{s}, s.then...)
	if !bt.uploaded {
		// The communicator's own upload (scp or sftp over SSH, a copy into a
		// chroot) rather than standard input: with ssh_pty, which Rosco's
		// templates set, standard input never reaches end-of-file. The
		// script holds repository credentials, so it never travels in a
		// command line, which Packer's debug log records.
		bt.uploadTried = true
		if err := bt.rm.comm.Upload(bt.scriptPath, strings.NewReader(bt.script), nil); err != nil {
			return result{}, fmt.Errorf("upload the bake script: %w", err)
		}
		bt.uploaded = true
	}
	for i := range steps {
		if steps[i].argsLen() > argsInlineMax {
			path := fmt.Sprintf("%s/args-%d", bt.stage, steps[i].id)
			if err := bt.rm.comm.Upload(path, strings.NewReader(strings.Join(steps[i].Args, "\n")+"\n"), nil); err != nil {
				return result{}, fmt.Errorf("upload the arguments of %q: %w", steps[i].Func, err)
			}
			steps[i].argsFile = path
		}
	}
	spec := batchSpec{Sudo: bt.sudo, Stage: bt.stage, ScriptPath: bt.scriptPath, Steps: steps, Session: bt.session,
		Cleanup: steps[len(steps)-1].cleanupAfter}
	onStep := func(id int) {
		if id == 0 {
			bt.announce("cleanup")
			return
		}
		if id != s.id {
			bt.announceStep(id, steps)
		}
	}
	res, err := bt.rm.run(ctx, batchCommand(spec), runOptions{onPhase: bt.onPhase, onStep: onStep})
	if err != nil {
		return result{}, err
	}
	before, parts, _, cleaned := splitBatch(res.Lines, steps)
	bt.cleaned = bt.cleaned || cleaned
	if len(parts) == 0 {
		return result{ExitStatus: res.ExitStatus, Lines: before}, fmt.Errorf("the bake script did not start: exit status %d: %s", res.ExitStatus, tail(before, 4))
	}
	for i := 1; i < len(parts); i++ {
		r := result{Lines: parts[i]}
		if i == len(parts)-1 {
			r.ExitStatus = res.ExitStatus
		}
		bt.pending[steps[i].id] = r
	}
	first := result{Lines: append(before, parts[0]...)}
	if len(parts) == 1 {
		first.ExitStatus = res.ExitStatus
	}
	return first, nil
}

// announceStep announces a step that started inside a batch.
func (bt *batcher) announceStep(id int, steps []step) {
	for _, s := range steps {
		if s.id == id && s.Kind != kindGroups {
			bt.announce(s.Phase)
		}
	}
}

// cleanup removes what the bake added, unless a batch's own cleanup
// already did; it gets a fresh context when the build's context is
// already cancelled, since the target must still lose its policy-rc.d and
// credentials.
func (bt *batcher) cleanup(ctx context.Context) error {
	if bt.cleaned {
		return nil
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
	}
	bt.announce("cleanup")
	command := "rm -rf " + shellQuote(bt.stage)
	script := bt.sudo + shellJoin([]string{"sh", bt.scriptPath, "cleanup"})
	switch {
	case bt.uploaded:
		command = script
	case bt.uploadTried:
		// Cut off during the upload: only a complete script may clean up.
		command = fmt.Sprintf("if [ -f %s ] && [ $(wc -c < %s) -eq %d ]; then %s; else rm -rf %s; fi",
			shellQuote(bt.scriptPath), shellQuote(bt.scriptPath), len(bt.script), script, shellQuote(bt.stage))
	}
	res, err := bt.rm.run(ctx, command, runOptions{})
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	if res.ExitStatus != 0 {
		return fmt.Errorf("cleanup: exit status %d: %s", res.ExitStatus, tail(res.Lines, 5))
	}
	return nil
}
