package ebs

import (
	"context"
	"fmt"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/awslookup"
)

// identity is what a cache hit must match: the bake key in the key tag and
// the image spec digest in the spec tag.
type identity struct {
	KeyTag, Key, Spec string
}

func (id identity) String() string {
	return fmt.Sprintf("bake key %s (tag %s) and image spec %s (tag %s)", id.Key, id.KeyTag, id.Spec, DefaultSpecTag)
}

// findKeyImages looks the key up in every region of the build at once:
// available images owned by the caller whose key tag holds the key and
// whose spec tag holds the image spec digest, the newest per region. One
// DescribeImages call per region (plus one per extra page).
func findKeyImages(ctx context.Context, cl *cloud, id identity) (awslookup.Result, error) {
	clients := make(map[string]awslookup.EC2DescribeImagesAPI, len(cl.regions))
	for _, r := range cl.regions {
		clients[r] = cl.clients[r]
	}
	res, err := awslookup.FindImages(ctx, clients, awslookup.Query{
		Mode:   awslookup.ModeKey,
		KeyTag: id.KeyTag,
		Value:  id.Key,
		Tags:   map[string]string{DefaultSpecTag: id.Spec},
		Owners: []string{"self"},
	})
	if err != nil {
		return awslookup.Result{}, fmt.Errorf("look up bake key: %w", err)
	}
	return res, nil
}
