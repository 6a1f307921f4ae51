package packages

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

var _ packersdk.Ui = (*recordingUI)(nil)
var _ packersdk.Communicator = (*fakeComm)(nil)

// fakeDebDir is where the fake apt downloads the solution.
const fakeDebDir = "/var/cache/apt/spinnaker-packages-x"

const testPassword = "s3cr3t-Pa55"

// testKey and otherKey are real OpenPGP public keys (ed25519, generated for
// these tests); testKeyFingerprint is testKey's.
var (
	testKey            = readTestdata("repo.asc")
	otherKey           = readTestdata("other.asc")
	testKeyFingerprint = strings.TrimSpace(readTestdata("repo.fpr"))
)

func readTestdata(name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(data)
}

func sshData() map[string]interface{} { return map[string]interface{}{"ConnType": "ssh"} }

// debTarget answers like a healthy booted Debian target where apt chose
// hello-lib and hello-svc for the request.
func debTarget(overrides map[string]func(n int) fakeReply) func(string, int) fakeReply {
	return func(cmd string, n int) fakeReply {
		key := stepKey(cmd)
		if f, ok := overrides[key]; ok {
			return f(n)
		}
		switch key {
		case "detect":
			return fakeReply{Stdout: detectOutput()}
		case "apt_update":
			return fakeReply{Stdout: "Get:1 http://10.0.0.1:8080/apt ./ InRelease [1 kB]\nReading package lists...\n"}
		case "apt_resolve":
			// apt's solution is what it downloaded into the bake's directory.
			return fakeReply{Stdout: "Get:1 http://10.0.0.1:8080/apt ./ hello-lib 1.0.0-h5 [1 kB]\n" +
				"@@field File: " + fakeDebDir + "/hello-lib_1.0.0-h5_all.deb\n@@field Package: hello-lib\n@@field Version: 1.0.0-h5\n@@field Architecture: all\n@@field\n" +
				"@@field File: " + fakeDebDir + "/hello-svc_1.0.0-h5_all.deb\n@@field Package: hello-svc\n@@field Version: 1.0.0-h5\n@@field Architecture: all\n@@field Depends: hello-lib (= 1.0.0-h5)\n@@field\n"}
		case "verify":
			return fakeReply{Stdout: "@@package hello-svc ii |1.0.0-h5\n@@unit hello-svc.service enabled inactive\n"}
		}
		return fakeReply{}
	}
}

func preparedDeb(t *testing.T, extra map[string]interface{}) *Provisioner {
	t.Helper()
	raw := map[string]interface{}{
		"package_type": "deb",
		"packages":     "hello-svc=1.0.0-h5",
		"services":     []interface{}{"hello-svc"},
		"repositories": []interface{}{map[string]interface{}{"url": "http://builder:" + testPassword + "@10.0.0.1:8080/apt/", "key": testKey}},
		"lock_timeout": "3s",
	}
	for k, v := range extra {
		raw[k] = v
	}
	var p Provisioner
	if err := p.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	return &p
}

// provision runs Provision with a short retry pause.
func provision(ctx context.Context, p *Provisioner, comm *fakeComm) (*recordingUI, error) {
	ui := &recordingUI{}
	err := p.Provision(ctx, ui, comm, sshData())
	return ui, err
}

