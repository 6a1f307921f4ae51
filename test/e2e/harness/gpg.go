//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// gpgHome is a private GNUPGHOME holding the throwaway signing keys. The
// agents gpg starts for it are killed in killAgents.
type gpgHome struct{ dir string }

func newGPGHome(dir string) (*gpgHome, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create GNUPGHOME %s: %w", dir, err)
	}
	return &gpgHome{dir: dir}, nil
}

func (g *gpgHome) gpg(args ...string) command {
	base := []string{"--homedir", g.dir, "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""}
	return cmd("gpg", append(base, args...)...).withEnv("GNUPGHOME=" + g.dir)
}

// genKey creates a passphrase-less signing key and returns its fingerprint.
func (g *gpgHome) genKey(ctx context.Context, uid, algo string) (string, error) {
	if err := g.gpg("--quick-gen-key", uid, algo, "sign", "never").run(ctx); err != nil {
		return "", fmt.Errorf("generate key %q: %w", uid, err)
	}
	out, err := g.gpg("--with-colons", "--list-keys", uid).output(ctx)
	if err != nil {
		return "", fmt.Errorf("list key %q: %w", uid, err)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			return f[9], nil
		}
	}
	return "", fmt.Errorf("no fingerprint for key %q in: %s", uid, out)
}

func (g *gpgHome) export(ctx context.Context, fpr string, armor bool) (string, error) {
	args := []string{"--export"}
	if armor {
		args = []string{"--armor", "--export"}
	}
	out, err := g.gpg(append(args, fpr)...).output(ctx)
	if err != nil || out == "" {
		return "", fmt.Errorf("export key %s: %w (output %d bytes)", fpr, err, len(out))
	}
	return out, nil
}

// clearsign writes an InRelease-style clear-signed copy of in.
func (g *gpgHome) clearsign(ctx context.Context, fpr, in, out string) error {
	return g.gpg("--local-user", fpr, "--digest-algo", "SHA512", "--clearsign", "--output", out, in).run(ctx)
}

// detachSign writes a detached signature (armored when armor is set).
func (g *gpgHome) detachSign(ctx context.Context, fpr, in, out string, armor bool) error {
	args := []string{"--local-user", fpr, "--digest-algo", "SHA512", "--detach-sign", "--output", out}
	if armor {
		args = append(args, "--armor")
	}
	return g.gpg(append(args, in)...).run(ctx)
}

// killAgents stops the gpg-agent (and keyboxd/dirmngr) of this home.
func (g *gpgHome) killAgents(ctx context.Context) error {
	if err := cmd("gpgconf", "--homedir", g.dir, "--kill", "all").withEnv("GNUPGHOME=" + g.dir).run(ctx); err != nil {
		return fmt.Errorf("stop gpg agents of %s: %w", g.dir, err)
	}
	return nil
}
