//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	sshcomm "github.com/hashicorp/packer-plugin-sdk/sdk-internals/communicator/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/provisioner/packages"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// Most provisioner behaviour is exercised through a real `packer build`
// (provisioner_build_test.go). The scenarios here drive the provisioner
// in-process through the SDK's own SSH communicator — the one Packer uses —
// because they need to act on the target while the bake runs (hold the
// dpkg lock, cancel mid-install) or to see exactly what was sent.

// sdkComm connects the SDK SSH communicator to the target as user.
func sdkComm(t *testing.T, tg *harness.Target, user string) packersdk.Communicator {
	t.Helper()
	pem, err := os.ReadFile(tg.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(tg.Addr, strconv.Itoa(tg.SSHPort))
	comm, err := sshcomm.New(addr, &sshcomm.Config{
		SSHConfig: &ssh.ClientConfig{
			User:            user,
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
			Timeout:         30 * time.Second,
		},
		Connection:       func() (net.Conn, error) { return net.DialTimeout("tcp", addr, 30*time.Second) },
		HandshakeTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh communicator: %v", err)
	}
	return comm
}

// provisionInProcess runs Prepare and Provision like Packer would.
func provisionInProcess(ctx context.Context, t *testing.T, tg *harness.Target, user string, raw map[string]interface{}) (string, error) {
	t.Helper()
	var p packages.Provisioner
	if err := p.Prepare(raw); err != nil {
		return "", fmt.Errorf("prepare: %w", err)
	}
	ui := &harness.RecordingUI{}
	err := p.Provision(ctx, ui, sdkComm(t, tg, user), map[string]interface{}{"ConnType": "ssh"})
	out := ui.String()
	t.Logf("provisioner output:\n%s", out)
	return out, err
}

// assertCleanedUp checks what every bake must leave behind, success or not.
func assertCleanedUp(t *testing.T, tg *harness.Target) {
	t.Helper()
	if tg.FileExists(t, "/usr/sbin/policy-rc.d") {
		t.Error("/usr/sbin/policy-rc.d left on the target")
	}
	out := tg.MustRun(t, "ls /etc/apt/sources.list.d /etc/apt/keyrings /etc/apt/auth.conf.d /etc/yum.repos.d /etc/pki/rpm-gpg /var/lib/apt/lists /tmp 2>/dev/null | grep spinnaker-packages || true")
	if strings.TrimSpace(out) != "" {
		t.Errorf("bake files left on the target:\n%s", out)
	}
	// dnf imports a repository's key into the rpm database as a gpg-pubkey
	// package, which outlives the key file: the image must not keep
	// trusting the bake's repository.
	if tg.Kind == harness.RPM {
		id := strings.ToLower(tg.Repos.RPMKey.Fingerprint[32:])
		if out := tg.MustRun(t, "rpm -q gpg-pubkey --qf '%{VERSION}-%{RELEASE}\\n' 2>/dev/null || true"); strings.Contains(out, id+"-") {
			t.Errorf("the rpm database still trusts the bake's key %s:\n%s", tg.Repos.RPMKey.Fingerprint, out)
		}
	}
	// apt names list files after the source URL: none of the test
	// repositories' lists may stay in the image.
	host := strings.TrimPrefix(tg.Repos.BaseURL, "http://")
	lists := tg.MustRun(t, "ls /var/lib/apt/lists 2>/dev/null || true")
	for _, l := range strings.Fields(lists) {
		if strings.HasPrefix(l, host) || strings.Contains(l, tg.HostAddr) {
			t.Errorf("apt list of an added repository left behind: %s", l)
		}
	}
}

func TestProvisionerInProcessDebianOrdered(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := provisionInProcess(context.Background(), t, tg, "root", map[string]interface{}{
		"repositories": []interface{}{map[string]interface{}{"url": tg.Repos.AptSigned, "key_url": tg.Repos.KeyURL(tg.Repos.RepoKey), "key_fingerprint": tg.Repos.RepoKey.Fingerprint}},
		"packages":     "hello-svc=1.0.0-h5 hello-auto",
		"services":     []interface{}{"hello-svc"},
	})
	if err != nil {
		t.Fatalf("provision: %v", err)
	}
	if v := tg.PackageVersion(t, "hello-svc"); v != "1.0.0-h5" {
		t.Errorf("hello-svc %q", v)
	}
	for _, unit := range []string{"hello-svc.service", "hello-auto.service"} {
		if en, act := tg.UnitState(t, unit); en != "enabled" || act != "inactive" {
			t.Errorf("%s: %s/%s, want enabled/inactive", unit, en, act)
		}
	}
	if tg.FileExists(t, "/tmp/hello-auto-started") {
		t.Error("hello-auto was started during the bake")
	}
	assertCleanedUp(t, tg)
	_ = out
}

func TestProvisionerInProcessCancelStopsRemoteStep(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	tg.Repos.Fault.StallNext(1000, 5*time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	_, err := provisionInProcess(ctx, t, tg, "root", map[string]interface{}{
		"repositories": []interface{}{map[string]interface{}{"url": tg.Repos.Fault.URL + "/apt/", "key": tg.Repos.RepoKey.Armored}},
		"packages":     "hello-svc=1.0.0-h5",
	})
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("provision: %v, want the cancellation", err)
	}
	assertCleanedUp(t, tg)
	if ps := tg.MustRun(t, "ps -eo pid,ppid,pgid,sid,stat,comm | grep -E '(apt-get|dpkg|http)$' || true"); strings.TrimSpace(ps) != "" {
		t.Errorf("package manager still running after the cancellation:\n%s", ps)
	}
}

func TestProvisionerInProcessWaitsForDpkgLock(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	holdDpkgLock(t, tg, 8*time.Second)
	start := time.Now()
	out, err := provisionInProcess(context.Background(), t, tg, "root", map[string]interface{}{
		"repositories": []interface{}{map[string]interface{}{"url": tg.Repos.AptSigned, "key": tg.Repos.RepoKey.Armored}},
		"packages":     "hello-svc=1.0.0-h5",
		"lock_timeout": "60s",
	})
	if err != nil {
		t.Fatalf("provision: %v", err)
	}
	if d := time.Since(start); d < 7*time.Second {
		t.Errorf("bake took %s although the lock was held for 8 s", d)
	}
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	_ = out
}
