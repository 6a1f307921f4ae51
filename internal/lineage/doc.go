// Package lineage defines which baked images belong together over time, and which of them a
// newer bake supersedes.
//
// A lineage is the images one account bakes from the same package names (versions dropped),
// base_os and ami_name: successive bakes of the same application. Its identity is the
// spinnaker:lineage tag value (Identity.TagValue). The package owns these policies:
//   - The identity's normalisation: white space around each value is trimmed; package names are
//     deduplicated and sorted, so their order in the request does not matter; case is kept, as
//     Rosco's own keys keep it.
//   - The selection of superseded images (Select): per region, which images of a lineage get a
//     deprecation time after a bake or copy succeeds.
//
// Nothing here calls AWS: the builder describes the images and applies the selection.
package lineage
