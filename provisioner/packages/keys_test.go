package packages

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

var otherKeyFingerprint = strings.TrimSpace(readTestdata("other.fpr"))

// keyMaterial is what checkKey hands on to the target.
func keyMaterial(k *repoKey) []byte { return k.Armored }

// parsedFingerprints reads every key in armored material the way apt-key's
// dearmor and dnf's import do: all blocks, all keys.
func parsedFingerprints(t *testing.T, material []byte) []string {
	t.Helper()
	var fps []string
	for _, block := range strings.SplitAfter(string(material), "-----END PGP PUBLIC KEY BLOCK-----") {
		if strings.TrimSpace(block) == "" {
			continue
		}
		keys, err := openpgp.ReadArmoredKeyRing(strings.NewReader(block))
		if err != nil {
			t.Fatalf("written key material does not parse: %v\n%s", err, material)
		}
		for _, k := range keys {
			fps = append(fps, strings.ToUpper(k.PrimaryKey.KeyIdString()))
		}
	}
	return fps
}

// A second armored block (or a second key in a binary keyring) beside the
// pinned key is refused: apt and dnf would trust it too.
func TestCheckKeyRefusesAKeyBesideThePinnedOne(t *testing.T) {
	cases := map[string]string{
		"pinned key, then another block":   testKey + "\n" + otherKey,
		"another block, then pinned key":   otherKey + "\n" + testKey,
		"binary keyring with two keys":     readTestdata("repo.gpg") + readTestdata("other.gpg"),
		"binary keyring, other key first":  readTestdata("other.gpg") + readTestdata("repo.gpg"),
		"pinned key, blank lines, another": testKey + "\n\n  \n\n" + otherKey,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := checkKey("repositories[0].key_file", []byte(data), testKeyFingerprint)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range []string{"repositories[0].key_file", testKeyFingerprint, otherKeyFingerprint, "holds 2 keys"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	if _, err := checkKey("key", []byte(testKey), testKeyFingerprint); err != nil {
		t.Errorf("the pinned key alone: %v", err)
	}
}

// Without key_fingerprint a keyring of several keys stays allowed (vendors
// ship them), but what reaches the target is always the parsed keys,
// re-serialized in one armored block: never the bytes as given.
func TestCheckKeyWritesOnlyTheParsedKeys(t *testing.T) {
	withHeader := strings.Replace(testKey, armorHeader+"\n", armorHeader+"\nComment: smuggled text\n", 1)
	cases := map[string]struct {
		data string
		want []string
	}{
		"two armored blocks":  {testKey + "\n" + otherKey, []string{testKeyFingerprint, otherKeyFingerprint}},
		"binary keyring":      {readTestdata("repo.gpg") + readTestdata("other.gpg"), []string{testKeyFingerprint, otherKeyFingerprint}},
		"armor header":        {withHeader, []string{testKeyFingerprint}},
		"CRLF line endings":   {strings.ReplaceAll(testKey, "\n", "\r\n"), []string{testKeyFingerprint}},
		"surrounding blanks":  {"\n\n" + testKey + "\n\n", []string{testKeyFingerprint}},
		"single binary key":   {readTestdata("repo.gpg"), []string{testKeyFingerprint}},
		"single armored key":  {testKey, []string{testKeyFingerprint}},
		"same key in 2 files": {testKey + "\n" + testKey, []string{testKeyFingerprint, testKeyFingerprint}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			k, err := checkKey("key", []byte(c.data), "")
			if err != nil {
				t.Fatal(err)
			}
			material := keyMaterial(k)
			if n := bytes.Count(material, []byte("-----BEGIN ")); n != 1 {
				t.Errorf("%d armored blocks written, want 1:\n%s", n, material)
			}
			if bytes.Contains(material, []byte("smuggled")) || bytes.Contains(material, []byte("\r")) {
				t.Errorf("the given bytes reached the target:\n%s", material)
			}
			var want []string
			for _, fp := range c.want {
				want = append(want, fp[24:])
			}
			if got := parsedFingerprints(t, material); !reflect.DeepEqual(got, want) {
				t.Errorf("written keys %q, want %q", got, want)
			}
		})
	}
}

// Text around the armored blocks is ignored, as gpg and apt ignore it, and
// never reaches the target: only the parsed key is written.
func TestCheckKeyIgnoresTextAroundTheBlocks(t *testing.T) {
	for name, data := range map[string]string{
		"text after the key":  testKey + "\ndeb [trusted=yes] http://evil/ ./\n",
		"text before the key": "my key:\n" + testKey,
	} {
		key, err := checkKey("repositories[0].key", []byte(data), testKeyFingerprint)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := string(key.Armored); strings.Contains(got, "evil") || strings.Contains(got, "my key") {
			t.Errorf("%s: text around the key reaches the target:\n%s", name, got)
		}
	}
}

// Whatever inside an armored block is not a public key, or any binary that
// is not a keyring, is refused rather than skipped, even without
// key_fingerprint.
func TestCheckKeyRefusesWhatIsNotAKey(t *testing.T) {
	cases := map[string]struct{ data, want string }{
		"a block after the END":    {testKey + otherKey, "is not the \"-----END PGP PUBLIC KEY BLOCK-----\" line that ends its block"},
		"bytes after a binary key": {readTestdata("repo.gpg") + "garbage", "not an OpenPGP public key"},
		"unterminated block":       {strings.TrimSuffix(strings.TrimSpace(testKey), "-----END PGP PUBLIC KEY BLOCK-----"), "no END line"},
		"a signature block":        {"-----BEGIN PGP SIGNATURE-----\n\niHUEABYKAB0WIQ==\n-----END PGP SIGNATURE-----\n", `is a "PGP SIGNATURE" block`},
		"a private key block":      {"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxVgE\n-----END PGP PRIVATE KEY BLOCK-----\n", "private key"},
		"an empty block":           {armorHeader + "\n\n-----END PGP PUBLIC KEY BLOCK-----\n", "no key found"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := checkKey("repositories[2].key", []byte(c.data), "")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "repositories[2].key: ") {
				t.Errorf("error %v, want one naming the field and containing %q", err, c.want)
			}
		})
	}
}

