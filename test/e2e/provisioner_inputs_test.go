//go:build e2e

package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// End-to-end cases of the provisioner's input and signature rules (issue
// 14, part 2): each runs a real `packer build` against a booted target.

// A .deb that holds another version than the index names must fail the
// bake, naming the package and both versions, in both install orders.
func TestPackagesVerificationCatchesAMislabeledPackage(t *testing.T) {
	for _, order := range []string{"ordered", "single_transaction"} {
		t.Run(order, func(t *testing.T) {
			tg := harness.NewTarget(t, harness.Debian)
			out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages      = "hello-rosco=%s"
    install_order = %q`, tg.Repos.AptMislabeled, tg.Repos.KeyURL(tg.Repos.RepoKey), tg.Repos.RepoKey.Fingerprint,
				harness.MislabeledVersion, order))
			mustFail(t, out, err, "verification failed", "package hello-rosco: installed version 1.0.0-h7, requested "+harness.MislabeledVersion)
			assertCleanedUp(t, tg)
		})
	}
}

// A key that does not have key_fingerprint stops the bake before anything
// is written to the target.
func TestPackagesKeyFingerprintMismatch(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-svc=1.0.0-h5"`, tg.Repos.AptSigned, tg.Repos.KeyURL(tg.Repos.RepoKey), tg.Repos.WrongKey.Fingerprint))
	failedBake(t, tg, out, err, "does not have the key_fingerprint "+tg.Repos.WrongKey.Fingerprint)
	if strings.Contains(out, "apt-get update") || strings.Contains(out, "] repositories") {
		t.Errorf("the bake went on after the fingerprint mismatch:\n%s", out)
	}
}

// A key file that holds the pinned key and one more is refused, since apt
// and dnf would trust both: given inline, at Prepare (the target sees no
// login); as a key_url, when the Packer host fetches it, before anything
// is written on the target.
func TestPackagesKeyFingerprintRefusesASecondKey(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	pinned, smuggled := tg.Repos.RepoKey, tg.Repos.WrongKey
	both := pinned.Armored + smuggled.Armored
	// Served beside the fixture keys, under a name of this test's own.
	name := "pinned-and-another.asc"
	if err := os.WriteFile(filepath.Join(filepath.Dir(pinned.File), name), []byte(both), 0o644); err != nil {
		t.Fatal(err)
	}
	keyURL := tg.Repos.BaseURL + strings.TrimSuffix(pinned.Path, filepath.Base(pinned.Path)) + name
	want := fmt.Sprintf("holds 2 keys (%s, %s) but key_fingerprint names only %s", pinned.Fingerprint, smuggled.Fingerprint, pinned.Fingerprint)
	before := sshLogins(t, tg)
	out, err := buildHCL(t, p, tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key             = %q
      key_fingerprint = %q
    }
    packages = "hello-svc=1.0.0-h5"`, tg.Repos.AptSigned, both, pinned.Fingerprint))
	if after := sshLogins(t, tg); after != before {
		t.Errorf("%d SSH logins reached the target during the refused build", after-before)
	}
	failedBake(t, tg, out, err, "repositories[0].key: "+want)
	out, err = buildHCL(t, p, tg, "root", fmt.Sprintf(`
    repositories {
      name            = "vendor"
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-svc=1.0.0-h5"`, tg.Repos.AptSigned, keyURL, pinned.Fingerprint))
	failedBake(t, tg, out, err, "repository vendor key_url", want)
	if strings.Contains(out, "apt-get update") || strings.Contains(out, "] repositories") {
		t.Errorf("the bake went on after the refused key:\n%s", out)
	}
	if keys := tg.MustRun(t, "ls /etc/apt/keyrings /etc/apt/trusted.gpg.d 2>/dev/null"); strings.Contains(keys, "spinnaker-packages") {
		t.Errorf("a key file is on the target:\n%s", keys)
	}
}

// Credentials never sit in a world-readable file, not even with
// keep_repositories: apt gets them from auth.conf.d (0600).
func TestPackagesCredentialsKeptPrivately(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	authURL := tg.Repos.WithAuth(tg.Repos.AptAuth)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_file        = %q
      key_fingerprint = %q
    }
    packages          = "hello-svc=1.0.0-h5"
    keep_repositories = true`, authURL, tg.Repos.RepoKey.File, tg.Repos.RepoKey.Fingerprint))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	for _, form := range tg.Repos.AuthForms() {
		if strings.Contains(out, form) {
			t.Errorf("the password (%q) is in the build output", form)
		}
	}
	if !strings.Contains(out, "keep_repositories keeps the credentials of repository") {
		t.Errorf("no warning that the image keeps the credentials:\n%s", out)
	}
	private := strings.Fields(tg.MustRun(t, "stat -c '%a %U %n' /etc/apt/auth.conf.d/spinnaker-packages-*.conf"))
	if len(private) != 3 || private[0] != "600" || private[1] != "root" {
		t.Errorf("auth.conf.d file: %q, want mode 600 owned by root", private)
	}
	if n := strings.TrimSpace(tg.MustRun(t, "grep -c -F -e "+shellWord(tg.Repos.AuthPassword)+" /etc/apt/auth.conf.d/spinnaker-packages-*.conf")); n != "1" {
		t.Errorf("auth.conf.d holds the password %s times, want 1", n)
	}
	hits := tg.MustRun(t, "grep -rl -F -e "+shellWord(tg.Repos.AuthPassword)+" /etc /var/lib/apt /var/cache/apt /var/log /tmp /root 2>/dev/null | grep -v '^/etc/apt/auth.conf.d/spinnaker-packages-' || true")
	if strings.TrimSpace(hits) != "" {
		t.Errorf("the password is in other files of the image:\n%s", hits)
	}
	if tg.FileExists(t, "/usr/sbin/policy-rc.d") {
		t.Error("/usr/sbin/policy-rc.d left on the target")
	}
}

// dnf gets the credentials from the .repo file's username= and password=
// (0600), never from its baseurl. The password holds '/', '@', ':', '%' and
// '$' (percent-encoded in the URL, as users must write them): each reaches
// the repository whole, and none is printed, even with PACKER_LOG=1.
func TestPackagesRPMCredentialsKeptPrivately(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	t.Setenv("PACKER_LOG", "1")
	p := harness.NewPacker(t)
	bake := func(packages, extra string) string {
		t.Helper()
		out, err := buildHCL(t, p, tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_file        = %q
      key_fingerprint = %q
    }
    packages = %q%s`, tg.Repos.WithAuth(tg.Repos.RPMAuth), tg.Repos.RPMKey.File, tg.Repos.RPMKey.Fingerprint, packages, extra))
		mustSucceed(t, out, err)
		if !strings.Contains(out, "[DEBUG]") {
			t.Error("PACKER_LOG=1 output has no debug lines; the check proves nothing")
		}
		for _, form := range tg.Repos.AuthForms() {
			if n := strings.Count(out, form); n != 0 {
				t.Errorf("the password (%q) appears %d times in the PACKER_LOG=1 output", form, n)
			}
		}
		return out
	}
	leftInImage := func(except string) string {
		return strings.TrimSpace(tg.MustRun(t, "grep -rl -F -e "+shellWord(tg.Repos.AuthPassword)+
			" /etc /var/lib/dnf /var/lib/rpm /var/cache/dnf /var/log /tmp /root 2>/dev/null | grep -v -e "+shellWord(except)+" || true"))
	}

	// The default: cleanup removes the .repo file, and nothing else holds the password.
	bake("hello-svc-1.0.0-h5", "")
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	authed := 0
	for _, r := range tg.Repos.Requests("/rpm-auth/") {
		if r.AuthOK {
			authed++
		}
	}
	if authed == 0 {
		t.Error("dnf never sent the credentials to the repository")
	}
	if resp, err := http.Get(tg.Repos.RPMAuth + "repodata/repomd.xml"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the repository answers without credentials (%v, %v): the bake proves nothing", resp, err)
	} else {
		resp.Body.Close()
	}
	assertCleanedUp(t, tg)
	if hits := leftInImage("^$"); hits != "" {
		t.Errorf("the password is left in the image:\n%s", hits)
	}

	// keep_repositories: the kept .repo file is root's alone.
	out := bake("hello-auto-1.0.0-h5", "\n    keep_repositories = true")
	wantVersion(t, tg, "hello-auto", "1.0.0-h5")
	if !strings.Contains(out, "keep_repositories keeps the credentials of repository") {
		t.Errorf("no warning that the image keeps the credentials:\n%s", out)
	}
	private := strings.Fields(tg.MustRun(t, "stat -c '%a %U %n' /etc/yum.repos.d/spinnaker-packages-*.repo"))
	if len(private) != 3 || private[0] != "600" || private[1] != "root" {
		t.Fatalf(".repo file: %q, want one, mode 600 owned by root", private)
	}
	repo := tg.MustRun(t, "cat "+private[2])
	for _, want := range []string{"\nbaseurl=" + tg.Repos.RPMAuth + "\n", "\nusername=" + tg.Repos.AuthUser + "\n", "\npassword=" + tg.Repos.AuthPassword + "\n"} {
		if !strings.Contains(repo, want) {
			t.Errorf(".repo file lacks %q:\n%s", strings.TrimSpace(want), repo)
		}
	}
	if strings.Count(repo, "[") != 1 {
		t.Errorf(".repo file has more than one section:\n%s", repo)
	}
	if hits := leftInImage("^" + private[2] + "$"); hits != "" {
		t.Errorf("the password is in other files of the image:\n%s", hits)
	}
}

