package packages

import (
	"bytes"
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// Inputs found by trying each field with hostile and unusual values
// (issue 14, part 2). Each case names what must be refused, or accepted.

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func prepare(raw map[string]interface{}) (*Provisioner, error) {
	var p Provisioner
	err := p.Prepare(raw)
	return &p, err
}

func TestPrepareRefusesHostileInputs(t *testing.T) {
	jpeg := writeTemp(t, "photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	fakeArmor := writeTemp(t, "fake.asc", []byte(armorHeader+"\nnot base64 at all\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	other := writeTemp(t, "other.asc", []byte(otherKey))
	repo := func(fields map[string]interface{}) []interface{} { return []interface{}{fields} }
	cases := []struct {
		name string
		raw  map[string]interface{}
		want string
	}{
		{"line trusted=yes with a key (deb)", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"line": "[trusted=yes] http://r/apt ./", "key_file": "testdata/repo.asc"})}, "trusted"},
		{"line trusted=yes with a key (rpm)", map[string]interface{}{"package_type": "rpm",
			"repositories": repo(map[string]interface{}{"line": "[trusted=yes] http://r/rpm", "key_url": "https://r/key.asc"})}, "trusted"},
		// apt reads these as trusted=yes.
		{"line trusted=true with a key (deb)", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"line": "[trusted=true] http://r/apt ./", "key_file": "testdata/repo.asc"})}, "trusted"},
		{"line trusted=1 with a key (deb)", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"line": "[arch=amd64 trusted=1] http://r/apt ./", "key_file": "testdata/repo.asc"})}, "trusted"},
		{"line trusted=YES with a key (rpm)", map[string]interface{}{"package_type": "rpm",
			"repositories": repo(map[string]interface{}{"line": "[trusted=YES] http://r/rpm", "key_url": "https://r/key.asc"})}, "trusted"},
		{"trusted=maybe", map[string]interface{}{"package_type": "deb", "repository": "[trusted=maybe] http://r/apt ./"}, "yes or no"},
		{"allow-weak=perhaps", map[string]interface{}{"package_type": "deb", "repository": "[allow-weak=perhaps] http://r/apt ./"}, "yes or no"},
		{"trusted = true with a key", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "trusted": true, "key_url": "https://r/key.asc"})}, "trusted"},
		{"trusted=yes with signed-by", map[string]interface{}{"package_type": "deb",
			"repository": "[trusted=yes signed-by=/etc/apt/keyrings/x.gpg] http://r/apt ./"}, "signed-by"},
		{"key_url file:", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_url": "file:///etc/key.asc"})}, `scheme "file"`},
		{"key_url ftp:", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_url": "ftp://r/key.asc"})}, `scheme "ftp"`},
		{"key_url s3:", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_url": "s3://bucket/key.asc"})}, `scheme "s3"`},
		{"key_url mirror:", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_url": "mirror://r/list"})}, `scheme "mirror"`},
		{"plain-http key_url without key_fingerprint", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "https://r/apt", "key_url": "http://T0KEN:@r/key.asc"})},
			`repositories[0].key_url: "http://***@r/key.asc" is plain http, so anyone on the path could replace the key: use https, or pin the key with key_fingerprint`},
		{"plain-http key_url without key_fingerprint (rpm)", map[string]interface{}{"package_type": "rpm",
			"repositories": repo(map[string]interface{}{"url": "https://r/rpm", "key_url": "http://r/RPM-GPG-KEY"})}, "pin the key with key_fingerprint"},
		{"a JPEG as key_file", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_file": jpeg})}, "not an OpenPGP public key"},
		{"armor header around garbage", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_file": fakeArmor})}, "not an OpenPGP public key"},
		{"key with another fingerprint", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_file": other, "key_fingerprint": testKeyFingerprint})}, "does not have the key_fingerprint " + testKeyFingerprint},
		{"malformed fingerprint", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_file": "testdata/repo.asc", "key_fingerprint": "DEADBEEF"})}, "key_fingerprint"},
		{"fingerprint without a key", map[string]interface{}{"package_type": "deb",
			"repositories": repo(map[string]interface{}{"url": "http://r/apt", "key_fingerprint": testKeyFingerprint})}, "key_fingerprint needs"},
		{"conflicting versions", map[string]interface{}{"package_type": "deb", "packages": "hello=1.0 hello=2.0"}, `"hello=1.0" and "hello=2.0"`},
		{"pinned and unpinned", map[string]interface{}{"package_type": "deb", "packages": "hello hello=2.0"}, "different versions of hello"},
		{"conflicting versions, one with an architecture", map[string]interface{}{"package_type": "deb", "packages": "hello:amd64=1.0 hello=2.0"}, `"hello:amd64=1.0" and "hello=2.0"`},
		{"conflicting versions on two architectures", map[string]interface{}{"package_type": "deb", "packages": "libm:amd64=1.0 libm:i386=2.0"}, "different versions of libm"},
		{"rpm conflicting versions, one with an architecture", map[string]interface{}{"package_type": "rpm", "packages": "hello-1.0-1 hello-2.0-1.noarch"}, "different versions of hello"},
		{"rpm pinned with an architecture and unpinned", map[string]interface{}{"package_type": "rpm", "packages": "hello-1.0-1.x86_64 hello"}, "different versions of hello"},
		{"rpm unpinned with an architecture and pinned", map[string]interface{}{"package_type": "rpm", "packages": "hello.x86_64 hello-2.0-1"}, "different versions of hello"},
		{"rpm local file", map[string]interface{}{"package_type": "rpm", "packages": "evil-1.0-1.noarch.rpm"}, "names an .rpm file"},
		{"unit name over 255 with .service", map[string]interface{}{"package_type": "deb", "services": []interface{}{strings.Repeat("a", 250)}}, "over systemd's 255"},
		{"unit name with a space", map[string]interface{}{"package_type": "deb", "services": []interface{}{"my app"}}, `services: "my app"`},
		{"lock_timeout under a second", map[string]interface{}{"package_type": "deb", "lock_timeout": "500ms"}, "under a second"},
		{"dnf variable with braces", map[string]interface{}{"package_type": "rpm", "repository": "http://r/${releasever}/"}, "without braces"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := prepare(c.raw)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Prepare error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestPrepareAcceptsWhatAptAndDnfAccept(t *testing.T) {
	binary := writeTemp(t, "repo.gpg", []byte(readTestdata("repo.gpg")))
	spaced := strings.ToLower(testKeyFingerprint[:4] + " " + testKeyFingerprint[4:])
	cases := map[string]map[string]interface{}{
		"dnf variables": {"package_type": "rpm", "repository": "http://mirror/$releasever/os/$basearch/"},
		"mirror+file":   {"package_type": "deb", "repository": "mirror+file:/etc/apt/mirrors.txt bookworm main"},
		"binary key with its fingerprint, spaced and lower case": {"package_type": "deb",
			"repositories": []interface{}{map[string]interface{}{"url": "http://r/apt", "key_file": binary, "key_fingerprint": spaced}}},
		"repeated token":                                     {"package_type": "deb", "packages": "hello=1.0 hello=1.0"},
		"rpm repeated with epoch 0":                          {"package_type": "rpm", "packages": "hello-1.0-1 hello-0:1.0-1"},
		"rpm on two architectures":                           {"package_type": "rpm", "packages": "hello-1.0-1.x86_64 hello-2.0-1.i686"},
		"deb same version, with and without an architecture": {"package_type": "deb", "packages": "hello:amd64=1.0 hello=1.0"},
		"units separated by commas":                          {"package_type": "deb", "services": []interface{}{"a, b.socket"}},
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := prepare(raw)
			if err != nil {
				t.Fatal(err)
			}
			if (name == "repeated token" || name == "rpm repeated with epoch 0") && len(p.req.Packages) != 1 {
				t.Errorf("packages %+v, want one", p.req.Packages)
			}
			if name == "units separated by commas" && strings.Join(p.req.Units, " ") != "a.service b.socket" {
				t.Errorf("units %q", p.req.Units)
			}
		})
	}
}

func TestWeakSignatureCheckingWarns(t *testing.T) {
	cases := map[string]map[string]interface{}{
		"[trusted=yes]":       {"package_type": "deb", "repository": "[trusted=yes] http://r/apt ./"},
		"allow-insecure":      {"package_type": "deb", "repository": "[allow-insecure=yes] http://r/apt ./"},
		"allow-weak":          {"package_type": "deb", "repository": "[allow-weak=yes] http://r/apt ./"},
		"[trusted=on]":        {"package_type": "deb", "repository": "[trusted=on] http://r/apt ./"},
		"allow-insecure=True": {"package_type": "deb", "repository": "[allow-insecure=True] http://r/apt ./"},
		"trusted=no, for ref": {"package_type": "deb", "repositories": []interface{}{map[string]interface{}{"line": "[trusted=no] http://r/apt ./", "key_url": "https://r/key.asc"}}},
		"unsigned rpm":        {"package_type": "rpm", "repositories": []interface{}{map[string]interface{}{"url": "http://r/rpm", "trusted": true, "name": "legacy"}}},
		"signed, for ref":     {"package_type": "deb", "repositories": []interface{}{map[string]interface{}{"url": "http://r/apt", "key_url": "https://r/key.asc"}}},
		// A pinned key may come over plain http: the fingerprint, not the transport, vouches for it.
		"pinned http key_url, for ref": {"package_type": "deb", "repositories": []interface{}{map[string]interface{}{"url": "http://r/apt", "key_url": "http://r/key.asc", "key_fingerprint": testKeyFingerprint}}},
	}
	for name, raw := range cases {
		p, err := prepare(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w := strings.Join(p.req.Warnings, "\n")
		if strings.HasSuffix(name, "for ref") {
			if w != "" {
				t.Errorf("%s: unexpected warning %q", name, w)
			}
			continue
		}
		if !strings.Contains(w, "warning: repository ") || (name == "unsigned rpm" && !strings.Contains(w, "legacy")) {
			t.Errorf("%s: warnings %q", name, w)
		}
	}
	// The bake prints them.
	p := preparedDeb(t, map[string]interface{}{"repositories": []interface{}{map[string]interface{}{"line": "[trusted=yes] http://10.0.0.1:8080/apt/ ./"}}})
	ui, err := provision(context.Background(), p, newFakeComm(debTarget(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ui.text(), "ERROR warning: repository http://10.0.0.1:8080/apt/ is [trusted=yes]") {
		t.Errorf("no warning printed:\n%s", ui.text())
	}
}

func TestPrepareErrorsMaskEveryCredentialForm(t *testing.T) {
	cases := map[string]map[string]interface{}{
		"password with /":          {"package_type": "deb", "repository": "http://user:Pa/SeCrEt@host/apt ./"},
		"password with whitespace": {"package_type": "deb", "repository": "http://user:Pa SeCrEt@host/apt ./"},
		"numeric password with /":  {"package_type": "deb", "repository": "http://user:1234/SeCrEt@host/apt ./"},
		"package token":            {"package_type": "deb", "packages": "https://SeCrEt@host/x.deb"},
		"package token, rpm":       {"package_type": "rpm", "packages": "https://tok:SeCrEt@host/x"},
		"block url with space":     {"package_type": "rpm", "repositories": []interface{}{map[string]interface{}{"url": "http://u:Se CrEt@host/rpm"}}},
	}
	for name, raw := range cases {
		_, err := prepare(raw)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "SeCrEt") || strings.Contains(msg, "CrEt") {
			t.Errorf("%s: error shows the secret: %s", name, msg)
		}
	}
}

func TestKeyURLTokenNeverReachesTheLog(t *testing.T) {
	// A dropped connection (retried, and logged by the SDK's retry), then
	// gone (final).
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		busy := n%2 == 1
		mu.Unlock()
		if busy {
			// A dropped connection: Go's error then quotes the URL, which
			// masks only a non-empty password itself.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	for _, cred := range []string{"T0KENxyz@", "T0KENxyz:@", "user:T0KENxyz@"} {
		keyURL := strings.Replace(srv.URL, "://", "://"+cred, 1) + "/key.asc"
		u, _ := parseKeyURL("key_url", keyURL)
		var secrets secretSet
		secrets.addURL(u)
		_, err := fetchKey(context.Background(), newKeyClient(nil), "key_url", keyURL, "", &secrets)
		if err == nil {
			t.Fatal("fetch succeeded")
		}
		if strings.Contains(err.Error(), "T0KENxyz") {
			t.Errorf("%s: error shows the token: %v", cred, err)
		}
	}
	if !strings.Contains(logged.String(), "Retryable error") {
		t.Fatalf("the retry logged nothing; the test proves nothing:\n%s", logged.String())
	}
	if strings.Contains(logged.String(), "T0KENxyz") {
		t.Errorf("the log shows the token:\n%s", logged.String())
	}
}

// The SDK's LogSecretFilter is a writer: registering a value filters only
// output routed through it. Packer core routes its own log through its own
// filter, in its own process; a plugin's log.Print goes straight to stderr
// unless the plugin routes it, which main.go does.
func TestLogSecretFilterOnlyFiltersWhatIsRoutedThroughIt(t *testing.T) {
	packersdk.LogSecretFilter.Set("filter-probe-value")
	var out bytes.Buffer
	logger := log.New(&out, "", 0)
	logger.Print("direct filter-probe-value")
	if !strings.Contains(out.String(), "filter-probe-value") {
		t.Fatal("an unrouted log line was filtered; the premise changed")
	}
	out.Reset()
	packersdk.LogSecretFilter.SetOutput(&out)
	defer packersdk.LogSecretFilter.SetOutput(os.Stderr)
	log.New(&packersdk.LogSecretFilter, "", 0).Print("routed filter-probe-value")
	if strings.Contains(out.String(), "filter-probe-value") || !strings.Contains(out.String(), "<sensitive>") {
		t.Errorf("routed through the filter: %q", out.String())
	}
}

func TestFetchKeyRefusesARedirectThatDropsTLS(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(testKey))
	}))
	defer plain.Close()
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			_, _ = w.Write([]byte(testKey))
			return
		}
		http.Redirect(w, r, plain.URL+"/key.asc", http.StatusFound)
	}))
	defer tls.Close()
	client := newKeyClient(tls.Client().Transport)
	var secrets secretSet
	_, err := fetchKey(context.Background(), client, "key_url", tls.URL+"/key.asc", "", &secrets)
	if err == nil || !strings.Contains(err.Error(), "refused a redirect from https to http://") {
		t.Errorf("err %v", err)
	}
	if _, err := fetchKey(context.Background(), client, "key_url", tls.URL+"/same", testKeyFingerprint, &secrets); err != nil {
		t.Errorf("https with the right fingerprint: %v", err)
	}
	if _, err := fetchKey(context.Background(), client, "key_url", tls.URL+"/same", strings.TrimSpace(readTestdata("other.fpr")), &secrets); err == nil || !strings.Contains(err.Error(), "does not have the key_fingerprint") {
		t.Errorf("wrong fingerprint: %v", err)
	}
}

