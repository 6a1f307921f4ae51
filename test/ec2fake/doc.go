// Package ec2fake is a small, honest EC2 Query-protocol endpoint for tests.
//
// AWS is the only thing this project fakes: the real aws-sdk-go-v2 client (and
// the real amazon plugin inside Packer) talks to it over HTTP, exactly as it
// would talk to EC2. It is a normal package, not a _test file, so that unit
// tests can mount it with httptest and end-to-end tests can run it on a
// loopback port for `packer build` (see Start and cmd/ec2fake).
//
// What it does:
//   - parses the form the SDK posts (Action, Version, Owner.N, ImageId.N,
//     Filter.N.Name, Filter.N.Value.M, MaxResults, NextToken);
//   - takes the region from the SigV4 credential scope of the Authorization
//     header, so one server serves every region behind one custom endpoint;
//   - answers EC2's XML, including error documents
//     (<Response><Errors><Error><Code>…) with EC2's HTTP status codes;
//   - records every call, failed ones included, for assertions and call counts;
//   - injects faults (a code for the first N matching calls, or for every one)
//     and a fixed latency per call.
//
// Only DescribeImages is implemented here. Other actions are added with
// Server.Handle; a call to an action nobody handles gets EC2's InvalidAction.
// The signature is not verified: the fake does not know the caller's secret,
// and the tests that need authorization failures inject them as faults.
package ec2fake
