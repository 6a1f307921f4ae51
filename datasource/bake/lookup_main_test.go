package bake

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain keeps the AWS SDK away from the host: no instance metadata and
// none of the shared files or credentials of whoever runs the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bake-test-")
	if err != nil {
		panic(err)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
