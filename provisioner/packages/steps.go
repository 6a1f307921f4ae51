package packages

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/retry"
)

// executor runs the plan's steps through a batcher and judges each step's
// result by its kind: lock and network retries, ordered deb installs, and
// the final verification.
type executor struct {
	req      *request
	booted   bool
	batches  *batcher
	ui       safeUI
	announce func(string)
	// stepWait is the pause between retries of network failures.
	stepWait time.Duration

	installed map[string]installedPackage
	units     map[string]unitState
}

// runPlan runs the batches in order. Steps returned by a step (the installs
// of an ordered deb bake) join the front of the next batch, so that they
// share its remote command.
func (e *executor) runPlan(ctx context.Context, batches [][]step) error {
	for len(batches) > 0 {
		batch := batches[0]
		batches = batches[1:]
		e.batches.number(batch, len(batches) == 0)
		for _, s := range batch {
			next, err := e.runStep(ctx, s)
			if err != nil {
				return err
			}
			if len(next) > 0 {
				if len(batches) == 0 {
					batches = append(batches, nil)
				}
				batches[0] = append(next, batches[0]...)
			}
		}
	}
	return nil
}

// runStep runs one step according to its kind. It returns the steps that
// must run next, before the rest of the plan (the installs that follow an
// ordered deb resolution).
func (e *executor) runStep(ctx context.Context, s step) ([]step, error) {
	// A step that already ran inside an earlier batch was announced when
	// it started.
	if !e.batches.ran(s.id) && s.Kind != kindGroups {
		e.announce(s.Phase)
	}
	switch s.Kind {
	case kindUpdate:
		return nil, e.runUpdate(ctx, s)
	case kindInstall:
		_, err := e.runWithLockRetry(ctx, s)
		return nil, err
	case kindDebOrdered:
		return e.runDebOrdered(ctx, s)
	case kindVerify:
		res, err := e.runChecked(ctx, s)
		if err != nil {
			return nil, err
		}
		e.installed, e.units = parseVerifyOutput(res.Output())
		return nil, errors.Join(checkPackages(e.req.Type, e.req.Packages, e.installed), checkUnits(e.req.Units, e.units, e.booted))
	}
	_, err := e.runChecked(ctx, s)
	return nil, err
}

// runChecked runs a step and turns a non-zero exit into an error naming the
// phase and quoting the end of the output.
func (e *executor) runChecked(ctx context.Context, s step) (result, error) {
	res, err := e.batches.exec(ctx, s)
	if err != nil {
		return res, fmt.Errorf("%s: %w", s.Phase, err)
	}
	if res.ExitStatus != 0 {
		return res, fmt.Errorf("%s: exit status %d: %s", s.Phase, res.ExitStatus, tail(res.Lines, 6))
	}
	return res, nil
}

// lockError matches apt's and dpkg's messages for a lock held by another
// process (unattended-upgrades, cloud-init, apt-daily).
var lockError = regexp.MustCompile(`Could not get lock|locked by another process|is locked by another`)

// runWithLockRetry runs an install step and, when it failed only because
// another process held the package manager lock, runs it again until
// lock_timeout has passed. apt also waits by itself
// (DPkg::Lock::Timeout); this loop covers dpkg, which cannot wait, and old
// apt versions without the option.
func (e *executor) runWithLockRetry(ctx context.Context, s step) (result, error) {
	deadline := time.Now().Add(e.req.LockTimeout)
	for {
		res, err := e.batches.exec(ctx, s)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.Phase, err)
		}
		if res.ExitStatus == 0 {
			return res, nil
		}
		if !lockError.MatchString(res.Output()) {
			return res, fmt.Errorf("%s: exit status %d: %s", s.Phase, res.ExitStatus, tail(res.Lines, 6))
		}
		if !time.Now().Before(deadline) {
			return res, fmt.Errorf("%s: the package manager lock was held by another process for longer than lock_timeout (%s): %s", s.Phase, e.req.LockTimeout, tail(res.Lines, 2))
		}
		e.ui.Say(fmt.Sprintf("    waiting for the package manager lock (up to %s more)", time.Until(deadline).Round(time.Second)))
		if err := sleepCtx(ctx, min(e.stepWait, time.Until(deadline))); err != nil {
			return res, fmt.Errorf("%s: %w", s.Phase, err)
		}
	}
}

// permanentFetchError marks update failures that retrying cannot fix;
// transientFetchError those worth another try (network, 5xx).
var (
	permanentFetchError = regexp.MustCompile(`is not signed|NO_PUBKEY|GPG error|EXPKEYSIG|BADSIG|signatures couldn't be verified|GPG check FAILED|signature verification|Malformed entry|Conflicting values|Unable to locate|\s40[134]\s+(Unauthorized|Forbidden|Not Found)`)
	transientFetchError = regexp.MustCompile(`Failed to fetch|Could not connect|Connection refused|Connection failed|Temporary failure|timed out|Could not resolve|Curl error|Status code: 5\d\d|\s5\d\d\s+[A-Z][a-z]|Cannot download`)
)

