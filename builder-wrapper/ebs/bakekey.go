package ebs

import (
	"context"
	"fmt"
	"log"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/bakerequest"
)

// settleKey makes sure the bake key and the image spec are known before
// the cache lookup. A source AMI given by source_ami_filter is resolved here
// in the build region as amazon-ebs resolves it (the same filters, owners
// and most_recent), with the client of the cache lookup: it is part of the
// image spec, and of the key when the key comes from the bake block. Then
// amazon-ebs is prepared again so that both reach its tags.
func (b *Builder) settleKey(ctx context.Context, ui packersdk.Ui, cl *cloud) error {
	c := &b.config
	if c.sourceAMI == "" && !c.SourceAmiFilter.Empty() {
		f := c.SourceAmiFilter
		ami, err := awslookup.ResolveSourceAMIFilter(ctx, cl.clients[cl.buildRegion], awslookup.SourceAMIFilter{
			Filters: f.Filters, Owners: f.Owners, MostRecent: f.MostRecent, IncludeDeprecated: f.IncludeDeprecated,
		})
		if err != nil {
			return fmt.Errorf("source_ami_filter: %s: %w", cl.buildRegion, err)
		}
		c.setSourceAMI(ami)
		if c.keyFromFilter {
			res, err := bakerequest.Compute(*c.Bake, ami, nil, time.Now())
			if err != nil {
				return fmt.Errorf("bake: %w", err)
			}
			c.BakeKey, c.keyDocument, c.keyFromFilter = res.Key, res.KeyDocument, false
			ui.Say(fmt.Sprintf("Source AMI %s (source_ami_filter, %s) gives bake key %s", ami, cl.buildRegion, c.BakeKey))
		}
		if _, _, err := b.prepareInner(); err != nil {
			return fmt.Errorf("prepare amazon-ebs with bake key %s: %w", c.BakeKey, err)
		}
	}
	if c.BakeKey == "" || c.BakeKey == unknownValue {
		return fmt.Errorf("the bake key is unknown (%q): set bake_key or a bake block with known values", c.BakeKey)
	}
	if c.specDigest == "" {
		return fmt.Errorf("the source AMI is unknown (source_ami %q): set source_ami or source_ami_filter", c.SourceAmi)
	}
	if c.keyDocument != "" {
		// For a cache miss that should have been a hit: the document shows
		// which input differs.
		log.Printf("[INFO] spinnaker-ebs: bake key %s hashes %s", c.BakeKey, c.keyDocument)
	}
	log.Printf("[INFO] spinnaker-ebs: image spec %s hashes %s", c.specDigest, c.specDocument)
	return nil
}
