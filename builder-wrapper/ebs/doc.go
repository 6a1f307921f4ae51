// Package ebs is the `spinnaker-ebs` builder: the amazon-ebs builder with
// Rosco's bake cache in front of it.
//
// Rosco answers a bake request whose key it has seen before with "No changes
// detected; reused existing bake". Plain Packer launches an instance and
// waits minutes for an image identical to one it already has. This builder
// closes that gap: every amazon-ebs option works unchanged, and before
// anything is launched it looks up, in the build region and in every
// ami_regions region, the images whose key tag holds the bake key and whose
// spec tag holds the request's image spec (spec.go fills internal/imagespec's
// options from the amazon-ebs ones, as data "spinnaker-bake" fills them from
// its image_spec block, so both match the same images):
//
//   - every region has the image (and no rebake): nothing is launched, no
//     provisioner runs; the request's sharing, deprecation and missing tags
//     are applied (satisfy.go) and the existing images are the artifact;
//   - some regions have it: the build claims the key (claim.go), the image
//     is copied to the others, then the request is applied to all;
//   - none has it: the build claims the key and amazon-ebs bakes, once
//     ami_name is free (takenname.go);
//   - another build holds the claim: the build waits for its images.
//
// After a bake the images also carry the inventory's digest and the lineage
// (lifecycle.go); after a bake or a copy, deprecate_superseded retires the
// lineage's older images, as internal/lineage selects them.
//
// The artifact prints amazon-ebs's own "AMIs were created:" lines on every
// path, so Rosco's log scraping finds the AMI ids whether the image was
// baked, copied or reused.
package ebs
