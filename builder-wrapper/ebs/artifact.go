package ebs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// cachedArtifact is the artifact of a build that baked nothing: the images
// that existed (and any copies this build made). It is amazon-ebs's artifact
// so that its String() prints the same "AMIs were created:" and
// "<region>: ami-…" lines Rosco scrapes, and post-processors see the same
// builder id, but Destroy only removes the copies this build created: the
// reused images belong to an earlier build.
type cachedArtifact struct {
	*awscommon.Artifact
	created map[string]string
	clients map[string]ec2API
}

var _ packersdk.Artifact = (*cachedArtifact)(nil)

func newCachedArtifact(images, created map[string]string, cl *cloud, cfg *aws.Config) *cachedArtifact {
	all := maps.Clone(images)
	maps.Copy(all, created)
	return &cachedArtifact{
		Artifact: &awscommon.Artifact{
			Amis:           all,
			BuilderIdValue: amazonebs.BuilderId,
			Config:         cfg,
			StateData:      map[string]interface{}{},
		},
		created: created,
		clients: cl.clients,
	}
}

// destroyTimeout bounds Destroy's EC2 calls, retries included.
const destroyTimeout = 5 * time.Minute

// Destroy deregisters the copies this build made (and deletes their
// snapshots) and leaves the reused images alone.
func (a *cachedArtifact) Destroy() error {
	// Packer's Artifact.Destroy takes no context; bound the calls instead.
	ctx, cancel := context.WithTimeout(context.Background(), destroyTimeout)
	defer cancel()
	var errs []error
	for _, region := range slices.Sorted(maps.Keys(a.created)) {
		id := a.created[region]
		client, ok := a.clients[region]
		if !ok {
			errs = append(errs, fmt.Errorf("deregister %s in %s: no client for the region", id, region))
			continue
		}
		if err := destroyImage(ctx, client, id); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", region, err))
		}
	}
	return errors.Join(errs...)
}

// artifactImages reads region → AMI id from amazon-ebs's artifact.
func artifactImages(art packersdk.Artifact) (map[string]string, error) {
	if a, ok := art.(*awscommon.Artifact); ok {
		return a.Amis, nil
	}
	// Over RPC or from another version the artifact is opaque; its Id is
	// "region:ami,region:ami".
	amis := map[string]string{}
	for _, part := range strings.Split(art.Id(), ",") {
		region, id, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("artifact id %q is not region:ami,…", art.Id())
		}
		amis[region] = id
	}
	return amis, nil
}

// describeImages writes "ami-… in us-east-1, ami-… in eu-west-1". It
// avoids "<region>: <token>", which Rosco's scraper would take for an
// image id.
func describeImages(images map[string]string) string {
	parts := make([]string, 0, len(images))
	for _, region := range slices.Sorted(maps.Keys(images)) {
		parts = append(parts, images[region]+" in "+region)
	}
	return strings.Join(parts, ", ")
}