func TestUnknownValuesWaitForTheBuild(t *testing.T) {
	p, err := prepare(map[string]interface{}{"package_type": "deb", "packages": "<unknown>", "services": []interface{}{"hello-svc"}})
	if err != nil {
		t.Fatalf("packer validate (data source not run): %v", err)
	}
	_, err = provision(context.Background(), p, newFakeComm(debTarget(nil)))
	if err == nil || !strings.Contains(err.Error(), "packages is still <unknown>") {
		t.Errorf("Provision with an unknown value: %v", err)
	}
	// Known at build time: validated as usual.
	if _, err := prepare(map[string]interface{}{"package_type": "deb", "packages": "hello=1 hello=2"}); err == nil {
		t.Error("a known bad value passed")
	}
}

func TestLockTimeoutFractionsRoundUp(t *testing.T) {
	p := preparedDeb(t, map[string]interface{}{"lock_timeout": "1500ms"})
	comm := newFakeComm(debTarget(nil))
	if _, err := provision(context.Background(), p, comm); err != nil {
		t.Fatal(err)
	}
	if script := comm.Uploads[fakeStage+"/run.sh"]; !strings.Contains(script, "LOCK_TIMEOUT='2'\n") {
		t.Errorf("LOCK_TIMEOUT not rounded up to 2")
	}
}

