package ebs

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// cacheFixture is a prepared builder whose EC2 is a loopback fake, reached
// through the real client construction (amazon-ebs's access configuration
// and custom_endpoint_ec2).
type cacheFixture struct {
	fake    *ec2fake.Server
	compute *ec2fake.Compute
	builder *Builder
	ui      *packersdk.BasicUi
	out     *bytes.Buffer
}

func newCacheFixture(t testing.TB, set map[string]interface{}) *cacheFixture {
	t.Helper()
	fake := ec2fake.New(ec2fake.Options{})
	compute := ec2fake.EnableCompute(fake, ec2fake.ComputeOptions{ImagePendingFor: 100 * time.Millisecond, TransitionDelay: 50 * time.Millisecond})
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { srv.Close(); compute.Close() })
	fake.AddImage("us-east-1", ec2fake.Image{ID: "ami-0123456789abcdef0", Name: "debian-base"})

	m := minimal()
	m["ami_regions"] = []interface{}{"eu-west-1"}
	m["access_key"], m["secret_key"] = "AKIDFAKE", "fake-secret"
	m["custom_endpoint_ec2"] = srv.URL
	m["skip_credential_validation"] = true
	m["skip_metadata_api_check"] = true
	m["aws_polling"] = map[string]interface{}{"delay_seconds": 1, "max_attempts": 10}
	for k, v := range set {
		if v == nil {
			delete(m, k) // nil removes an option of minimal()
			continue
		}
		m[k] = v
	}
	b := &Builder{pollInterval: 50 * time.Millisecond}
	if _, _, err := b.Prepare(m); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	var out bytes.Buffer
	ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
	return &cacheFixture{fake: fake, compute: compute, builder: b, ui: ui, out: &out}
}

// addKeyImage adds an available image carrying the key and the builder's
// image spec in region, with a root snapshot.
func (f *cacheFixture) addKeyImage(region, name string) string {
	return f.compute.AddImage(region, ec2fake.Image{Name: name, Tags: map[string]string{
		DefaultKeyTag: testKey, DefaultSpecTag: f.builder.config.specDigest, "appversion": "app-1.0-h1",
	}}).ID
}

