// Package roscoconfig reads the AWS part of Rosco's configuration,
// `aws.bakeryDefaults` in rosco.yml, so that a Packer template can take its
// base images, instance types, users and repositories from the file a
// Spinnaker installation already has, instead of retyping them.
//
// It accepts the file as Rosco ships it and as Halyard generates it (the
// same keys, with explicit nulls, extra provider keys such as accounts, and
// Spring's relaxed spellings like bakery-defaults or source_ami). For a
// request (base_os, region, vm_type) Resolve returns what Rosco would pass
// to Packer, with Rosco's rules and Rosco's error messages.
//
// Not supported, and reported as errors rather than guessed: Spring
// placeholders (${...}) in the values read, and Rosco's dynamic base-AMI
// properties (aws.base.<os>.<vm_type>.<label>.<region>).
package roscoconfig