func TestProvisionDebOrderedFlow(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(nil))
	ui, err := provision(context.Background(), p, comm)
	if err != nil {
		t.Fatalf("Provision: %v\n%s", err, ui.text())
	}
	want := []string{"detect", "prepare", "apt_update", "apt_resolve", "dpkg_groups", "enable", "verify", "cleanup"}
	if got := comm.steps(); !reflect.DeepEqual(got, want) {
		t.Errorf("steps = %q\nwant    %q", got, want)
	}
	// One dpkg transaction: hello-svc with its new dependency, which is
	// then marked automatically installed.
	for _, c := range comm.Commands {
		if stepKey(c) == "dpkg_groups" && !strings.HasSuffix(c, "'--group' 'hello-lib=1.0.0-h5(dependency),hello-svc=1.0.0-h5' '"+fakeDebDir+"/hello-lib_1.0.0-h5_all.deb' '"+fakeDebDir+"/hello-svc_1.0.0-h5_all.deb' '--auto' 'hello-lib'") {
			t.Errorf("dpkg command %q", c)
		}
		if stepKey(c) == "apt_resolve" && !strings.Contains(c, "'apt_resolve' 'scoped' 'hello-svc=1.0.0-h5'") {
			t.Errorf("resolve command %q", c)
		}
		if stepKey(c) == "apt_update" && !strings.HasSuffix(c, "'scoped'") {
			t.Errorf("fresh lists should give a scoped update: %q", c)
		}
		if strings.Contains(c, testPassword) {
			t.Errorf("command line holds the password: %q", c)
		}
	}
	script := comm.Uploads[fakeStage+"/run.sh"]
	if script == "" {
		t.Fatal("bake script not uploaded to the staging directory")
	}
	if !strings.Contains(script, "ALLOW_DOWNGRADES='1'") || !strings.Contains(script, "LOCK_TIMEOUT='3'") {
		t.Errorf("script data missing:\n%s", script[:600])
	}
	out := ui.text()
	if strings.Contains(out, testPassword) {
		t.Errorf("UI output holds the password:\n%s", out)
	}
	if strings.Contains(out, "@@") {
		t.Errorf("data lines shown to the user:\n%s", out)
	}
	for _, wantLine := range []string{"repository=http://***@10.0.0.1:8080/apt/\n", "package_type=deb", "packages=hello-svc=1.0.0-h5", "upgrade=", "hello-svc.service  enabled", "cleanup"} {
		if !strings.Contains(out, wantLine) {
			t.Errorf("UI output lacks %q:\n%s", wantLine, out)
		}
	}
}

func TestProvisionRemovalFallsBackToApt(t *testing.T) {
	p := preparedDeb(t, map[string]interface{}{"packages": "hello-svc=1.0.0-h5 hello-auto"})
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"apt_resolve": func(int) fakeReply {
		return fakeReply{Stderr: "E: Packages need to be removed but remove is disabled.\n", Exit: 100}
	}, "verify": func(int) fakeReply {
		return fakeReply{Stdout: "@@package hello-svc ii |1.0.0-h5\n@@package hello-auto ii |1.0.0-h5\n@@unit hello-svc.service enabled inactive\n"}
	}}))
	ui, err := provision(context.Background(), p, comm)
	if err != nil {
		t.Fatalf("Provision: %v\n%s", err, ui.text())
	}
	want := []string{"detect", "prepare", "apt_update", "apt_resolve", "apt_install", "apt_install", "enable", "verify", "cleanup"}
	if got := comm.steps(); !reflect.DeepEqual(got, want) {
		t.Errorf("steps = %q\nwant    %q", got, want)
	}
	var installs []string
	for _, c := range comm.Commands {
		if stepKey(c) == "apt_install" {
			installs = append(installs, c[strings.Index(c, "'apt_install'"):])
		}
	}
	if want := []string{"'apt_install' 'hello-svc=1.0.0-h5'", "'apt_install' 'hello-auto'"}; !reflect.DeepEqual(installs, want) {
		t.Errorf("installs %q, want %q (one apt-get per package, in order)", installs, want)
	}
}