// cloud connects to the fixture's fake as Run does.
func (f *cacheFixture) cloud(t *testing.T) *cloud {
	t.Helper()
	cl, err := connect(context.Background(), &f.builder.config)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// identity is what the fixture's builder looks up.
func (f *cacheFixture) identity() identity {
	return identity{KeyTag: DefaultKeyTag, Key: testKey, Spec: f.builder.config.specDigest}
}

// callCounts counts the recorded calls per action.
func (f *cacheFixture) callCounts() map[string]int {
	calls := map[string]int{}
	for _, c := range f.fake.Calls() {
		calls[c.Action]++
	}
	return calls
}

// run runs the builder with a hook that fails the test if a provisioner
// would run.
func (f *cacheFixture) run(t *testing.T) (packersdk.Artifact, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hook := &packersdk.MockHook{}
	art, err := f.builder.Run(ctx, f.ui, hook)
	if hook.RunCalled {
		t.Errorf("the provisioner hook ran")
	}
	return art, err
}

// log is the build output as Packer would print it, artifact summary included.
func (f *cacheFixture) log(art packersdk.Artifact) string {
	s := f.out.String()
	if art != nil {
		s += "==> Builds finished. The artifacts of successful builds are:\n--> spinnaker-ebs.app: " + art.String()
	}
	return s
}

func TestRunReusesWhenEveryRegionHasTheKey(t *testing.T) {
	f := newCacheFixture(t, nil)
	us := f.addKeyImage("us-east-1", "app-1")
	eu := f.addKeyImage("eu-west-1", "app-1")
	f.fake.ResetCalls()

	art, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	want := "AMIs were created:\neu-west-1: " + eu + "\nus-east-1: " + us + "\n"
	if art.String() != want {
		t.Errorf("String() = %q, want %q", art.String(), want)
	}
	if !strings.Contains(f.out.String(), ReusedMessage) {
		t.Errorf("output lacks %q:\n%s", ReusedMessage, f.out.String())
	}
	// Per region: the lookup and the check that the image is still there.
	if calls := f.callCounts(); calls["DescribeImages"] != 4 || len(calls) != 1 {
		t.Errorf("EC2 calls on a cache hit = %v, want 4 DescribeImages only", calls)
	}
	for region, id := range map[string]string{"us-east-1": us, "eu-west-1": eu} {
		got, err := rosco.ScrapeLog(region, f.log(art))
		if err != nil || got.AMI != id {
			t.Errorf("Rosco scrapes %q for %s (err %v), want %s", got.AMI, region, err, id)
		}
	}
	if err := art.Destroy(); err != nil {
		t.Fatal(err)
	}
	if n := len(f.fake.Images("us-east-1")) + len(f.fake.Images("eu-west-1")); n != 3 {
		t.Errorf("Destroy of a reused artifact removed images: %d left, want 3", n)
	}
}

func TestRunCopiesToTheMissingRegion(t *testing.T) {
	f := newCacheFixture(t, nil)
	us := f.addKeyImage("us-east-1", "app-1")
	f.fake.ResetCalls()

	art, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	eu := f.fake.Images("eu-west-1")
	if len(eu) != 1 || eu[0].State != "available" || eu[0].Tags[DefaultKeyTag] != testKey || eu[0].Tags["appversion"] != "app-1.0-h1" || eu[0].Name != "app-1" {
		t.Fatalf("eu-west-1 images = %+v", eu)
	}
	if want := "AMIs were created:\neu-west-1: " + eu[0].ID + "\nus-east-1: " + us + "\n"; art.String() != want {
		t.Errorf("String() = %q, want %q", art.String(), want)
	}
	if n := f.fake.CallCount("CopyImage"); n != 1 {
		t.Errorf("CopyImage calls = %d, want 1", n)
	}
	if n := f.fake.CallCount("RunInstances") + f.fake.CallCount("DescribeInstances"); n != 0 {
		t.Errorf("a copy looked at or launched instances (%d calls)", n)
	}
	if kps := f.compute.KeyPairs(); len(kps) != 0 {
		t.Errorf("the copy's claim is left: %v", kps)
	}
}

func TestRunWaitsForTheClaimHolderAndReusesItsImage(t *testing.T) {
	f := newCacheFixture(t, nil)
	held, _, err := tryClaim(context.Background(), f.cloud(t), f.identity(), "otherbuild", time.Minute, time.Now())
	if err != nil || held == nil {
		t.Fatalf("claim: %v, %v", held, err)
	}
	done := make(chan [2]string, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		us := f.addKeyImage("us-east-1", "app-1")
		eu := f.addKeyImage("eu-west-1", "app-1")
		if err := held.release(); err != nil {
			t.Error(err)
		}
		done <- [2]string{us, eu}
	}()
	art, err := f.run(t)
	if err != nil {
		t.Fatal(err)
	}
	ids := <-done
	if want := "AMIs were created:\neu-west-1: " + ids[1] + "\nus-east-1: " + ids[0] + "\n"; art.String() != want {
		t.Errorf("String() = %q, want %q", art.String(), want)
	}
	if !strings.Contains(f.out.String(), "Another build is baking or copying the same key") || !strings.Contains(f.out.String(), ReusedMessage) {
		t.Errorf("output does not tell about the wait and the reuse:\n%s", f.out.String())
	}
	if n := f.fake.CallCount("RunInstances"); n != 0 {
		t.Errorf("RunInstances calls = %d, want 0", n)
	}
	if kps := f.compute.KeyPairs(); len(kps) != 0 {
		t.Errorf("key pairs left: %v", kps)
	}
}

func TestRunTakesOverAStaleClaim(t *testing.T) {
	f := newCacheFixture(t, nil)
	// A holder killed with SIGKILL: its claim expired an hour ago and
	// nobody renews it.
	stale, _, err := tryClaim(context.Background(), f.cloud(t), f.identity(), "killedbuild", 2*time.Hour, time.Now().Add(-3*time.Hour))
	if err != nil || stale == nil {
		t.Fatalf("claim: %v, %v", stale, err)
	}
	_, err = f.run(t)
	bakeAttempted(t, f, err)
	if !strings.Contains(f.out.String(), "Removed the stale claim of build killedbuild") {
		t.Errorf("output does not tell about the takeover:\n%s", f.out.String())
	}
	if n := f.fake.CallCount("DeleteKeyPair"); n < 2 {
		t.Errorf("DeleteKeyPair calls = %d, want the stale claim's and this build's own", n)
	}
	for _, kp := range f.compute.KeyPairs() {
		if strings.HasPrefix(kp, claimPrefix) {
			t.Errorf("claim left: %s", kp)
		}
	}
}

// bakeAttempted tells a bake from a reuse without a machine to bake on: the
// fake has no launcher, so amazon-ebs's instance never starts and the bake
// fails with amazon-ebs's own error.
func bakeAttempted(t *testing.T, f *cacheFixture, err error) {
	t.Helper()
	if n := f.fake.CallCount("RunInstances"); n != 1 {
		t.Errorf("RunInstances calls = %d, want 1 (a bake)", n)
	}
	if err == nil || !strings.Contains(err.Error(), "Error waiting for instance") {
		t.Errorf("err = %v, want amazon-ebs's own error", err)
	}
}

func TestRunBakesWhenTheClaimHolderOutlastsTheWait(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"wait_for_inflight": "200ms"})
	held, _, err := tryClaim(context.Background(), f.cloud(t), f.identity(), "slowbuild", time.Hour, time.Now())
	if err != nil || held == nil {
		t.Fatalf("claim: %v, %v", held, err)
	}
	t.Cleanup(func() { _ = held.release() })
	_, err = f.run(t)
	bakeAttempted(t, f, err)
	if !strings.Contains(f.out.String(), "still holds the claim after wait_for_inflight") {
		t.Errorf("output does not say the wait ran out:\n%s", f.out.String())
	}
}

