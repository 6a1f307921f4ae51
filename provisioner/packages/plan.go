package packages

import (
	"strings"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom"
)

// stepKind tells the executor how to run a step and read its output.
type stepKind int

const (
	kindPlain stepKind = iota
	// kindUpdate refreshes package indexes: the output is checked for
	// failed fetches of the added sources (apt only warns about them).
	kindUpdate
	// kindDebOrdered resolves and downloads everything once; its output
	// decides the dpkg installs that follow (see deb_ordered.go).
	kindDebOrdered
	// kindInstall installs packages; a lock held past lock_timeout is
	// named as such.
	kindInstall
	// kindVerify prints the state of packages and units to compare with
	// the request.
	kindVerify
	// kindGroups installs the groups of a deb bake with dpkg (one per
	// requested package, or one for all); the script announces each group
	// and waits for the dpkg lock itself.
	kindGroups
	// kindInventory prints the installed package set for sbom_file.
	kindInventory
)

// step is one step function of the bake script; steps run in batches
// (see batch.go).
type step struct {
	// Phase is announced before the step runs.
	Phase string
	// Func is the step function of remote.sh.
	Func string
	Args []string
	Kind stepKind

	// id names the step in its batch's markers (see batch.go).
	id int
	// then are the steps that run after this one in the same remote
	// command, while each succeeds.
	then []step
	// cleanupAfter ends the remote command of the step's batch with the
	// cleanup (the last step of the last batch, see batch.go).
	cleanupAfter bool
	// argsFile, when set, holds Args on the target, one per line: long
	// package lists travel as a file, not in the command line (see
	// batch.go).
	argsFile string
}

// argsLen is the length of the step's arguments in a command line.
func (s step) argsLen() int {
	n := 0
	for _, a := range s.Args {
		n += len(a) + 3
	}
	return n
}

// planOptions are the decisions derived from the target's facts.
type planOptions struct {
	WaitCloudInit bool
	ScopedUpdate  bool
}

// decidePlanOptions applies the defaults that depend on the target.
func decidePlanOptions(r *request, f facts) planOptions {
	o := planOptions{WaitCloudInit: f.CloudInit}
	if r.WaitCloudInit != nil {
		o.WaitCloudInit = *r.WaitCloudInit && f.CloudInit
	}
	switch r.AptUpdate {
	case AptUpdateScoped:
		o.ScopedUpdate = true
	case AptUpdateAuto:
		o.ScopedUpdate = f.ListsAge >= 0 && f.ListsAge <= r.ListsMaxAge
	}
	return o
}

// buildPlan turns a request into the ordered steps of the bake. Cleanup is
// not part of the plan: the executor always runs it.
func buildPlan(r *request, o planOptions) []step {
	var plan []step
	add := func(s step) { plan = append(plan, s) }
	if o.WaitCloudInit {
		add(step{Phase: "wait for cloud-init", Func: "cloud_init"})
	}
	add(step{Phase: "repositories", Func: "prepare"})
	tokens := make([]string, len(r.Packages))
	names := make([]string, len(r.Packages))
	for i, p := range r.Packages {
		tokens[i] = p.Token(r.Type)
		names[i] = p.Name
	}
	work := len(r.Packages) > 0 || r.Upgrade
	switch r.Type {
	case Deb:
		if work || len(r.Repositories) > 0 {
			scope := "full"
			if o.ScopedUpdate && len(r.Repositories) > 0 {
				scope = "scoped"
			}
			add(step{Phase: "update (" + scope + ")", Func: "apt_update", Args: []string{scope}, Kind: kindUpdate})
		}
		if r.Upgrade {
			add(step{Phase: "upgrade", Func: "apt_upgrade", Kind: kindInstall})
		}
		// Resolution and download are one apt run for both orders; the
		// installs are dpkg transactions: one per requested package
		// (ordered) or one for all (single_transaction), see deb_ordered.go.
		scope, sources := "full", "all sources"
		if o.ScopedUpdate && len(r.Repositories) > 0 && allPinned(r) {
			scope, sources = "scoped", "added sources"
		}
		if len(tokens) > 0 {
			add(step{Phase: "resolve and download (" + sources + ") " + strings.Join(tokens, " "), Func: "apt_resolve", Args: append([]string{scope}, tokens...), Kind: kindDebOrdered})
		}
	case RPM:
		if len(r.Repositories) > 0 {
			add(step{Phase: "update (added repositories)", Func: "dnf_refresh", Kind: kindUpdate})
		}
		if r.Upgrade {
			add(step{Phase: "upgrade", Func: "dnf_upgrade", Kind: kindInstall})
		}
		switch {
		case len(tokens) == 0:
		case r.Order == SingleTransaction:
			add(step{Phase: "install " + strings.Join(tokens, " "), Func: "dnf_install", Args: tokens, Kind: kindInstall})
		default:
			for _, t := range tokens {
				add(step{Phase: "install " + t, Func: "dnf_install", Args: []string{t}, Kind: kindInstall})
			}
		}
	}
	if len(r.Units) > 0 {
		add(step{Phase: "services", Func: "enable", Args: r.Units})
	}
	if len(names) > 0 || len(r.Units) > 0 {
		// dpkg-query prints nothing for `name:amd64` when the package is
		// Architecture: all: it is asked for every instance of the name,
		// and verify.go picks the one that answers the request.
		args := append([]string{string(r.Type)}, r.packageNames()...)
		if len(r.Units) > 0 {
			args = append(append(args, "--units"), r.Units...)
		}
		add(step{Phase: "verify", Func: "verify", Args: args, Kind: kindVerify})
	}
	if r.SBOMFile != "" {
		add(inventoryStep(r.Type, names))
	}
	return plan
}

