package packages

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/sbom"
)

// Provision runs the bake on the target. Cleanup runs whatever happens,
// including cancellation (Packer's `timeout`, Ctrl-C).
func (p *Provisioner) Provision(ctx context.Context, ui packersdk.Ui, comm packersdk.Communicator, generatedData map[string]interface{}) error {
	if err := requireCommunicator(generatedData); err != nil {
		return err
	}
	if field, ok := firstUnknown(&p.config); ok {
		return fmt.Errorf("%s is still %s when the build runs: the data source that computes it did not run", field, unknownValue)
	}
	prelim := p.req
	if prelim == nil {
		// Type detected on the target: Prepare proved one of these works;
		// either gives the masks and header lines.
		var err error
		if prelim, err = buildRequest(p.inputs, Deb); err != nil {
			if prelim, err = buildRequest(p.inputs, RPM); err != nil {
				return err
			}
		}
	}
	b := &provisionRun{
		inputs:  p.inputs,
		req:     p.req,
		secrets: &prelim.secrets,
		start:   time.Now(),
		id:      newBakeID(),
	}
	// amazon-ebs (and so spinnaker-ebs) names the AMI the instance was launched from; other
	// builders leave it out.
	if ami, ok := generatedData["SourceAMI"].(string); ok && strings.HasPrefix(ami, "ami-") {
		b.sourceAMI = ami
	}
	b.ui = safeUI{ui: ui, secrets: b.secrets}
	b.rm = &remote{comm: comm, ui: b.ui}
	for _, line := range prelim.Header {
		b.ui.Say(line)
	}
	err := b.perform(ctx)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("bake cancelled (Packer timeout or interrupt): %w", err)
	}
	if err != nil {
		// Packer prints the returned error itself, outside safeUI.
		return errors.New(b.ui.clean(err.Error()))
	}
	return nil
}

// errNoCommunicator is returned when the build has no way to run commands.
var errNoCommunicator = errors.New(`spinnaker-packages needs a communicator that runs commands on the target (ssh, docker, or a chroot builder's); the build has none (communicator = "none"?), so nothing could be installed`)

// requireCommunicator refuses an explicit `communicator = "none"`. Packer
// then hands over a communicator whose commands all "succeed" without
// running, and a bake would report installs that never happened. Builders
// without a communicator configuration, such as amazon-chroot, set no
// ConnType at all, so an absent ConnType is decided by the inspect step
// instead: it fails when the target prints nothing.
func requireCommunicator(generatedData map[string]interface{}) error {
	if connType, _ := generatedData["ConnType"].(string); connType == "none" {
		return errNoCommunicator
	}
	return nil
}

func newBakeID() string {
	buf := make([]byte, 4)
	if _, err := rand.Read(buf); err != nil {
		return fmt.Sprintf("%08x", time.Now().UnixNano()&0xffffffff)
	}
	return hex.EncodeToString(buf)
}

// provisionRun is one Provision call: it inspects the target, decides the
// request and the plan, and hands the plan to an executor. The batcher
// (batch.go) owns the remote commands' state, the executor (steps.go) the
// steps' results.
type provisionRun struct {
	inputs  inputs
	req     *request
	secrets *secretSet
	ui      safeUI
	rm      *remote
	start   time.Time
	id      string
	facts   facts
	batches *batcher
	// sourceAMI is the builder's source AMI, for the inventory's metadata.
	sourceAMI string
	// repoURLs maps the added dnf repository ids to their URLs (the inventory's origins).
	repoURLs map[string]string
}

func (b *provisionRun) sayPhase(phase string) {
	b.ui.Say(fmt.Sprintf("[%6.2fs] %s", time.Since(b.start).Seconds(), phase))
}

// sayGroup announces a phase the script reports inside a step (the
// groups of an ordered deb install).
func (b *provisionRun) sayGroup(phase string) {
	b.sayPhase(strings.ReplaceAll(phase, ",", ", "))
}