// Inputs that would weaken signature checking or mislead apt and dnf are
// refused by Prepare: the target sees no SSH login.
func TestPackagesHostileInputsRefusedAtPrepare(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	p := harness.NewPacker(t)
	cases := map[string]struct{ body, want string }{
		"trusted with a key": {fmt.Sprintf(`repositories {
      line    = "[trusted=yes] %s ./"
      key_url = %q
    }`, tg.Repos.AptSigned, tg.Repos.KeyURL(tg.Repos.RepoKey)), "excludes key_url"},
		"key_url file:": {fmt.Sprintf(`repositories {
      url     = %q
      key_url = "file:///etc/apt/trusted.gpg"
    }`, tg.Repos.AptSigned), `scheme "file"`},
		// The fixture key over plain http, not pinned: anyone on the path could swap it.
		"plain-http key_url": {fmt.Sprintf(`repositories {
      url     = %q
      key_url = %q
    }`, tg.Repos.AptSigned, strings.Replace(tg.Repos.KeyURL(tg.Repos.RepoKey), "http://", "http://T0KEN@", 1)),
			`key_url: "http://***@` + strings.TrimPrefix(tg.Repos.KeyURL(tg.Repos.RepoKey), "http://") + `" is plain http, so anyone on the path could replace the key: use https, or pin the key with key_fingerprint`},
		"not a key": {fmt.Sprintf(`repositories {
      url      = %q
      key_file = "/etc/hostname"
    }`, tg.Repos.AptSigned), "not an OpenPGP public key"},
		"conflicting versions": {`packages = "hello-svc=1.0.0-h5 hello-svc=1.0.1-h6"`, "different versions of hello-svc"},
		"unit with a space":    {`services = ["hello svc"]`, `services: "hello svc"`},
	}
	before := sshLogins(t, tg)
	for name, c := range cases {
		out, err := buildHCL(t, p, tg, "root", c.body)
		mustFail(t, out, err, c.want)
		if strings.Contains(out, "T0KEN") {
			t.Errorf("%s: the output holds the key_url's token:\n%s", name, out)
		}
		if strings.Contains(out, "inspect target") {
			t.Errorf("%s: the provisioner reached the target:\n%s", name, out)
		}
	}
	if after := sshLogins(t, tg); after != before {
		t.Errorf("%d SSH logins reached the target during the refused builds", after-before)
	}
}

