package ec2fake

import (
	"fmt"
	"os"
	"path/filepath"
)

// hostAWSVariables are the environment variables through which the AWS SDK would find the
// credentials, profiles, endpoints or retry settings of whoever runs the tests.
var hostAWSVariables = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2",
	"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
}

// RunIsolated runs a test binary's tests (m is TestMain's *testing.M) with the AWS SDK kept away
// from the host: no instance metadata, and none of the environment credentials or shared files
// of whoever runs the tests. TestMain passes the result to os.Exit.
func RunIsolated(m interface{ Run() int }) int {
	restore, err := isolateAWSEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer restore()
	return m.Run()
}

func isolateAWSEnvironment() (restore func(), err error) {
	dir, err := os.MkdirTemp("", "aws-isolated-")
	if err != nil {
		return nil, fmt.Errorf("isolate the AWS environment: %w", err)
	}
	for _, k := range hostAWSVariables {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	return func() { os.RemoveAll(dir) }, nil
}