func (b *provisionRun) perform(ctx context.Context) (err error) {
	b.sayPhase("inspect target")
	res, err := b.rm.run(ctx, "sh -c "+shellQuote(detectScript), runOptions{quiet: true})
	if err != nil {
		return fmt.Errorf("inspect target: %w", err)
	}
	if res.ExitStatus != 0 {
		return fmt.Errorf("inspect target: exit status %d: %s", res.ExitStatus, tail(res.Lines, 5))
	}
	if strings.TrimSpace(res.Output()) == "" {
		return fmt.Errorf("inspect target: %w", errNoCommunicator)
	}
	if b.facts, err = parseFacts(res.Output()); err != nil {
		// detect.sh may have created the staging directory before the output went wrong.
		if stage := b.facts.Stage; validStage(stage) {
			_, _ = b.rm.run(context.WithoutCancel(ctx), "rm -rf "+shellQuote(stage), runOptions{})
		}
		return err
	}
	b.batches = &batcher{rm: b.rm, announce: b.sayPhase, onPhase: b.sayGroup, stage: b.facts.Stage,
		scriptPath: b.facts.Stage + "/run.sh", session: b.facts.Setsid}
	defer func() {
		if cerr := b.batches.cleanup(ctx); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	if err := b.decideSudo(ctx); err != nil {
		return err
	}
	t, err := b.facts.packageType(b.inputsType())
	if err != nil {
		return err
	}
	if b.req == nil || b.req.Type != t {
		if b.req, err = buildRequest(b.inputs, t); err != nil {
			return fmt.Errorf("package type %s detected on the target: %w", t, err)
		}
		// The UI and the runner share this set: they mask the detected
		// type's secrets from here on.
		*b.secrets = b.req.secrets
	}
	if t == RPM && b.facts.DNF == "" {
		return errors.New("package_type is rpm but the target has neither dnf nor yum")
	}
	if len(b.req.Units) > 0 && !b.facts.Systemctl {
		return errors.New("services are set but the target has no systemctl")
	}
	b.ui.Say(fmt.Sprintf("package_type %s, %s, bake id %s", t, b.targetKind(), b.id))
	// Named for the type the bake uses, once it is known.
	for _, w := range b.req.Warnings {
		b.ui.Error(w)
	}

	if err := b.stageScript(ctx); err != nil {
		return err
	}
	plan := buildPlan(b.req, decidePlanOptions(b.req, b.facts))
	e := &executor{req: b.req, booted: b.facts.Booted, batches: b.batches, ui: b.ui, announce: b.sayPhase}
	if err := e.runPlan(ctx, chainPlan(plan)); err != nil {
		return err
	}
	for _, line := range summaryLines(b.req, e.installed, e.units, time.Since(b.start)) {
		b.ui.Say(line)
	}
	if b.req.SBOMFile != "" {
		return b.writeInventory(e.inventory)
	}
	return nil
}

// writeInventory writes the CycloneDX document of the inventory step's output to sbom_file.
func (b *provisionRun) writeInventory(lines []string) error {
	doc, err := buildInventory(b.req.Type, b.req.packageNames(), lines, inventoryMeta{
		BakeKey:   b.inputs.cfg.SBOMBakeKey,
		ImageName: b.inputs.cfg.SBOMImageName,
		SourceAMI: b.sourceAMI,
		Time:      time.Now(),
		RepoURLs:  b.repoURLs,
	}, b.secrets.Mask)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(b.req.SBOMFile, doc); err != nil {
		return err
	}
	b.ui.Say(fmt.Sprintf("inventory: %s (CycloneDX 1.6, sha256 %s)", b.req.SBOMFile, sbom.Digest(doc)))
	return nil
}

func (b *provisionRun) inputsType() PackageType {
	t, _ := parsePackageType(b.inputs.cfg.PackageType)
	return t
}

func (b *provisionRun) targetKind() string {
	if b.facts.Booted {
		return "booted systemd target"
	}
	return "target without a running systemd (chroot): units are enabled offline"
}

// decideSudo chooses between running as the SSH user and `sudo -n`.
func (b *provisionRun) decideSudo(ctx context.Context) error {
	use := b.facts.UID != 0
	if s := b.inputs.cfg.Sudo; s != nil {
		use = *s
	}
	if !use {
		if b.facts.UID != 0 {
			b.ui.Error(fmt.Sprintf("warning: sudo = false and the SSH user has uid %d; package installs will probably fail", b.facts.UID))
		}
		return nil
	}
	if !b.facts.HasSudo {
		return fmt.Errorf("the SSH user has uid %d and the target has no sudo; connect as root or install sudo", b.facts.UID)
	}
	res, err := b.rm.run(ctx, "sudo -n true", runOptions{quiet: true})
	if err != nil {
		return fmt.Errorf("check sudo: %w", err)
	}
	if res.ExitStatus != 0 {
		out := res.Output()
		if strings.Contains(out, "password is required") || strings.Contains(out, "a terminal is required") {
			return fmt.Errorf("the SSH user needs passwordless sudo: `sudo -n true` says %q; allow NOPASSWD for it or connect as root", strings.TrimSpace(out))
		}
		return fmt.Errorf("`sudo -n true` failed with exit status %d: %s", res.ExitStatus, tail(res.Lines, 3))
	}
	b.batches.sudo = "sudo -n "
	return nil
}

// stageScript fetches key URLs and renders the bake script, which the
// first batch uploads.
func (b *provisionRun) stageScript(ctx context.Context) error {
	keys := make([][]byte, len(b.req.Repositories))
	var rpmPubkeys []string
	client := newKeyClient(nil)
	for i, repo := range b.req.Repositories {
		key := repo.Key
		if repo.KeyURL != "" {
			var err error
			key, err = fetchKey(ctx, client, fmt.Sprintf("repository %s key_url", repo.Label), repo.KeyURL, repo.Fingerprint, b.secrets)
			if err != nil {
				return err
			}
		}
		if key != nil {
			keys[i] = key.Armored
		}
		// dnf imports an rpm repository's keys into the rpm database,
		// where they outlive the key file: cleanup removes those.
		if key != nil && b.req.Type == RPM {
			for _, name := range key.RPMPubkeys {
				if !slices.Contains(rpmPubkeys, name) {
					rpmPubkeys = append(rpmPubkeys, name)
				}
			}
		}
	}
	layout := layoutRepositories(b.req.Type, b.id, b.req.Repositories, keys)
	b.repoURLs = map[string]string{}
	for i, id := range layout.DNFRepoIDs {
		u := *b.req.Repositories[i].URL
		u.User = nil
		b.repoURLs[id] = u.String()
	}
	script := renderScript(scriptData{
		Bake:            b.id,
		Type:            b.req.Type,
		Stage:           b.facts.Stage,
		LockTimeout:     int((b.req.LockTimeout + time.Second - 1) / time.Second),
		KeepRepos:       b.req.KeepRepos,
		DisableServices: b.req.DisableServices,
		DNF:             b.facts.DNF,
		AllowDowngrades: allowDowngrades(b.req),
		Layout:          layout,
		RPMPubkeys:      rpmPubkeys,
	})
	b.batches.script = script
	return nil
}