func TestProvisionSingleTransaction(t *testing.T) {
	p := preparedDeb(t, map[string]interface{}{"install_order": "single_transaction", "apt_update": "full"})
	comm := newFakeComm(debTarget(nil))
	if _, err := provision(context.Background(), p, comm); err != nil {
		t.Fatal(err)
	}
	// One resolution, then one dpkg transaction for the whole solution.
	want := []string{"detect", "prepare", "apt_update", "apt_resolve", "dpkg_groups", "enable", "verify", "cleanup"}
	if got := comm.steps(); !reflect.DeepEqual(got, want) {
		t.Errorf("steps = %q, want %q", got, want)
	}
	if !strings.HasSuffix(comm.Commands[2], "'full'") {
		t.Errorf("apt_update = %q, want full", comm.Commands[2])
	}
	for _, c := range comm.Commands {
		if stepKey(c) == "dpkg_groups" && strings.Count(c, "'--group'") != 1 {
			t.Errorf("single transaction installs in %d dpkg transactions: %s", strings.Count(c, "'--group'"), c)
		}
	}
}

func TestProvisionScopedResolveFallsBackToAllSources(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"apt_resolve": func(n int) fakeReply {
		if n == 0 {
			return fakeReply{Stderr: "E: Unable to correct problems, you have held broken packages.\n", Exit: 100}
		}
		return debTarget(nil)("sh run.sh' 'apt_resolve' 'full'", 0)
	}}))
	ui, err := provision(context.Background(), p, comm)
	if err != nil {
		t.Fatalf("%v\n%s", err, ui.text())
	}
	var scopes []string
	for _, c := range comm.Commands {
		if stepKey(c) == "apt_resolve" {
			scopes = append(scopes, strings.Fields(c[strings.Index(c, "'apt_resolve'"):])[1])
		}
	}
	if want := []string{"'scoped'", "'full'"}; !reflect.DeepEqual(scopes, want) {
		t.Errorf("resolutions %q, want %q", scopes, want)
	}
	want := []string{"detect", "prepare", "apt_update", "apt_resolve", "apt_resolve", "dpkg_groups", "enable", "verify", "cleanup"}
	if got := comm.steps(); !reflect.DeepEqual(got, want) {
		t.Errorf("steps = %q\nwant    %q (the installs follow the wider resolution)", got, want)
	}
	if !strings.Contains(ui.text(), "resolve and download (all sources)") {
		t.Errorf("the second resolution is not announced:\n%s", ui.text())
	}
}

func TestProvisionFailureRunsCleanup(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{
		"dpkg_groups": func(int) fakeReply {
			return fakeReply{Stdout: "@@phase install hello-lib=1.0.0-h5(dependency),hello-svc=1.0.0-h5\n", Stderr: "dpkg: error processing package hello-svc (--configure):\n installed hello-svc package post-installation script subprocess returned error exit status 1\n", Exit: 1}
		},
	}))
	ui, err := provision(context.Background(), p, comm)
	if !strings.Contains(ui.text(), "] install hello-lib=1.0.0-h5(dependency), hello-svc=1.0.0-h5") {
		t.Errorf("group not announced:\n%s", ui.text())
	}
	if err == nil || !strings.Contains(err.Error(), "post-installation script subprocess returned error") || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("error = %v", err)
	}
	steps := comm.steps()
	if steps[len(steps)-1] != "cleanup" {
		t.Errorf("cleanup did not run last: %q", steps)
	}
	for _, s := range steps {
		if s == "enable" || s == "verify" {
			t.Errorf("step %s ran after a failed install", s)
		}
	}
}

func TestProvisionCancelRunsCleanup(t *testing.T) {
	p := preparedDeb(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{
		"apt_resolve": func(int) fakeReply { close(started); return fakeReply{Block: true} },
	}))
	defer close(comm.blocked)
	go func() { <-started; cancel() }()
	_, err := provision(ctx, p, comm)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("error = %v", err)
	}
	steps := comm.steps()
	if steps[len(steps)-1] != "cleanup" {
		t.Errorf("cleanup did not run after cancel: %q", steps)
	}
}

// lockedApt is apt's answer when another process holds the dpkg lock past
// DPkg::Lock::Timeout (or on apt versions without it).
var lockedApt = fakeReply{Stderr: "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42 (unattended-upgr)\n", Exit: 100}

