package packages

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// executor runs the plan's steps through a batcher and judges each step's
// result by its kind: fetch failures of the added sources, lock failures,
// the dpkg installs that follow a resolution, and the final verification.
type executor struct {
	req       *request
	booted    bool
	batches   *batcher
	ui        safeUI
	announce  func(string)
	installed installedSet
	units     map[string]unitState
	// inventory holds the output of the inventory step (sbom_file).
	inventory []string
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
				// They join the front of the next batch, cut again where
				// a step's output decides what follows (a wider
				// resolution).
				var rest []step
				if len(batches) > 0 {
					rest, batches = batches[0], batches[1:]
				}
				batches = append(chainPlan(append(next, rest...)), batches...)
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
		_, err := e.runInstall(ctx, s)
		return nil, err
	case kindDebOrdered:
		return e.runDebOrdered(ctx, s)
	case kindInventory:
		res, err := e.runChecked(ctx, s)
		if err != nil {
			return nil, err
		}
		e.inventory = res.Lines
		return nil, nil
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
var lockError = regexp.MustCompile(`Could not get lock|locked by another process|is locked by another|longer than lock_timeout`)

// lockFailure names a failed step's lock held by another process, or
// returns nil when the failure was another. Waiting for the lock is
// remote.sh's (apt's DPkg::Lock::Timeout, its loop for dpkg and for apt's
// lists lock, dnf_run); here a lock failure is only named.
func (e *executor) lockFailure(s step, res result) error {
	if !lockError.MatchString(res.Output()) {
		return nil
	}
	return fmt.Errorf("%s: the package manager lock was held by another process for longer than lock_timeout (%s): %s", s.Phase, e.req.LockTimeout, tail(res.Lines, 2))
}

// runInstall runs an install step once.
func (e *executor) runInstall(ctx context.Context, s step) (result, error) {
	res, err := e.batches.exec(ctx, s)
	if err != nil {
		return res, fmt.Errorf("%s: %w", s.Phase, err)
	}
	if res.ExitStatus == 0 {
		return res, nil
	}
	if err := e.lockFailure(s, res); err != nil {
		return res, err
	}
	return res, fmt.Errorf("%s: exit status %d: %s", s.Phase, res.ExitStatus, tail(res.Lines, 6))
}

// runUpdate refreshes indexes and fails when one of the added sources could
// not be fetched, which apt only reports as a warning (exit 0 after
// `W: Failed to fetch`). It runs once: network retries are the package
// manager's (apt's Acquire::Retries in remote.sh, dnf's own retries), and
// the wait for apt's lists lock is remote.sh's, so that each policy has one
// owner.
func (e *executor) runUpdate(ctx context.Context, s step) error {
	res, err := e.batches.exec(ctx, s)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Phase, err)
	}
	failed := fetchFailures(res.Lines, e.req.Repositories)
	if res.ExitStatus == 0 && len(failed) == 0 {
		return nil
	}
	if res.ExitStatus != 0 {
		if err := e.lockFailure(s, res); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("%s: exit status %d: %s", s.Phase, res.ExitStatus, tail(res.Lines, 4))
	if len(failed) > 0 {
		msg = fmt.Sprintf("%s: an added repository could not be fetched: %s", s.Phase, strings.Join(failed, " | "))
	}
	if signatureError.MatchString(res.Output()) {
		msg += " (the repository is unsigned or signed with another key than the one configured: check its key_url, key or key_file, and key_fingerprint)"
	}
	return errors.New(msg)
}

// signatureError marks failures to verify a repository.
var signatureError = regexp.MustCompile(`is not signed|NO_PUBKEY|EXPKEYSIG|BADSIG|signatures couldn't be verified|GPG check FAILED`)

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
	res, err := e.runInstall(ctx, s)
	if err != nil {
		switch {
		case res.ExitStatus == 0:
			return nil, err
		case removalRefused.MatchString(res.Output()):
			steps, note := aptFallbackSteps(e.req)
			e.ui.Say("    " + note)
			return steps, nil
		case !lockError.MatchString(res.Output()):
			if full, ok := widenScope(s); ok {
				e.ui.Say("    the added sources alone cannot satisfy the request; resolving against all sources")
				return []step{full}, nil
			}
		}
		return nil, err
	}
	solution, err := parseSolution(res.Lines)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Phase, err)
	}
	if len(solution) == 0 {
		e.ui.Say("    every requested package is already installed")
		return nil, nil
	}
	return []step{debInstallStep(e.req, solution)}, nil
}