// widenScope returns the resolution step s against all sources, when s
// was scoped to the added ones: the scoped attempt failed, and only all
// sources can tell whether the request can be met.
func widenScope(s step) (step, bool) {
	if s.Func != "apt_resolve" || len(s.Args) == 0 || s.Args[0] != "scoped" {
		return step{}, false
	}
	return step{
		Phase: strings.Replace(s.Phase, "(added sources)", "(all sources)", 1),
		Func:  s.Func,
		Args:  append([]string{"full"}, s.Args[1:]...),
		Kind:  s.Kind,
	}, true
}

// allPinned reports whether every package names its version. Only then
// may apt resolve against the added sources alone: an unpinned package
// must get the best candidate of all sources, as in Rosco.
func allPinned(r *request) bool {
	for _, p := range r.Packages {
		if !p.Pinned() {
			return false
		}
	}
	return true
}

// allowDowngrades is true when any package is pinned: apt refuses to go
// back to an older pinned version without it, and it is never needed
// otherwise.
func allowDowngrades(r *request) bool {
	for _, p := range r.Packages {
		if p.Pinned() {
			return true
		}
	}
	return false
}

// inventoryStep runs the installed-package queries of internal/sbom on the target, after the
// installs and before cleanup (the added repositories are still configured, so apt and dnf
// can still say where each requested package came from). Arguments of remote.sh's
// step_inventory: TYPE INSTALLED_FORMAT ORIGIN_FORMAT PACKAGE...
func inventoryStep(t PackageType, names []string) step {
	installed, origin := sbom.DpkgQueryFormat, "-"
	if t == RPM {
		installed, origin = sbom.RPMQueryFormat, sbom.RPMOriginsQueryFormat
	}
	return step{Phase: "inventory", Func: "inventory", Args: append([]string{string(t), installed, origin}, names...), Kind: kindInventory}
}

// aptFallbackSteps install with apt-get when apt's solution removes
// packages, which dpkg alone cannot reproduce: one apt-get transaction per
// package (ordered) or one for all (single_transaction), against all
// sources. note says so for the UI.
func aptFallbackSteps(r *request) (steps []step, note string) {
	var tokens []string
	for _, p := range r.Packages {
		tokens = append(tokens, p.Token(Deb))
	}
	if r.Order == SingleTransaction {
		return []step{{Phase: "install " + strings.Join(tokens, " "), Func: "apt_install", Args: tokens, Kind: kindInstall}},
			"apt's solution removes packages; installing with one apt-get transaction instead"
	}
	for _, tok := range tokens {
		steps = append(steps, step{Phase: "install " + tok, Func: "apt_install", Args: []string{tok}, Kind: kindInstall})
	}
	return steps, "apt's solution removes packages; installing one apt-get transaction per package instead"
}