// lockedLists is remote.sh's answer when another process (apt-daily's
// update) held apt's lists lock past lock_timeout.
var lockedLists = fakeReply{Stdout: "spinnaker-packages: the apt lists lock was held by another process for longer than lock_timeout (1s)\n",
	Stderr: "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 42 (apt-get)\nE: Unable to lock directory /var/lib/apt/lists/\n", Exit: 100}

func TestProvisionLockTimeout(t *testing.T) {
	for step, reply := range map[string]fakeReply{"apt_resolve": lockedApt, "apt_update": lockedLists} {
		p := preparedDeb(t, map[string]interface{}{"lock_timeout": "1s", "install_order": "single_transaction"})
		comm := newFakeComm(debTarget(map[string]func(int) fakeReply{
			step: func(int) fakeReply { return reply },
		}))
		_, err := provisionFast(p, comm)
		// The provisioner names the lock itself, whatever the tail of the output.
		if err == nil || !strings.Contains(err.Error(), "the package manager lock was held by another process for longer than lock_timeout (1s)") {
			t.Fatalf("%s: error = %v", step, err)
		}
		// apt or remote.sh waited: the provisioner does not wait again.
		if n := strings.Count(strings.Join(comm.steps(), " "), step); n != 1 {
			t.Errorf("%s ran %d times, want 1", step, n)
		}
		if s := comm.steps(); s[len(s)-1] != "cleanup" {
			t.Errorf("%s: no cleanup: %q", step, s)
		}
	}
}

func TestProvisionFetchFailureOfOwnSource(t *testing.T) {
	p := preparedDeb(t, nil)
	failing := func(int) fakeReply {
		// apt exits 0 after a failed fetch.
		return fakeReply{Stdout: "Err:1 http://10.0.0.1:8080/apt ./ InRelease\n  Could not connect to 10.0.0.1:8080 (10.0.0.1). - connect (111: Connection refused)\n", Stderr: "W: Failed to fetch http://10.0.0.1:8080/apt/./InRelease  Could not connect to 10.0.0.1:8080 (10.0.0.1). - connect (111: Connection refused)\n"}
	}
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"apt_update": failing}))
	start := time.Now()
	_, err := provisionFast(p, comm)
	if err == nil || !strings.Contains(err.Error(), "could not be fetched") || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("error = %v", err)
	}
	// apt retried the fetch itself (Acquire::Retries): no second update.
	if n := strings.Count(strings.Join(comm.steps(), " "), "apt_update"); n != 1 {
		t.Errorf("update tried %d times, want 1", n)
	}
	if s := comm.steps(); s[len(s)-1] != "cleanup" {
		t.Errorf("no cleanup: %q", s)
	}
	_ = start
}

func TestProvisionSignatureErrorIsNotRetried(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"apt_update": func(int) fakeReply {
		return fakeReply{Stderr: "E: The repository 'http://10.0.0.1:8080/apt ./ Release' is not signed.\n", Exit: 100}
	}}))
	_, err := provisionFast(p, comm)
	if err == nil || !strings.Contains(err.Error(), "is not signed") {
		t.Fatalf("error = %v", err)
	}
	if n := strings.Count(strings.Join(comm.steps(), " "), "apt_update"); n != 1 {
		t.Errorf("update tried %d times, want 1", n)
	}
}

// provisionFast runs a bake directly.
func provisionFast(p *Provisioner, comm *fakeComm) (*recordingUI, error) {
	ui := &recordingUI{}
	b := &provisionRun{inputs: p.inputs, req: p.req, secrets: &p.req.secrets, start: time.Now(), id: "t"}
	b.ui = safeUI{ui: ui, secrets: b.secrets}
	b.rm = &remote{comm: comm, ui: b.ui}
	err := b.perform(context.Background())
	return ui, err
}

func TestProvisionVerificationMismatch(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"verify": func(n int) fakeReply {
		return fakeReply{Stdout: "@@package hello-svc ii |1.0.1-h6\n@@unit hello-svc.service enabled active\n"}
	}}))
	_, err := provision(context.Background(), p, comm)
	if err == nil || !strings.Contains(err.Error(), "hello-svc: installed version 1.0.1-h6, requested 1.0.0-h5") || !strings.Contains(err.Error(), "hello-svc.service is active") {
		t.Fatalf("error = %v", err)
	}
}

