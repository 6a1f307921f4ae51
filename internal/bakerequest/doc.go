// Package bakerequest holds the inputs of a bake request and what is computed from them: Rosco's
// bake key, image name, appversion and packages parameter, and the strict key.
//
// Both data "spinnaker-bake" and the spinnaker-ebs builder's `bake` block take these inputs, so
// they live here rather than in either component: the same inputs and source AMI give the same
// key in both, by construction. What differs stays with the caller: the regions (the datasource's
// own options, the builder's build region), how the source AMI is found (the datasource resolves
// base_ami or rosco.yml, the builder uses its source_ami or source_ami_filter) and any EC2 access.
package bakerequest
