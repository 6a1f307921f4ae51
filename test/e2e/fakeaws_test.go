//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// serveFakeEC2 serves fake on loopback until the test ends and points the environment Packer
// inherits at it: static keys for the SDK's standard chain, none of the host's AWS files or
// instance metadata, and the fake as EC2 for every client (amazon-ebs builds per-region clients
// without custom_endpoint_ec2). It returns the endpoint URL.
func serveFakeEC2(t testing.TB, fake *ec2fake.Server) string {
	t.Helper()
	l, err := fake.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDFAKEFORE2ETESTS1",
		"AWS_SECRET_ACCESS_KEY":       "fake-secret",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_ENDPOINT_URL_EC2":        l.Endpoint,
	} {
		t.Setenv(k, v)
	}
	return l.Endpoint
}
