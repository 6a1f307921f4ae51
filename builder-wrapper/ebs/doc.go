// Package ebs is the `spinnaker-ebs` builder: the amazon-ebs builder with
// Rosco's bake cache in front of it.
//
// Rosco answers a bake request whose key it has seen before with "No changes
// detected; reused existing bake". Plain Packer launches an instance and
// waits minutes for an image identical to one it already has. This builder
// closes that gap: every amazon-ebs option works unchanged, and before
// anything is launched it looks the bake key up in the tag named by key_tag
// in the build region and in every ami_regions region:
//
//   - every region has the image (and no rebake): nothing is launched, no
//     provisioner runs, and the existing images are the artifact;
//   - some regions have it: the image is copied to the others;
//   - none has it: another build carrying the key (run tag) is waited for,
//     otherwise amazon-ebs bakes as usual and the key tag is put on every
//     resulting image.
//
// The artifact prints amazon-ebs's own "AMIs were created:" lines on every
// path, so Rosco's log scraping finds the AMI ids whether the image was
// baked, copied or reused.
package ebs
