package ebs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// Run looks the key up and reuses, copies or bakes. On reuse it returns
// before amazon-ebs runs: no instance is launched and no provisioner runs.
func (b *Builder) Run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook) (packersdk.Artifact, error) {
	if b.inner == nil {
		return nil, errors.New("spinnaker-ebs: Run before Prepare")
	}
	if b.config.AMISkipCreateImage {
		// Nothing to cache: the build makes no image.
		ui.Say("skip_create_ami is set: the bake cache does not apply")
		return b.inner.Run(ctx, ui, hook)
	}
	newClients := b.newClients
	if newClients == nil {
		newClients = connect
	}
	cl, err := newClients(ctx, &b.config)
	if err != nil {
		return nil, err
	}
	if err := b.settleKey(ctx, ui, cl); err != nil {
		return nil, err
	}
	id := b.config.identity()
	if b.config.Rebake {
		ui.Say(fmt.Sprintf("Rebake requested: baking %s even if an image with it exists", id))
		return b.bake(ctx, ui, hook, cl, id)
	}
	ui.Say(fmt.Sprintf("Looking up %s in %s...", id, strings.Join(cl.regions, ", ")))
	r := &resolver{b: b, ui: ui, cl: cl, id: id, waitUntil: time.Now().Add(b.config.waitForInflight), names: &nameCheck{
		cl: cl, id: id, ui: ui, name: b.config.AMIName, forceDeregister: b.config.AMIForceDeregister,
		waitForInflight: b.config.waitForInflight, poll: b.imageWait().MinDelay,
	}}
	defer r.release()
	return r.run(ctx, hook)
}
