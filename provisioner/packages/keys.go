package packages

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/hashicorp/packer-plugin-sdk/retry"
)

// This file owns the key policy: what counts as a repository key, how a
// key_url is fetched (by the Packer host, TLS kept across redirects), the
// key_fingerprint check every key passes before it reaches the target,
// what of it reaches the target (the parsed public keys, re-serialized),
// and the names rpm gives the keys dnf imports.

const armorHeader = "-----BEGIN PGP PUBLIC KEY BLOCK-----"

// parseFingerprint normalizes a key_fingerprint as gpg prints it (spaces
// allowed, any case, optional 0x) to upper-case hex; v4 fingerprints have
// 40 digits, v5 and v6 64.
func parseFingerprint(field, s string) (string, error) {
	fp := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	fp = strings.TrimPrefix(fp, "0X")
	if _, err := hex.DecodeString(fp); err != nil || (len(fp) != 40 && len(fp) != 64) {
		return "", fmt.Errorf("%s: %q is not an OpenPGP fingerprint (40 or 64 hex digits, as `gpg --fingerprint` prints it)", field, s)
	}
	return fp, nil
}

// repoKey is a repository's key material after checking. Only the
// public keys parsed from it reach the target, re-serialized: nothing the
// parser skipped (text around the armor, a second block, trailing bytes)
// can reach apt or dnf, which would trust it.
type repoKey struct {
	// Armored is every public key, in one ASCII-armored block with its
	// checksum (rpm's own armor parser requires one).
	Armored []byte
	// Fingerprints are the primary keys' fingerprints, upper-case hex.
	Fingerprints []string
	// RPMPubkeys are the names rpm gives these keys when dnf imports them
	// into its database: gpg-pubkey-<last 8 hex digits of the key id>-<the
	// key's creation time in hex>.
	RPMPubkeys []string
}

// armored is the key material to write; nil for no key.
func (k *repoKey) armored() []byte {
	if k == nil {
		return nil
	}
	return k.Armored
}

// checkKey parses data as OpenPGP public keys: every armored block of an
// ASCII-armored file, or a binary keyring. Anything it cannot read as a
// public key is refused rather than skipped. With fingerprint set, the
// material must hold exactly that key: one more would make apt or dnf
// trust it too.
func checkKey(field string, data []byte, fingerprint string) (*repoKey, error) {
	binary := data
	if bytes.Contains(data, []byte("-----BEGIN PGP ")) {
		var err error
		if binary, err = dearmorKeys(data); err != nil {
			return nil, fmt.Errorf("%s: not an OpenPGP public key: %w", field, err)
		}
	}
	primaries, err := countPrimaryKeys(binary)
	if err == nil && primaries == 0 {
		err = errors.New("no key found")
	}
	var keys openpgp.EntityList
	if err == nil {
		keys, err = openpgp.ReadKeyRing(bytes.NewReader(binary))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not an OpenPGP public key (want an ASCII-armored key starting with %q, or a binary key): %v", field, armorHeader, err)
	}
	key := &repoKey{}
	for _, k := range keys {
		if k.PrivateKey != nil || slices.ContainsFunc(k.Subkeys, func(s openpgp.Subkey) bool { return s.PrivateKey != nil }) {
			return nil, fmt.Errorf("%s: is a private key; give the repository's public key", field)
		}
		key.Fingerprints = append(key.Fingerprints, strings.ToUpper(hex.EncodeToString(k.PrimaryKey.Fingerprint)))
		key.RPMPubkeys = append(key.RPMPubkeys, fmt.Sprintf("gpg-pubkey-%08x-%x", uint32(k.PrimaryKey.KeyId), k.PrimaryKey.CreationTime.Unix()))
	}
	// ReadKeyRing skips keys it cannot read (unsupported algorithms, bad
	// self-signatures); such a key is not what the configuration gave.
	if len(keys) != primaries {
		return nil, fmt.Errorf("%s: holds %d keys, of which only %d can be read as OpenPGP public keys (%s)", field, primaries, len(keys), strings.Join(key.Fingerprints, ", "))
	}
	if fingerprint != "" {
		if len(key.Fingerprints) == 1 && key.Fingerprints[0] != fingerprint {
			return nil, fmt.Errorf("%s: key %s does not have the key_fingerprint %s", field, key.Fingerprints[0], fingerprint)
		}
		for _, got := range key.Fingerprints {
			if got != fingerprint {
				return nil, fmt.Errorf("%s: holds %d keys (%s) but key_fingerprint names only %s: apt or dnf would trust every key in it; give that key alone", field, len(key.Fingerprints), strings.Join(key.Fingerprints, ", "), fingerprint)
			}
		}
	}
	if key.Armored, err = armorPublicKeys(keys); err != nil {
		return nil, fmt.Errorf("%s: re-serialize the key: %w", field, err)
	}
	return key, nil
}

