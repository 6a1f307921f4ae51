package packages

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Steps run in batches: one remote command runs several steps in a row,
// each only when the one before succeeded, so that a bake pays one SSH
// session per batch rather than one per step. The command prints a
// "@@step N" line before each step; the provisioner announces each phase as
// its line arrives, splits the output at these lines and judges each step's
// part exactly as if the step had run alone. A step that must run again
// (lock held, transient fetch failure) runs in a new batch together with
// the steps after it.
//
// A batch runs in a session of its own whose id is in step.pid, so that a
// cleanup after a cancel stops the batch as a whole: the step that runs and
// every step after it. That makes it safe for the last batch to end with
// the cleanup, whatever happened before it; the provisioner still runs the
// cleanup itself when it did not see that one finish.

const (
	stepMarker = "@@step "
	// cleanupMarker precedes the cleanup that ends a batch, cleanedMarker
	// says it finished.
	cleanupMarker = "@@step 0"
	cleanedMarker = "@@cleaned"
)

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
func batchCommand(b batchSpec) string {
	var inner []string
	if b.Session {
		inner = append(inner, "echo $$ > "+shellQuote(b.Stage+"/step.pid"))
	}
	for _, s := range b.Steps {
		run := append([]string{"sh", b.ScriptPath, "--in-batch", s.Func}, s.Args...)
		if s.argsFile != "" {
			run = []string{"sh", b.ScriptPath, "--in-batch", "--args", s.argsFile, s.Func}
		}
		inner = append(inner, "echo "+shellQuote(stepMarker+strconv.Itoa(s.id)), shellJoin(run))
	}
	script := strings.Join(inner, " && ")
	if b.Cleanup && b.Session {
		script += "; rc=$?; echo " + shellQuote(cleanupMarker) + "; " + shellJoin([]string{"sh", b.ScriptPath, "--in-batch", "cleanup"}) +
			" && echo " + shellQuote(cleanedMarker) + "; exit $rc"
	}
	run := "sh -c " + shellQuote(script)
	if b.Session {
		run = "setsid -w " + run
	}
	return b.Sudo + run
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
		case next < len(steps) && l == stepMarker+strconv.Itoa(steps[next].id):
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
// with the cleanup.
func neverRetried(steps []step) bool {
	for _, s := range steps {
		switch s.Kind {
		case kindPlain, kindVerify, kindGroups:
		default:
			return false
		}
	}
	return true
}

// exec returns the result of step s. When an earlier batch already ran s,
// that result is used; otherwise s runs now, followed in the same remote
// command by s.then, whose results are kept for their turn.
func (b *bake) exec(ctx context.Context, s step) (result, error) {
	if r, ok := b.pending[s.id]; ok {
		delete(b.pending, s.id)
		return r, nil
	}
	b.pending = map[int]result{}
	steps := append([]step{s}, s.then...)
	if !b.uploaded {
		// The communicator's own upload (scp or sftp over SSH, a copy into a
		// chroot) rather than standard input: with ssh_pty, which Rosco's
		// templates set, standard input never reaches end-of-file. The
		// script holds repository credentials, so it never travels in a
		// command line, which Packer's debug log records.
		b.uploadTried = true
		if err := b.rm.comm.Upload(b.scriptPath, strings.NewReader(b.script), nil); err != nil {
			return result{}, fmt.Errorf("upload the bake script: %w", err)
		}
		b.uploaded = true
	}
	for i := range steps {
		if steps[i].argsLen() > argsInlineMax {
			path := fmt.Sprintf("%s/args-%d", b.facts.Stage, steps[i].id)
			if err := b.rm.comm.Upload(path, strings.NewReader(strings.Join(steps[i].Args, "\n")+"\n"), nil); err != nil {
				return result{}, fmt.Errorf("upload the arguments of %q: %w", steps[i].Func, err)
			}
			steps[i].argsFile = path
		}
	}
	spec := batchSpec{Sudo: b.sudo, Stage: b.facts.Stage, ScriptPath: b.scriptPath, Steps: steps, Session: b.facts.Setsid,
		Cleanup: steps[len(steps)-1].cleanupAfter}
	b.rm.onStep = func(id int) {
		if id == 0 {
			b.announce("cleanup")
			return
		}
		if id != s.id {
			b.announceStep(id, steps)
		}
	}
	res, err := b.runWatchingLocks(ctx, batchCommand(spec))
	b.rm.onStep = nil
	if err != nil {
		return result{}, err
	}
	before, parts, _, cleaned := splitBatch(res.Lines, steps)
	b.cleaned = b.cleaned || cleaned
	if len(parts) == 0 {
		return result{ExitStatus: res.ExitStatus, Lines: before}, fmt.Errorf("the bake script did not start: exit status %d: %s", res.ExitStatus, tail(before, 4))
	}
	for i := 1; i < len(parts); i++ {
		r := result{Lines: parts[i]}
		if i == len(parts)-1 {
			r.ExitStatus = res.ExitStatus
		}
		b.pending[steps[i].id] = r
	}
	first := result{Lines: append(before, parts[0]...)}
	if len(parts) == 1 {
		first.ExitStatus = res.ExitStatus
	}
	return first, nil
}

// announceStep announces a step that started inside a batch.
func (b *bake) announceStep(id int, steps []step) {
	for _, s := range steps {
		if s.id == id && s.Kind != kindGroups {
			b.announce(s.Phase)
		}
	}
}

// dnfLockWait is what dnf prints when another process holds its lock; dnf 4 then waits for ever.
var dnfLockWait = regexp.MustCompile(`Waiting for process with pid \d+ to finish`)

// errLockTimeout ends a batch whose package manager waited too long for a lock.
var errLockTimeout = errors.New("lock_timeout passed")

// runWatchingLocks runs a batch and stops it once dnf has waited for another process's lock
// for longer than lock_timeout. apt and dpkg give up by themselves (see runWithLockRetry); dnf
// never does, so without this an rpm bake would hang until Packer's own timeout. Stopping works
// like a cancel: the batch's process group is ended by the cleanup.
func (b *bake) runWatchingLocks(ctx context.Context, command string) (result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var once sync.Once
	var timer *time.Timer
	b.rm.onLine = func(line string) {
		if dnfLockWait.MatchString(line) {
			once.Do(func() { timer = time.AfterFunc(b.req.LockTimeout, func() { cancel(errLockTimeout) }) })
		}
	}
	res, err := b.rm.run(ctx, command)
	b.rm.onLine = nil
	once.Do(func() {}) // no timer can start after this
	if timer != nil {
		timer.Stop()
	}
	if err != nil && errors.Is(context.Cause(ctx), errLockTimeout) {
		return res, fmt.Errorf("the rpm database lock was held by another process for longer than lock_timeout (%s)", b.req.LockTimeout)
	}
	return res, err
}