func TestLongPackageListsTravelAsAFile(t *testing.T) {
	// 3000 tokens are about 60 KiB: over a command line's safe size, and
	// over Linux's 128 KiB per argument once the batch holds them twice.
	var list []string
	for i := 0; i < 3000; i++ {
		list = append(list, "package-"+strconv.Itoa(i)+"=1.0-"+strconv.Itoa(i))
	}
	p := preparedDeb(t, map[string]interface{}{"packages": strings.Join(list, " "), "install_order": "single_transaction", "services": []interface{}{}})
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"verify": func(int) fakeReply {
		var b strings.Builder
		for _, tok := range list {
			name, v, _ := strings.Cut(tok, "=")
			b.WriteString("@@package " + name + " ii |" + v + "\n")
		}
		return fakeReply{Stdout: b.String()}
	}}))
	ui, err := provision(context.Background(), p, comm)
	if err != nil {
		t.Fatalf("%v\n%s", err, ui.text())
	}
	for _, c := range comm.Commands {
		if len(c) > argsInlineMax+1024 {
			t.Errorf("a command of %d bytes", len(c))
		}
	}
	files := 0
	for path, content := range comm.Uploads {
		if strings.HasPrefix(path, fakeStage+"/args-") {
			files++
			if !strings.HasSuffix(content, "package-2999\n") && !strings.HasSuffix(content, "package-2999=1.0-2999\n") {
				t.Errorf("%s does not end with the last package: %q", path, content[max(0, len(content)-40):])
			}
		}
	}
	if files != 2 {
		t.Errorf("%d argument files uploaded, want 2 (install and verify)", files)
	}
}