// dnf expands $basearch in a baseurl: the provisioner passes it through.
func TestPackagesRPMBaseurlWithDnfVariable(t *testing.T) {
	tg := harness.NewTarget(t, harness.RPM)
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-svc-1.0.0-h5"`, tg.Repos.BaseURL+harness.RPMByArchPath+"$basearch/", tg.Repos.KeyURL(tg.Repos.RPMKey), tg.Repos.RPMKey.Fingerprint))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	assertCleanedUp(t, tg)
}

// `packer validate` of example/local, without -evaluate-datasources: the
// provisioner's packages come from the data source and are unknown.
func TestLocalExampleValidates(t *testing.T) {
	// validate reads the SSH key; any key does, the host is never reached.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := harness.NewPacker(t).Validate(t, filepath.Join(repoDir(t), "example", "local"),
		"-var", "ssh_host=192.0.2.1",
		"-var", "ssh_private_key_file="+keyFile,
		"-var", "repo_url=http://192.0.2.1/apt/",
		"-var", "repo_key_url=https://192.0.2.1/keys/repo.asc",
		"-var", "repo_key_fingerprint=")
	if err != nil {
		t.Fatalf("packer validate: %v\n%s", err, out)
	}
	// A plain-http key_url needs key_fingerprint: validate already says so
	// once the data source has run (otherwise the provisioner waits for the
	// build to know its packages).
	validatePlainHTTPKey := func(fingerprint string) (string, error) {
		return harness.NewPacker(t).Validate(t, filepath.Join(repoDir(t), "example", "local"),
			"-evaluate-datasources",
			"-var", "ssh_host=192.0.2.1",
			"-var", "ssh_private_key_file="+keyFile,
			"-var", "repo_url=http://192.0.2.1/apt/",
			"-var", "repo_key_url=http://192.0.2.1/keys/repo.asc",
			"-var", "repo_key_fingerprint="+fingerprint)
	}
	out, err = validatePlainHTTPKey("")
	mustFail(t, out, err, `repositories[0].key_url: "http://192.0.2.1/keys/repo.asc" is plain http`, "key_fingerprint")
	out, err = validatePlainHTTPKey("0123456789ABCDEF0123456789ABCDEF01234567")
	if err != nil {
		t.Fatalf("packer validate with a pinned plain-http key: %v\n%s", err, out)
	}
}

