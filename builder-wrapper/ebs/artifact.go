package ebs

import (
	"fmt"
	"log"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	amazonebs "github.com/hashicorp/packer-plugin-amazon/builder/ebs"
	awscommon "github.com/hashicorp/packer-plugin-amazon/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// cachedArtifact is the artifact of a build that baked nothing: the images
// that existed (and any copies this build made). It is amazon-ebs's artifact
// so that its String() prints the same "AMIs were created:" and
// "<region>: ami-…" lines Rosco scrapes, and post-processors see the same
// builder id, but Destroy removes nothing (see there).
type cachedArtifact struct {
	*awscommon.Artifact
	// created are the copies this build made, region → id.
	created map[string]string
}

var _ packersdk.Artifact = (*cachedArtifact)(nil)

func newCachedArtifact(images, created map[string]string, cfg *aws.Config) *cachedArtifact {
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
	}
}

// Destroy (Packer calls it when a post-processor does not keep its input)
// leaves every image in place. The reused images belong to an earlier
// build. The copies this build made are cache entries from the moment they
// are available: they carry the key and the spec (CopyImageTags), so any
// build of the same key and spec in the account may have found and returned
// them since. Destroy cannot tell whether one has: a hit whose request is
// already applied makes no write call (it leaves no trace on the image), and
// EC2 keeps no record of reads that a build could query. Deregistering an
// image another pipeline launches from breaks that pipeline; keeping one
// costs its snapshot. So the copies stay, like the reused images, and the
// log says so.
func (a *cachedArtifact) Destroy() error {
	if len(a.created) > 0 {
		log.Printf("[INFO] spinnaker-ebs: Destroy keeps the copies this build made (%s): they are bake cache entries that other builds may have reused since", describeImages(a.created))
	}
	return nil
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
