//go:build linux

package harness

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshKeyPair is the per-process key every target authorises for root and
// for SudoUser. The private key is written in OpenSSH format so Packer's
// ssh_private_key_file can read it.
type sshKeyPair struct {
	privateFile string
	authorized  string // authorized_keys line
	signer      ssh.Signer
}

func (e *Env) sshKeys() (sshKeyPair, error) {
	e.sshKeyOnce.Do(func() {
		e.sshKey, e.sshKeyErr = newSSHKeyPair(filepath.Join(e.WorkDir, "ssh", "id_ed25519"))
	})
	return e.sshKey, e.sshKeyErr
}

func newSSHKeyPair(path string) (sshKeyPair, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return sshKeyPair{}, fmt.Errorf("generate ssh key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "e2e-harness")
	if err != nil {
		return sshKeyPair{}, fmt.Errorf("encode ssh key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return sshKeyPair{}, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return sshKeyPair{}, fmt.Errorf("write ssh key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return sshKeyPair{}, fmt.Errorf("ssh signer: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return sshKeyPair{}, fmt.Errorf("ssh public key: %w", err)
	}
	return sshKeyPair{privateFile: path, authorized: string(ssh.MarshalAuthorizedKey(sshPub)), signer: signer}, nil
}

// dialSSH connects and authenticates once. Host keys are not checked: the
// targets are throwaway and reached over a private veth.
func dialSSH(ctx context.Context, addr, user string, signer ssh.Signer) (*ssh.Client, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// waitSSH polls until user can log in and run a command, or ctx ends.
func waitSSH(ctx context.Context, addr, user string, signer ssh.Signer) (*ssh.Client, error) {
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := dialSSH(attempt, addr, user, signer)
		cancel()
		if err == nil {
			if _, _, rc, err := sshRun(ctx, c, "true"); err == nil && rc == 0 {
				return c, nil
			} else {
				last = fmt.Errorf("probe command: rc=%d %v", rc, err)
			}
			c.Close()
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("ssh %s@%s not ready: %w (last error: %v)", user, addr, ctx.Err(), last)
		case <-time.After(150 * time.Millisecond):
		}
	}
}

// sshRun runs cmd in a new session. rc is the remote exit status; err is
// only set when the command could not be run or did not finish.
func sshRun(ctx context.Context, c *ssh.Client, cmd string) (stdout, stderr string, rc int, err error) {
	s, err := c.NewSession()
	if err != nil {
		return "", "", -1, fmt.Errorf("open ssh session: %w", err)
	}
	defer s.Close()
	var o, e bytes.Buffer
	s.Stdout, s.Stderr = &o, &e
	done := make(chan error, 1)
	go func() { done <- s.Run(cmd) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = s.Signal(ssh.SIGKILL)
		s.Close()
		return o.String(), e.String(), -1, fmt.Errorf("run %q: %w", cmd, ctx.Err())
	}
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return o.String(), e.String(), 0, nil
	case errors.As(err, &exit):
		return o.String(), e.String(), exit.ExitStatus(), nil
	default:
		return o.String(), e.String(), -1, fmt.Errorf("run %q: %w", cmd, err)
	}
}