// rpm names an imported key gpg-pubkey-<last 8 hex digits of the key
// id>-<creation time in hex>; checked against rpm 4.18's `rpm --import` of
// testdata/repo.asc.
func TestCheckKeyRPMPubkeyNames(t *testing.T) {
	k, err := checkKey("key", []byte(testKey+"\n"+otherKey), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.RPMPubkeys) != 2 || k.RPMPubkeys[0] != "gpg-pubkey-c4245f81-6b14df4c" || !strings.HasPrefix(k.RPMPubkeys[1], "gpg-pubkey-"+strings.ToLower(otherKeyFingerprint[32:])+"-") {
		t.Errorf("gpg-pubkey names %q", k.RPMPubkeys)
	}
}

// One key always gives the same bytes, whatever the order of its user ids
// in the parser's map.
func TestCheckKeyIsDeterministic(t *testing.T) {
	e, err := openpgp.NewEntity("First", "", "first@test.invalid", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Second", "Third", "Fourth", "Fifth"} {
		if err := e.AddUserId(name, "", strings.ToLower(name)+"@test.invalid", nil); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := e.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	first, err := checkKey("key", buf.Bytes(), "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		again, err := checkKey("key", buf.Bytes(), "")
		if err != nil || !bytes.Equal(keyMaterial(again), keyMaterial(first)) {
			t.Fatalf("run %d gave other bytes (%v)", i, err)
		}
	}
	parsed, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(keyMaterial(first)))
	if err != nil || len(parsed) != 1 || len(parsed[0].Identities) != 5 {
		t.Errorf("re-serialized key: %v, %d keys", err, len(parsed))
	}
}

// Prepare refuses an inline key beside the pinned one, and a fetched
// key_url the same way, naming the field, the repository and the
// fingerprints, never the URL's token.
func TestKeyFingerprintCoversEveryKey(t *testing.T) {
	_, err := prepare(map[string]interface{}{"package_type": "deb", "repositories": []interface{}{map[string]interface{}{
		"url": "http://r/apt", "key": testKey + "\n" + otherKey, "key_fingerprint": testKeyFingerprint}}})
	if err == nil || !strings.Contains(err.Error(), "repositories[0].key: holds 2 keys ("+testKeyFingerprint+", "+otherKeyFingerprint+")") {
		t.Errorf("inline key: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(testKey + "\n" + otherKey))
	}))
	defer srv.Close()
	keyURL := strings.Replace(srv.URL, "://", "://T0KENxyz:@", 1) + "/key.asc"
	u, _ := parseKeyURL("key_url", keyURL)
	var secrets secretSet
	secrets.addURL(u)
	_, err = fetchKey(context.Background(), newKeyClient(nil), "repository vendor key_url", keyURL, testKeyFingerprint, &secrets)
	if err == nil || !strings.Contains(err.Error(), "repository vendor key_url") || !strings.Contains(err.Error(), otherKeyFingerprint) {
		t.Errorf("key_url: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "T0KENxyz") {
		t.Errorf("the error shows the token: %v", err)
	}
}

// The bake script of an rpm bake names the gpg-pubkey packages of its keys
// (cleanup removes the ones dnf imported); a deb bake's names none. The
// key file it writes holds the parsed keys, not the given text.
func TestProvisionHandsTheScriptTheParsedKeys(t *testing.T) {
	given := "\n" + testKey + "\n\n" + otherKey + "\n"
	for _, typ := range []PackageType{RPM, Deb} {
		var p Provisioner
		if err := p.Prepare(map[string]interface{}{
			"package_type": string(typ),
			"repositories": []interface{}{map[string]interface{}{"url": "http://10.0.0.1:8080/r/", "key": given}},
			"packages":     "hello-svc",
		}); err != nil {
			t.Fatal(err)
		}
		comm := newFakeComm(debTarget(nil))
		if typ == RPM {
			comm = newFakeComm(func(cmd string, n int) fakeReply {
				switch stepKey(cmd) {
				case "detect":
					return fakeReply{Stdout: "uid=0\nrpm=1\ndnf=dnf\nsystemctl=1\nsudo=1\nstage=" + fakeStage + "\n"}
				case "verify":
					return fakeReply{Stdout: "@@package hello-svc ii|0:1.0.0-h5\n"}
				}
				return fakeReply{}
			})
		}
		ui, err := provision(context.Background(), &p, comm)
		if err != nil {
			t.Fatalf("%s: %v\n%s", typ, err, ui.text())
		}
		script := comm.Uploads[fakeStage+"/run.sh"]
		want := "RPM_PUBKEYS=''"
		if typ == RPM {
			want = "RPM_PUBKEYS='gpg-pubkey-c4245f81-6b14df4c gpg-pubkey-" + strings.ToLower(otherKeyFingerprint[32:]) + "-"
		}
		if !strings.Contains(script, want) {
			t.Errorf("%s: script lacks %q", typ, want)
		}
		k, err := checkKey("key", []byte(given), "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(script, base64.StdEncoding.EncodeToString(k.Armored)) || strings.Contains(script, base64.StdEncoding.EncodeToString([]byte(given))) {
			t.Errorf("%s: the key file written is not the re-serialized keys", typ)
		}
	}
}
