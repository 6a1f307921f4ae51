package bake

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/imagespec"
)

// maxNamed bounds the image ids and spec digests a warning names.
const maxNamed = 3

// keyOnlyWarnings explains lookup "key" misses that lookup "key_only" would not have had: in each
// missing region one more query, for the key alone (same owners), finds the images tagged with the
// key but not with this image spec, which a plain amazon-ebs template or a bake from before the
// spec existed leaves. Without it such a miss is silent and the pipeline bakes again. Packer gives
// a data source no Ui, so the warnings go to Packer's log and to the lookup_warnings output. A
// failed check is a warning too: the lookup itself has succeeded.
func keyOnlyWarnings(ctx context.Context, clients map[string]awslookup.EC2DescribeImagesAPI, q awslookup.Query, missing []string) []string {
	keyOnly := q
	keyOnly.Mode, keyOnly.Tags = awslookup.ModeKeyOnly, nil
	warnings := make([]string, len(missing))
	var wg sync.WaitGroup
	for i, region := range missing {
		wg.Go(func() {
			images, err := awslookup.ListImages(ctx, region, clients[region], keyOnly)
			warnings[i] = keyOnlyWarning(region, q.KeyTag, images, err)
		})
	}
	wg.Wait()
	warnings = slices.DeleteFunc(warnings, func(w string) bool { return w == "" })
	for _, w := range warnings {
		log.Printf("[WARN] spinnaker-bake: %s", w)
	}
	return warnings
}

// keyOnlyWarning words what the key-only query of a region found: "" when it found nothing.
func keyOnlyWarning(region, keyTag string, images []awslookup.Image, err error) string {
	if err != nil {
		return fmt.Sprintf(`lookup key: %s: could not check for images that carry the key without this image spec: %v`, region, err)
	}
	if len(images) == 0 {
		return ""
	}
	ids := make([]string, len(images))
	var specs []string
	for i, img := range images {
		ids[i] = img.ID
		spec := img.Tags[imagespec.Tag]
		if spec == "" {
			spec = "none"
		}
		if !slices.Contains(specs, spec) {
			specs = append(specs, spec)
		}
	}
	return fmt.Sprintf(`lookup key: %s: %d image(s) carry the key in %s but not this image spec (%s), so found is false and a build bakes again: %s; `+
		`the spec they carry: %s. If they will do, set lookup = "key_only"; if they were built with other options or another source AMI, `+
		`set the image_spec block and base_ami to those (spinnaker-ebs reuses only an image with the same spec)`,
		region, len(images), keyTag, imagespec.Tag, namedFew(ids), namedFew(specs))
}

// namedFew joins the first maxNamed values and counts the rest.
func namedFew(values []string) string {
	if len(values) <= maxNamed {
		return strings.Join(values, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(values[:maxNamed], ", "), len(values)-maxNamed)
}