func TestProvisionSudo(t *testing.T) {
	p := preparedDeb(t, nil)
	user := func(n int) fakeReply {
		return fakeReply{Stdout: strings.Replace(detectOutput(), "uid=0", "uid=1000", 1)}
	}
	comm := newFakeComm(debTarget(map[string]func(int) fakeReply{"detect": user}))
	if _, err := provision(context.Background(), p, comm); err != nil {
		t.Fatal(err)
	}
	for _, c := range comm.Commands[2:] {
		if !strings.HasPrefix(c, "sudo -n 'sh' ") {
			t.Errorf("privileged command without sudo -n: %q", c)
		}
	}
	comm = newFakeComm(debTarget(map[string]func(int) fakeReply{"detect": user, "sudo-check": func(int) fakeReply {
		return fakeReply{Stderr: "sudo: a password is required\n", Exit: 1}
	}}))
	_, err := provision(context.Background(), p, comm)
	if err == nil || !strings.Contains(err.Error(), "passwordless sudo") {
		t.Fatalf("error = %v", err)
	}
	if got := comm.steps(); !reflect.DeepEqual(got, []string{"detect", "sudo-check", "rm-stage"}) {
		t.Errorf("steps = %q", got)
	}
}

func TestProvisionRefusesNoneCommunicator(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(nil))
	ui := &recordingUI{}
	err := p.Provision(context.Background(), ui, comm, map[string]interface{}{"ID": "x", "ConnType": "none"})
	if err == nil || !strings.Contains(err.Error(), `communicator = "none"`) {
		t.Fatalf("error = %v", err)
	}
	if len(comm.Commands) != 0 {
		t.Errorf("commands ran: %q", comm.Commands)
	}
}

// With communicator = "none" Packer sets no ConnType and its communicator runs
// nothing, printing nothing: the inspect step must notice instead of baking.
func TestProvisionNoticesACommunicatorThatRunsNothing(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(func(string, int) fakeReply { return fakeReply{} })
	err := p.Provision(context.Background(), &recordingUI{}, comm, map[string]interface{}{"ID": "x", "PackerRunUUID": "y"})
	if err == nil || !strings.Contains(err.Error(), `communicator = "none"`) {
		t.Fatalf("error = %v", err)
	}
}

// amazon-chroot (Rosco's chroot templates) has no communicator configuration,
// so Packer sets no ConnType; the bake must run all the same.
func TestProvisionRunsWithoutConnType(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(debTarget(nil))
	if err := p.Provision(context.Background(), &recordingUI{}, comm, map[string]interface{}{"ID": "x", "PackerRunUUID": "y"}); err != nil {
		t.Fatalf("Provision without ConnType: %v", err)
	}
	if got := comm.steps(); len(got) < 3 || got[0] != "detect" {
		t.Errorf("steps = %q, want the whole bake", got)
	}
}

