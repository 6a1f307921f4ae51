// Package ec2fake is an EC2 Query-protocol endpoint for tests: the one
// thing this project fakes, since AWS cannot be reached from CI.
//
// The real aws-sdk-go-v2 client, and the real amazon plugin inside Packer,
// talk to it over HTTP as they would talk to EC2 (Start, Listen and
// cmd/ec2fake serve it on a loopback port; unit tests mount it with
// httptest). It is test code: nothing outside tests imports it.
//
// What it emulates, as EC2's API reference documents it:
//   - the Query protocol: the form the SDK posts (Action, Version, list
//     members .N, Filter.N.Name / Filter.N.Value.M, TagSpecification.N,
//     MaxResults / NextToken), the region taken from the SigV4 credential
//     scope (one server serves every region behind one endpoint), EC2's XML
//     answers (a list answer has its item set, empty when nothing matched;
//     list_response.go) and error documents with EC2's codes and HTTP
//     statuses;
//   - the other Describe actions (describe.go: VPCs, subnets, security
//     groups, instances, key pairs): the ids a request names, each of which
//     must exist in the region (EC2's NotFound code of that resource type
//     otherwise), and the filters each action's describeAction lists, with
//     tag:<key> and tag-key where the resource has tags; a filter name not
//     listed is InvalidParameterValue even when nothing would be tested;
//   - images (server.go, describe_images.go, compute_images.go): states
//     pending → available (or failed, see Compute.FailNextImage), visibility
//     (the caller, Options.AccountID, sees its own images, public ones and
//     those whose launch permissions name its account; another account's
//     private image is not listed and is InvalidAMIID.NotFound by id, so a
//     seed of someone else's base image needs launch_permissions
//     [{"group": "all"}] or a user_id grant for the caller; grants to an
//     organization or OU reach no caller, as the fake does not model which
//     organization an account is in), Owner.N ("self", account ids,
//     aliases) and ExecutableBy.N ("all": public; "self" or an account id:
//     an explicit grant to that account, not ownership), filters (name with
//     wildcards, state, tag:<key>, tag-key, owner-id, is-public and others),
//     pagination, InvalidAMIID.NotFound / .Malformed,
//     InvalidAMIName.Duplicate per owner and region (checked in one step
//     with the creation: a refused CreateImage or CopyImage makes no image
//     and no snapshot), CopyImage (CopyImageTags, Encrypted),
//     DeregisterImage (which, as in EC2, leaves the snapshots);
//   - what a bake cache hit applies (compute_sharing.go): launch permissions
//     (users, group "all", organization and OU ARNs; adding one that is there
//     changes nothing; group "all" is what makes an image public, so a seed
//     makes a public image with launch_permissions [{"group": "all"}] and
//     Image.IsPublic reads the grant; only the owner reads or changes them:
//     Describe/ModifyImageAttribute on an image the caller sees but does not
//     own is AuthFailure "Not authorized for image" with HTTP 400, as EC2
//     answers the describe, and on one it cannot see InvalidAMIID.NotFound),
//     snapshot create-volume permissions,
//     EnableImageDeprecation (rounded to the nearest minute, in the future,
//     and at most 10 years from now, or for a public image at most 2 years
//     after its creation date; beyond that InvalidParameterValue, a code the
//     reference does not name for this case; once passed, DescribeImages
//     hides the image from other accounts unless they ask by id or with
//     IncludeDeprecated),
//     DisableImageDeprecation (clears it; an image without one answers true
//     as well);
//   - deregistration protection and snapshot tags (compute_protection.go):
//     Enable/DisableImageDeregistrationProtection (answering "true", as
//     EC2's reference gives it; with WithCooldown the image stays protected
//     24 hours after disabling, which DescribeImages' DeregistrationProtection
//     shows as "disabled-after <time>"), DeregisterImage refused while
//     protected (OperationNotPermitted: the fake's assumption, since EC2's
//     reference documents no code for it; the plugin must not depend on it),
//     and DescribeSnapshots by id, owner or filter (snapshot-id, status,
//     encrypted, tag:<key>, tag-key) with the tags CreateTags wrote; it does
//     not paginate (MaxResults and NextToken are refused);
//   - what amazon-ebs calls to bake (compute*.go): regions, the default VPC and
//     subnet, key pairs (CreateKeyPair / ImportKeyPair fail with
//     InvalidKeyPair.Duplicate on a taken name, DescribeKeyPairs returns
//     CreateTime and tags, DeleteKeyPair by name or id succeeds for one that
//     does not exist), security groups (InvalidGroup.Duplicate), instances
//     with their state machine (RunInstances of another account's image
//     without a launch permission for the caller is AuthFailure "Not
//     authorized for images"), CreateImage with a root snapshot, CreateTags
//     on images, instances, groups, snapshots and key pairs (every id checked
//     first; a missing key pair id is InvalidKeyPair.NotFound, as in
//     DescribeKeyPairs: EC2's error code list has no InvalidKeyPairId code
//     and gives InvalidKeyPair.NotFound for a key pair that does not exist,
//     without saying per action which code CreateTags uses), DeleteSnapshot
//     (InvalidSnapshot.InUse while an image uses it). The instance is a real
//     machine the test supplies through a Launcher, so SSH and provisioners
//     run for real;
//   - faults (faults.go): an EC2 error code for the first N matching calls,
//     for every one, or (Cycle) for the first attempts of every logical
//     call, a client's call with its retries, told apart by region, form and
//     aws-sdk-go-v2's invocation id (RequestLimitExceeded is a 503 the SDK
//     retries); a fixed latency per call; and AfterCall, which changes state
//     between a client's calls (an image deregistered right after a lookup
//     found it). Every attempt is recorded with the fault that answered it,
//     for call counts and for LogicalCalls.
//
// What it does not emulate: signatures (the caller's secret is unknown; an
// authorization failure is injected as a fault), IAM and KMS (encrypted
// images need no key grants here), eventual consistency (a write is visible
// to the next read), volumes beyond an instance's root, any action not
// registered (EC2's InvalidAction answers it), filters EC2 has but no
// describeAction lists (answered InvalidParameterValue, so a caller that
// needs one fails loudly), and pagination of Describe actions other than
// DescribeImages (MaxResults is ignored and every match is one page; the
// fake's lists are short), and image ownership outside DescribeImages,
// RunInstances and the launch-permission attribute: CopyImage, CreateTags,
// DeregisterImage, deprecation and deregistration protection act on any
// image of the region by id, whoever owns it (no test acts on another
// account's image through them).
package ec2fake
