// Package awslookup answers "does the image already exist?" for the
// spinnaker-bake datasource: it finds images by tag or name in every region
// concurrently, and resolves a base AMI given by name, the way Rosco's
// findVirtualizationSettings does, but against EC2 directly.
//
// AWS access is the caller's: the datasource and the builder resolve the amazon plugin's own
// AccessConfig (credentials chain, assume_role, Vault, max_retries) and hand this package one
// client per region (RegionClients). A base AMI, by filter (ResolveSourceAMIFilter) or by name
// (ResolveSourceAMI), is resolved by the amazon plugin's own AmiFilterOptions.GetFilteredImage,
// as amazon-ebs resolves its source AMI: one DescribeImages call with amazon's retries, and
// amazon's choice among several images. The key lookup (FindImages, ListImages) is this
// package's own. An EC2 error that remains after the SDK's retries names the region and the
// operation.
//
// Lookups filter on the server side (tag or name, state=available, owners)
// and follow NextToken with the SDK paginator, so a lookup costs one
// DescribeImages call per region plus one per extra page. ListImages lists every match in one
// region, for callers that report what a lookup missed.
//
// The lookup modes (the datasource's `lookup` values) and the error for an unknown one are this
// package's: Modes, CheckMode.
package awslookup