// runUpdate refreshes indexes and fails when one of the added sources could
// not be fetched, which apt only reports as a warning (exit 0 after
// `W: Failed to fetch`). Transient failures are retried with backoff.
func (e *executor) runUpdate(ctx context.Context, s step) error {
	attempt := 0
	err := retry.Config{
		Tries: updateTries,
		RetryDelay: func() time.Duration {
			return e.stepWait * time.Duration(1<<(attempt-1))
		},
		ShouldRetry: func(err error) bool {
			var p permanentError
			return !errors.As(err, &p) && ctx.Err() == nil
		},
	}.Run(ctx, func(ctx context.Context) error {
		attempt++
		res, err := e.batches.exec(ctx, s)
		if err != nil {
			return permanentError{fmt.Errorf("%s: %w", s.Phase, err)}
		}
		failed := fetchFailures(res.Lines, e.req.Repositories)
		if res.ExitStatus == 0 && len(failed) == 0 {
			return nil
		}
		msg := fmt.Sprintf("%s: exit status %d: %s", s.Phase, res.ExitStatus, tail(res.Lines, 4))
		if len(failed) > 0 {
			msg = fmt.Sprintf("%s: an added repository could not be fetched: %s", s.Phase, strings.Join(failed, " | "))
		}
		if signatureError.MatchString(res.Output()) {
			msg += " (the repository is unsigned or signed with another key than the one configured: set its key with key_url, key or key_file, or trusted = true to skip the check)"
		}
		// The retry package logs retryable errors to PACKER_LOG.
		msg = e.ui.clean(msg)
		// The last attempt is final too: the retry package would sleep
		// once more before giving up.
		if attempt == updateTries || permanentFetchError.MatchString(res.Output()) || !transientFetchError.MatchString(res.Output()) {
			if attempt > 1 {
				msg = fmt.Sprintf("%s (after %d attempts)", msg, attempt)
			}
			return permanentError{errors.New(msg)}
		}
		e.ui.Error(fmt.Sprintf("    %s; retrying (attempt %d of %d failed)", msg, attempt, updateTries))
		return errors.New(msg)
	})
	// Report the last attempt's error, not the retry package's wrapper.
	var exhausted *retry.RetryExhaustedError
	if errors.As(err, &exhausted) && exhausted.Err != nil {
		return exhausted.Err
	}
	var p permanentError
	if errors.As(err, &p) {
		return p.err
	}
	return err
}

// signatureError marks failures to verify a repository.
var signatureError = regexp.MustCompile(`is not signed|NO_PUBKEY|EXPKEYSIG|BADSIG|signatures couldn't be verified|GPG check FAILED`)

// updateTries is how often an index refresh is attempted.
const updateTries = 3

// fetchFailures returns apt's error lines that concern an added source.
func fetchFailures(lines []string, repos []sourceRepo) []string {
	var failed []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if !(strings.HasPrefix(t, "Err:") || strings.HasPrefix(t, "E:") || strings.Contains(t, "Failed to fetch")) {
			continue
		}
		for _, r := range repos {
			if mentionsURL(t, r.matchKey()) {
				failed = append(failed, t)
				break
			}
		}
	}
	return failed
}

// mentionsURL reports whether line names the repository at key (host and path) itself, not a
// longer path that merely starts the same (`host/deb` is not `host/debian`).
func mentionsURL(line, key string) bool {
	for rest := line; ; {
		i := strings.Index(rest, key)
		if i < 0 {
			return false
		}
		rest = rest[i+len(key):]
		if rest == "" || rest[0] == '/' || rest[0] == ' ' {
			return true
		}
	}
}

// runDebOrdered resolves and downloads an ordered deb request (see
// deb_ordered.go) and returns the step that installs it.
func (e *executor) runDebOrdered(ctx context.Context, s step) ([]step, error) {
	res, err := e.runWithLockRetry(ctx, s)
	if err != nil {
		if res.ExitStatus == 0 || !removalRefused.MatchString(res.Output()) {
			return nil, err
		}
		e.ui.Say("    apt's solution removes packages; installing one apt-get transaction per package instead")
		var steps []step
		for _, p := range e.req.Packages {
			tok := p.Token(Deb)
			steps = append(steps, step{Phase: "install " + tok, Func: "apt_install", Args: []string{"full", tok}, Kind: kindInstall})
		}
		return steps, nil
	}
	solution, err := parseSolution(res.Lines)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Phase, err)
	}
	if len(solution) == 0 {
		e.ui.Say("    every requested package is already installed")
		return nil, nil
	}
	requested := make([]string, len(e.req.Packages))
	for i, p := range e.req.Packages {
		requested[i], _, _ = strings.Cut(p.Name, ":")
	}
	// One remote command installs every group, so the per-package cost is
	// dpkg's own; the script announces each group with an "@@phase" line.
	args := dpkgGroupsArgs(orderedGroups(solution, requested), requested)
	return []step{{Phase: "install", Func: "dpkg_groups", Args: args, Kind: kindGroups}}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
