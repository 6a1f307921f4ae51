package packages

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/hashicorp/packer-plugin-sdk/retry"
)

// This file owns the key policy: what counts as a repository key, how a
// key_url is fetched (by the Packer host, TLS kept across redirects), and
// the key_fingerprint check every key passes before it reaches the target.

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

// checkKey parses data as an OpenPGP public key (ASCII-armored or binary)
// and, when fingerprint is set, requires every primary key in it to have
// that fingerprint: a keyring holding one more key would make apt or dnf
// trust that one too. It returns the key material to install, unchanged
// except for surrounding whitespace of an armored key.
func checkKey(field string, data []byte, fingerprint string) ([]byte, error) {
	text := bytes.TrimSpace(data)
	armored := bytes.HasPrefix(text, []byte(armorHeader))
	var (
		keys openpgp.EntityList
		err  error
	)
	if armored {
		keys, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(text))
	} else {
		keys, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err == nil && len(keys) == 0 {
		err = errors.New("no key found")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not an OpenPGP public key (want an ASCII-armored key starting with %q, or a binary key): %v", field, armorHeader, err)
	}
	for _, k := range keys {
		if k.PrivateKey != nil {
			return nil, fmt.Errorf("%s: is a private key; give the repository's public key", field)
		}
		got := strings.ToUpper(hex.EncodeToString(k.PrimaryKey.Fingerprint))
		if fingerprint != "" && got != fingerprint {
			return nil, fmt.Errorf("%s: key %s does not have the key_fingerprint %s", field, got, fingerprint)
		}
	}
	if armored {
		return append(text, '\n'), nil
	}
	return data, nil
}

// isArmored reports whether key material is ASCII-armored.
func isArmored(key []byte) bool { return bytes.HasPrefix(key, []byte(armorHeader)) }

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
func fetchKey(ctx context.Context, client *http.Client, field, keyURL, fingerprint string, secrets *secretSet) ([]byte, error) {
	var key []byte
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

func fetchKeyOnce(ctx context.Context, client *http.Client, field, keyURL, fingerprint string) ([]byte, error) {
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