func TestProvisionRPMOrdered(t *testing.T) {
	var p Provisioner
	err := p.Prepare(map[string]interface{}{
		"repository": "http://10.0.0.1:8080/rpm/",
		"packages":   "hello-lib-1.0.0-h5 hello-svc-1.0.0-h5",
		"services":   "hello-svc",
		"upgrade":    "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	comm := newFakeComm(func(cmd string, n int) fakeReply {
		switch stepKey(cmd) {
		case "detect":
			return fakeReply{Stdout: "uid=0\nrpm=1\ndnf=dnf\nsystemctl=1\nsudo=1\nstage=" + fakeStage + "\n"}
		case "verify":
			return fakeReply{Stdout: "@@package hello-lib ii|0:1.0.0-h5\n@@package hello-svc ii|0:1.0.0-h5\n@@unit hello-svc.service enabled not-booted\n"}
		}
		return fakeReply{}
	})
	ui, err := provision(context.Background(), &p, comm)
	if err != nil {
		t.Fatalf("%v\n%s", err, ui.text())
	}
	want := []string{"detect", "prepare", "dnf_refresh", "dnf_upgrade", "dnf_install", "dnf_install", "enable", "verify", "cleanup"}
	if got := comm.steps(); !reflect.DeepEqual(got, want) {
		t.Errorf("steps = %q, want %q", got, want)
	}
	script := comm.Uploads[fakeStage+"/run.sh"]
	if !strings.Contains(script, "DNF='dnf'") || !strings.Contains(script, "PKG_TYPE='rpm'") {
		t.Error("rpm script data missing")
	}
	if !strings.Contains(ui.text(), "chroot") {
		t.Error("non-booted target not reported")
	}
}

// dnf waits for ever on a lock another process holds; lock_timeout must end the wait.
func TestProvisionRPMLockTimeout(t *testing.T) {
	var p Provisioner
	if err := p.Prepare(map[string]interface{}{
		"repository":   "http://10.0.0.1:8080/rpm/",
		"packages":     "hello-svc-1.0.0-h5",
		"lock_timeout": "1s",
	}); err != nil {
		t.Fatal(err)
	}
	comm := newFakeComm(func(cmd string, n int) fakeReply {
		switch stepKey(cmd) {
		case "detect":
			return fakeReply{Stdout: "uid=0\nrpm=1\ndnf=dnf\nsystemctl=1\nsetsid=1\nstage=" + fakeStage + "\n"}
		case "dnf_install":
			// remote.sh ended dnf's wait (see TestDnfLockWaitEndsAfterLockTimeout).
			return fakeReply{Stdout: "Waiting for process with pid 4242 to finish.\nspinnaker-packages: a dnf lock (rpm database or metadata) was held by another process for longer than lock_timeout (1s)\n", Exit: 143}
		}
		return fakeReply{}
	})
	start := time.Now()
	ui, err := provision(context.Background(), &p, comm)
	if err == nil || !strings.Contains(err.Error(), "longer than lock_timeout (1s)") {
		t.Fatalf("error = %v\n%s", err, ui.text())
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("gave up after %s; lock_timeout is 1s", d)
	}
	if got := comm.steps(); got[len(got)-1] != "cleanup" {
		t.Errorf("steps = %q, want the cleanup last", got)
	}
}

// When the inspect output is unusable after the staging directory was made, the directory is
// removed all the same.
func TestProvisionRemovesTheStageWhenInspectFails(t *testing.T) {
	p := preparedDeb(t, nil)
	comm := newFakeComm(func(cmd string, n int) fakeReply {
		if stepKey(cmd) == "detect" {
			return fakeReply{Stdout: "garbled\nstage=" + fakeStage + "\n"}
		}
		return fakeReply{}
	})
	if _, err := provision(context.Background(), p, comm); err == nil {
		t.Fatal("Provision accepted unusable inspect output")
	}
	if got := comm.Commands[len(comm.Commands)-1]; got != "rm -rf '"+fakeStage+"'" {
		t.Errorf("last command = %q, want the staging directory removed", got)
	}
}

func TestFetchFailuresNeedTheWholePath(t *testing.T) {
	ours := []sourceRepo{{URL: mustURL("http://10.0.0.1:8080/deb"), Distribution: "./"}}
	other := "W: Failed to fetch http://10.0.0.1:8080/debian/dists/bookworm/InRelease  Could not connect"
	if got := fetchFailures([]string{other}, ours); len(got) != 0 {
		t.Errorf("a failure of /debian counted as one of /deb: %q", got)
	}
	mine := "W: Failed to fetch http://10.0.0.1:8080/deb/./InRelease  Could not connect"
	if got := fetchFailures([]string{mine}, ours); len(got) != 1 {
		t.Errorf("our own failure was missed: %q", got)
	}
}