// With package_type detected on the target, warnings use the detected
// type's words.
func TestWarningsNameTheDetectedType(t *testing.T) {
	p, err := prepare(map[string]interface{}{"repositories": []interface{}{map[string]interface{}{"url": "http://10.0.0.1:8080/rpm/", "trusted": true, "name": "legacy"}}, "packages": "hello-svc"})
	if err != nil {
		t.Fatal(err)
	}
	comm := newFakeComm(func(cmd string, n int) fakeReply {
		switch stepKey(cmd) {
		case "detect":
			return fakeReply{Stdout: "uid=0\nrpm=1\ndnf=dnf\nsystemctl=1\nsetsid=1\nstage=" + fakeStage + "\n"}
		case "verify":
			return fakeReply{Stdout: "@@package hello-svc ii|0:1.0-1\n"}
		}
		return fakeReply{}
	})
	ui, err := provision(context.Background(), p, comm)
	if err != nil {
		t.Fatalf("%v\n%s", err, ui.text())
	}
	if !strings.Contains(ui.text(), "warning: repository legacy is unsigned (gpgcheck=0)") || strings.Contains(ui.text(), "[trusted=yes]") {
		t.Errorf("warnings:\n%s", ui.text())
	}
}

func TestKeepRepositoriesWithCredentialsWarns(t *testing.T) {
	repo := map[string]interface{}{"url": "https://deploy:Pa55w0rd@r.example.com/apt", "key_url": "https://r.example.com/key.asc"}
	for keep, want := range map[bool]bool{true: true, false: false} {
		p, err := prepare(map[string]interface{}{"package_type": "deb", "keep_repositories": keep, "repositories": []interface{}{repo}})
		if err != nil {
			t.Fatal(err)
		}
		w := strings.Join(p.req.Warnings, "\n")
		if got := strings.Contains(w, "keep_repositories keeps the credentials of repository https://***@r.example.com/apt"); got != want {
			t.Errorf("keep_repositories=%v: warnings %q", keep, w)
		}
		if strings.Contains(w, "Pa55w0rd") {
			t.Errorf("a warning holds the password: %q", w)
		}
	}
}
