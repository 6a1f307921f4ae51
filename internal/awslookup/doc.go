// Package awslookup answers "does the image already exist?" for the
// spinnaker-bake datasource: it finds images by tag or name in every region
// concurrently, and resolves a base AMI given by name, the way Rosco's
// findVirtualizationSettings does, but against EC2 directly.
//
// AWS access follows the amazon plugin's option names and uses
// aws-sdk-go-v2's standard credential chain (environment, shared files,
// profile, assume role, container and instance metadata). Throttling and
// transient errors are retried by the SDK's standard retryer; an error that
// remains names the region and the operation.
//
// Lookups filter on the server side (tag or name, state=available, owners)
// and follow NextToken with the SDK paginator, so a lookup costs one
// DescribeImages call per region plus one per extra page.
package awslookup