func TestRunBakesOnRebakeAndForce(t *testing.T) {
	for name, set := range map[string]map[string]interface{}{
		"rebake": {"rebake": true},
		"force":  {"packer_force": true},
	} {
		t.Run(name, func(t *testing.T) {
			f := newCacheFixture(t, set)
			f.addKeyImage("us-east-1", "app-0")
			f.addKeyImage("eu-west-1", "app-0")
			_, err := f.run(t)
			bakeAttempted(t, f, err)
			// Images with the key exist: the build must not claim none does.
			if !strings.Contains(f.out.String(), "Rebake requested") || strings.Contains(f.out.String(), "Baking: no image carries") {
				t.Errorf("output:\n%s", f.out.String())
			}
			for _, c := range f.fake.Calls() {
				if c.Action == "CreateKeyPair" && strings.HasPrefix(c.Form.Get("KeyName"), claimPrefix) {
					t.Errorf("a rebake claimed the key: %v", c.Form)
				}
			}
		})
	}
}

func TestFailedBakeCleansUpOnlyItsOwnImages(t *testing.T) {
	f := newCacheFixture(t, nil)
	// A failed image this build made (its run tags carry the build id), and
	// one another build of the same key made.
	own := f.fake.AddImage("us-east-1", ec2fake.Image{Name: "app-this-try", State: "failed", Tags: map[string]string{DefaultKeyTag: testKey, BuildIDTag: f.builder.config.buildID}})
	other := f.fake.AddImage("us-east-1", ec2fake.Image{Name: "app-other-try", State: "failed", Tags: map[string]string{DefaultKeyTag: testKey, BuildIDTag: "0123456789abcdef"}})
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	left := map[string]bool{}
	for _, img := range f.fake.Images("us-east-1") {
		left[img.ID] = true
	}
	if left[own.ID] || !left[other.ID] {
		t.Errorf("after the failed bake: own failed image left %v (want false), other build's left %v (want true)", left[own.ID], left[other.ID])
	}
}

func TestRunBakesWhenOnlyTheImageSpecDiffers(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{"encrypt_boot": true})
	// Images of the same key baked without encrypt_boot.
	plain := newCacheFixture(t, nil).builder.config.specDigest
	if plain == f.builder.config.specDigest {
		t.Fatal("encrypt_boot does not change the image spec")
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		f.compute.AddImage(region, ec2fake.Image{Name: "app-plain", Tags: map[string]string{DefaultKeyTag: testKey, DefaultSpecTag: plain}})
	}
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	if strings.Contains(f.out.String(), ReusedMessage) {
		t.Errorf("an unencrypted image was reused for encrypt_boot:\n%s", f.out.String())
	}
}

func TestRunCopyKeepsEncryptionAndSharing(t *testing.T) {
	f := newCacheFixture(t, map[string]interface{}{
		"encrypt_boot":       true,
		"region_kms_key_ids": map[string]interface{}{"eu-west-1": "alias/eu"},
		"ami_users":          []interface{}{"210987654321"},
	})
	f.addKeyImage("us-east-1", "app-1")
	f.fake.ResetCalls()
	if _, err := f.run(t); err != nil {
		t.Fatal(err)
	}
	var copyForm, shareForm map[string][]string
	for _, c := range f.fake.Calls() {
		switch c.Action {
		case "CopyImage":
			copyForm = c.Form
		case "ModifyImageAttribute":
			shareForm = c.Form
		}
	}
	if copyForm == nil || copyForm["Encrypted"][0] != "true" || copyForm["KmsKeyId"][0] != "alias/eu" {
		t.Errorf("CopyImage form = %v, want Encrypted=true KmsKeyId=alias/eu", copyForm)
	}
	if shareForm == nil || shareForm["LaunchPermission.Add.1.UserId"][0] != "210987654321" {
		t.Errorf("ModifyImageAttribute form = %v, want the copy shared with 210987654321", shareForm)
	}
}

func TestRunBakesWithoutTheClaimWhenCreateKeyPairIsDenied(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.fake.InjectFault(ec2fake.Fault{Action: "CreateKeyPair", Code: "UnauthorizedOperation", Times: 1})
	_, err := f.run(t)
	bakeAttempted(t, f, err)
	if !strings.Contains(f.out.String(), "baking or copying without the claim") {
		t.Errorf("output does not say the claim was skipped:\n%s", f.out.String())
	}
}
