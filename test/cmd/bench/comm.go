//go:build e2e

package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	sshcomm "github.com/hashicorp/packer-plugin-sdk/sdk-internals/communicator/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/provisioner/packages"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// provisionInProcess runs the provisioner like Packer does (Prepare, then
// Provision over the SDK's SSH communicator), without Packer's RPC layer.
// connected is called once the communicator is connected and has run a
// first command.
func provisionInProcess(s *harness.Scope, tg *harness.Target, raw map[string]interface{}, connected func()) ([]string, error) {
	var p packages.Provisioner
	if err := p.Prepare(raw); err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(tg.KeyFile)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(tg.Addr, strconv.Itoa(tg.SSHPort))
	comm, err := sshcomm.New(addr, &sshcomm.Config{
		SSHConfig: &ssh.ClientConfig{
			User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second,
		},
		Connection:       func() (net.Conn, error) { return net.DialTimeout("tcp", addr, 30*time.Second) },
		HandshakeTimeout: 30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	// sshd sets up the login (PAM, logind) on a connection's first
	// session; (a) and (d) run on a connection that paid it already.
	warm := &packersdk.RemoteCmd{Command: "true"}
	if err := comm.Start(context.Background(), warm); err != nil {
		return nil, err
	}
	warm.Wait()
	connected()
	ui := &harness.RecordingUI{Log: func(line string) { s.Logf("%s", line) }}
	err = p.Provision(context.Background(), ui, comm, map[string]interface{}{"ConnType": "ssh"})
	return ui.Lines(), err
}
