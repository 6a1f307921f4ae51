package main

import (
	"bytes"
	"log"
	"os"
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// The plugin's own log lines reach PACKER_LOG through stderr: a value a
// component registered with the SDK's secret filter must be masked there,
// which only holds if the plugin routes its log through the filter.
func TestPluginLogMasksRegisteredSecrets(t *testing.T) {
	var out bytes.Buffer
	set := pluginSet(&out)
	t.Cleanup(func() {
		log.SetOutput(os.Stderr)
		packersdk.LogSecretFilter.SetOutput(os.Stderr)
	})
	if set == nil {
		t.Fatal("no plugin set")
	}
	const secret = "pw-0f/9 x@y"
	packersdk.LogSecretFilter.Set(secret)
	log.Printf("fetching https://user:%s@repo.example/key", secret)
	got := out.String()
	if strings.Contains(got, secret) || !strings.Contains(got, "<sensitive>") {
		t.Errorf("plugin log line %q, want the registered secret masked", got)
	}
}