// dearmorKeys decodes every armored block of text and returns their
// contents, concatenated. armor.Decode reads one block and stops at its
// checksum line, so a second block (another key) would pass unseen: the
// blocks are cut out here at their BEGIN and END lines and the library
// decodes each. Text outside the blocks (a comment line, a README pasted
// after the key) is ignored, as gpg and apt-key's dearmor ignore it; it
// never reaches the target, which only gets the parsed keys written out
// again.
func dearmorKeys(text []byte) ([]byte, error) {
	var (
		out   bytes.Buffer
		block []string
		end   string
	)
	for i, line := range strings.Split(string(text), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case block == nil && strings.HasPrefix(trimmed, "-----BEGIN "):
			block = []string{line}
			end = "-----END " + strings.TrimPrefix(trimmed, "-----BEGIN ")
		case block == nil:
		default:
			block = append(block, line)
			if strings.HasPrefix(trimmed, "-----END ") && trimmed != end {
				return nil, fmt.Errorf("line %d: %.60q is not the %q line that ends its block", i+1, trimmed, end)
			}
			if trimmed == end {
				if err := decodeKeyBlock(&out, strings.Join(block, "\n")); err != nil {
					return nil, fmt.Errorf("the armored block ending at line %d: %w", i+1, err)
				}
				block = nil
			}
		}
	}
	if block != nil {
		return nil, errors.New("the last armored block has no END line")
	}
	return out.Bytes(), nil
}

func decodeKeyBlock(out *bytes.Buffer, block string) error {
	b, err := armor.Decode(strings.NewReader(block))
	if err != nil {
		return err
	}
	switch b.Type {
	case openpgp.PublicKeyType:
	case openpgp.PrivateKeyType:
		return errors.New("is a private key; give the repository's public key")
	default:
		return fmt.Errorf("is a %q block, not a public key", b.Type)
	}
	_, err = io.Copy(out, b.Body)
	return err
}

// countPrimaryKeys counts the primary key packets of a binary keyring
// without interpreting them, and fails on bytes that are no OpenPGP packet
// (a JPEG, or anything after the last key).
func countPrimaryKeys(binary []byte) (int, error) {
	r := packet.NewOpaqueReader(bytes.NewReader(binary))
	n := 0
	for {
		p, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		// Tags 6 and 5: public key and secret key (RFC 9580, 5.5.1).
		if p.Tag == 6 || p.Tag == 5 {
			n++
		}
	}
}

// armorPublicKeys serializes the public part of keys in one armored
// block. It writes what Entity.Serialize writes, but the user ids in a
// fixed order: Entity keeps them in a map, whose order changes from run to
// run, and one key must always give the same file (repositories are
// deduplicated by their key, and two bakes write the same bytes).
func armorPublicKeys(keys openpgp.EntityList) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	for _, e := range keys {
		if err := serializePublic(w, e); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

type serializer interface{ Serialize(io.Writer) error }

func serializePublic(w io.Writer, e *openpgp.Entity) error {
	parts := []serializer{e.PrimaryKey}
	for _, s := range e.Revocations {
		parts = append(parts, s)
	}
	for _, s := range e.Signatures {
		parts = append(parts, s)
	}
	for _, name := range slices.Sorted(maps.Keys(e.Identities)) {
		id := e.Identities[name]
		parts = append(parts, id.UserId)
		for _, s := range id.Signatures {
			parts = append(parts, s)
		}
	}
	for _, sub := range e.Subkeys {
		parts = append(parts, sub.PublicKey)
		for _, s := range sub.Revocations {
			parts = append(parts, s)
		}
		parts = append(parts, sub.Sig)
	}
	for _, p := range parts {
		if err := p.Serialize(w); err != nil {
			return err
		}
	}
	return nil
}

// keyFetchTries is how often a key download is attempted.
const keyFetchTries = 3

// errTLSDropped refuses a redirect from https to anything else: the key
// would then arrive unauthenticated although the configuration asked for
// TLS.
var errTLSDropped = errors.New("redirect leaves https")

// newKeyClient returns the client that downloads keys: it follows
// redirects only while they keep TLS. transport nil means Go's default.
func newKeyClient(transport http.RoundTripper) *http.Client {
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return errTLSDropped
			}
			return nil
		},
	}
}

// fetchKey downloads a repository key on the Packer host and checks it.
// apt has no way to fetch keys itself, minimal targets often lack curl and
// wget, and only a key fetched here can be checked against key_fingerprint
// before anything trusts it; so rpm keys are fetched here too.
func fetchKey(ctx context.Context, client *http.Client, field, keyURL, fingerprint string, secrets *secretSet) (*repoKey, error) {
	var key *repoKey
	err := retry.Config{
		Tries:      keyFetchTries,
		RetryDelay: (&retry.Backoff{InitialBackoff: time.Second, MaxBackoff: 5 * time.Second, Multiplier: 2}).Linear,
		ShouldRetry: func(err error) bool {
			var p permanentError
			return !errors.As(err, &p)
		},
	}.Run(ctx, func(ctx context.Context) error {
		var err error
		key, err = fetchKeyOnce(ctx, client, field, keyURL, fingerprint)
		// The SDK's retry logs the error with log.Print, which reaches
		// PACKER_LOG unfiltered: mask it here, before it leaves.
		if err != nil {
			masked := errors.New(secrets.Mask(err.Error()))
			var p permanentError
			if errors.As(err, &p) {
				return permanentError{masked}
			}
			return masked
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: fetch %s: %w", field, secrets.Mask(keyURL), err)
	}
	return key, nil
}

func fetchKeyOnce(ctx context.Context, client *http.Client, field, keyURL, fingerprint string) (*repoKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyURL, nil)
	if err != nil {
		return nil, permanentError{err}
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.Is(err, errTLSDropped) && errors.As(err, &uerr) {
			return nil, permanentError{fmt.Errorf("refused a redirect from https to %s", uerr.URL)}
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("HTTP %s", resp.Status)
		if resp.StatusCode >= 400 && resp.StatusCode < 500 {
			return nil, permanentError{err}
		}
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	key, err := checkKey(field, data, fingerprint)
	if err != nil {
		return nil, permanentError{err}
	}
	return key, nil
}