// A package list of thousands of pinned tokens, longer than Linux allows
// for one argument (128 KiB): the list reaches the target as an uploaded
// file (`--args FILE`), and apt installs every package in one transaction.
func TestPackagesThousandsOfTokensTravelAsAFile(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	t.Setenv("PACKER_LOG", "1")
	tokens := append(harness.BulkTokens(), "hello-svc=1.0.0-h5")
	list := strings.Join(tokens, " ")
	if len(list) <= 128<<10 {
		t.Fatalf("the package list is %d bytes; it must exceed 128 KiB to prove anything", len(list))
	}
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
      name            = "bulk"
    }
    repositories {
      url             = %q
      key_url         = %q
      key_fingerprint = %q
      name            = "fixtures"
    }
    packages      = %q
    install_order = "single_transaction"`,
		tg.Repos.AptBulk, tg.Repos.KeyURL(tg.Repos.RepoKey), tg.Repos.RepoKey.Fingerprint,
		tg.Repos.AptSigned, tg.Repos.KeyURL(tg.Repos.RepoKey), tg.Repos.RepoKey.Fingerprint, list))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	wantVersion(t, tg, harness.BulkPackage(0), harness.BulkVersion)
	wantVersion(t, tg, harness.BulkPackage(harness.BulkCount-1), harness.BulkVersion)
	installed := tg.MustRun(t, `dpkg-query -W -f='${db:Status-Status} ${Version}\n' 'spinnaker-bulk-fixture-*' | grep -cx 'installed `+harness.BulkVersion+`'`)
	if n := strings.TrimSpace(installed); n != fmt.Sprint(harness.BulkCount) {
		t.Errorf("%s bulk packages installed, want %d", n, harness.BulkCount)
	}
	// The communicator logs each upload: the list went up as an arguments
	// file at least as long as the list itself (no single argument of a
	// command line could have carried it).
	var largest int
	for _, m := range argsUpload.FindAllStringSubmatch(out, -1) {
		if n, _ := strconv.Atoi(m[1]); n > largest {
			largest = n
		}
	}
	if largest < len(list) {
		t.Errorf("the largest arguments file uploaded holds %d bytes; the package list has %d", largest, len(list))
	}
	assertCleanedUp(t, tg)
}

// argsUpload matches the SSH communicator's debug line for the upload of a
// step's arguments file (batch.go) and captures its size.
var argsUpload = regexp.MustCompile(`scp: Uploading args-[0-9]+: perms=C[0-7]+ size=([0-9]+)`)

// apt's mirror method with a local mirror list (`mirror+file:`) is
// accepted and works: apt reads the list on the target and fetches the
// signed repository from the mirror it names.
func TestPackagesDebMirrorFile(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	const mirrors = "/etc/apt/e2e-mirrors.txt"
	tg.WriteFile(t, mirrors, tg.Repos.AptSigned+"\n", 0o644)
	before := len(tg.Repos.Requests("/apt/"))
	out, err := buildHCL(t, harness.NewPacker(t), tg, "root", fmt.Sprintf(`
    repositories {
      url             = "mirror+file:%s"
      key_url         = %q
      key_fingerprint = %q
    }
    packages = "hello-svc=1.0.0-h5"`, mirrors, tg.Repos.KeyURL(tg.Repos.RepoKey), tg.Repos.RepoKey.Fingerprint))
	mustSucceed(t, out, err)
	wantVersion(t, tg, "hello-svc", "1.0.0-h5")
	var debs int
	for _, r := range tg.Repos.Requests("/apt/")[before:] {
		if strings.HasSuffix(r.Path, ".deb") && r.Status == 200 {
			debs++
		}
	}
	if debs == 0 {
		t.Error("no .deb was fetched from the mirror the list names")
	}
	assertCleanedUp(t, tg)
}
