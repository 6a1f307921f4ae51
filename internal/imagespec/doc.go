// Package imagespec owns the image spec: what amazon-ebs makes an AMI be beyond its content (the
// resolved source AMI, encryption and KMS keys, block devices, IMDS, ENA, SR-IOV, virtualization
// type, product codes, Windows fast launch), its canonical JSON document, its digest and the tag
// that carries it.
//
// The strict key (internal/strictkey) identifies what goes into an image; the spec identifies what
// the image is. A cache hit must match both, so that an `encrypt_boot = true` request never gets an
// unencrypted image baked from the same packages. Two components decide whether an image matches:
// the spinnaker-ebs builder fills Options from its amazon-ebs configuration, data "spinnaker-bake"
// takes them in its `image_spec` block under the same names. Both compute the spec here, from the
// same options and source AMI, so they agree by construction on which images match.
//
// Pure logic: no EC2 access. Validation of the options reuses the amazon plugin's own checks
// (block devices, KMS key ids) so that what the data source accepts is what amazon-ebs accepts.
package imagespec
