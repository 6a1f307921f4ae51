//go:build e2e

package e2e

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/builder-wrapper/ebs"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

// requestBuild runs testdata/request with the env's variables and extra.
func (e *ebsEnv) requestBuild(t testing.TB, extra ...string) (string, error) {
	t.Helper()
	return e.packer.Build(t, filepath.Join(repoDir(t), "test", "e2e", "testdata", "request"), append(e.varArgs(), extra...)...)
}

// specImages returns region -> images carrying the key and the spec tag.
func (e *ebsEnv) specImages(key, spec string) map[string][]ec2fake.Image {
	out := map[string][]ec2fake.Image{}
	for region, imgs := range e.keyImages(key) {
		for _, img := range imgs {
			if img.Tags[ebs.DefaultSpecTag] == spec {
				out[region] = append(out[region], img)
			}
		}
	}
	return out
}

// writeCalls counts the recorded calls that change something in EC2.
func (e *ebsEnv) writeCalls() map[string]int {
	out := map[string]int{}
	for action, n := range e.calls() {
		if !strings.HasPrefix(action, "Describe") {
			out[action] = n
		}
	}
	return out
}

// TestEBSCacheHitHonoursTheRequest: an encrypt_boot request does not reuse
// the unencrypted image of the same packages, and a hit applies the
// request's sharing, deprecation and new tags, once.
func TestEBSCacheHitHonoursTheRequest(t *testing.T) {
	e := newEBSEnv(t)
	var key string
	var plain map[string]string

	t.Run("plain bake", func(t *testing.T) {
		out, err := e.requestBuild(t)
		mustSucceed(t, out, err)
		key = bakeKeyOf(t, out)
		imgs := e.keyImages(key)
		if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
			t.Fatalf("images with the key: %+v", imgs)
		}
		plain = map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID}
	})
	if plain == nil {
		t.FailNow()
	}

	t.Run("encrypt_boot does not reuse the unencrypted image", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, "-var", "encrypt_boot=true")
		mustSucceed(t, out, err)
		if got := bakeKeyOf(t, out); got != key {
			t.Fatalf("key %s, want the plain build's %s: only the spec differs", got, key)
		}
		if strings.Contains(out, ebs.ReusedMessage) || e.calls()["RunInstances"] != 1 {
			t.Fatalf("an encrypt_boot request did not bake (calls %v):\n%s", e.calls(), out)
		}
		for _, region := range []string{buildRegion, copyRegion} {
			var encrypted []ec2fake.Image
			for _, img := range e.keyImages(key)[region] {
				if img.ID == plain[region] {
					continue
				}
				encrypted = append(encrypted, img)
				if len(img.BlockDevices) == 0 || !img.BlockDevices[0].Encrypted {
					t.Errorf("%s image %s of the encrypt_boot build is not encrypted: %+v", region, img.ID, img.BlockDevices)
				}
				if img.Tags[ebs.DefaultSpecTag] == "" {
					t.Errorf("%s image %s lacks the spec tag: %v", region, img.ID, img.Tags)
				}
			}
			if len(encrypted) != 1 {
				t.Errorf("%s: %d new images with the key, want 1", region, len(encrypted))
			}
		}
		// The unencrypted intermediate image amazon-ebs made is gone, and
		// never carried the key.
		for _, img := range e.fake.Images(buildRegion) {
			if img.Tags[keyTag] == key && img.ID != plain[buildRegion] && !img.BlockDevices[0].Encrypted {
				t.Errorf("unencrypted image %s with the key left", img.ID)
			}
		}
	})

	deprecate := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute).Add(20 * time.Second)
	shared := []string{
		"-var", `ami_users=["210987654321"]`, "-var", `snapshot_users=["210987654321"]`,
		"-var", "deprecate_at=" + deprecate.Format(time.RFC3339),
		"-var", `extra_tags={"team":"payments"}`, "-var", "appversion=hello-svc-9.9.9/hello-svc/99",
	}
	t.Run("a hit applies the request's sharing, deprecation and new tags", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, shared...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) || e.calls()["RunInstances"] != 0 {
			t.Fatalf("not a hit (calls %v):\n%s", e.calls(), out)
		}
		wantScraped(t, out, plain)
		if !strings.Contains(out, `keeps tag appversion = "hello-svc-1.0.1-h6/hello-svc/7" from the bake that made it`) {
			t.Errorf("the differing appversion is not reported:\n%s", out)
		}
		for region, id := range plain {
			img := imageByID(t, e.fake, region, id)
			if !slices.Contains(img.LaunchPermissions, ec2fake.LaunchPermission{UserID: "210987654321"}) {
				t.Errorf("%s %s launch permissions %+v lack 210987654321", region, id, img.LaunchPermissions)
			}
			users, _ := e.compute.SnapshotPermissions(img.BlockDevices[0].SnapshotID)
			if !slices.Contains(users, "210987654321") {
				t.Errorf("%s snapshot %s create-volume users %v lack 210987654321", region, img.BlockDevices[0].SnapshotID, users)
			}
			if want := deprecate.Round(time.Minute); !img.DeprecationTime.Equal(want) {
				t.Errorf("%s %s deprecation %s, want %s", region, id, img.DeprecationTime, want)
			}
			if img.Tags["team"] != "payments" || img.Tags["appversion"] != "hello-svc-1.0.1-h6/hello-svc/7" {
				t.Errorf("%s %s tags %v: want team added, appversion kept", region, id, img.Tags)
			}
		}
	})

	t.Run("the same hit again writes nothing", func(t *testing.T) {
		e.fake.ResetCalls()
		out, err := e.requestBuild(t, shared...)
		mustSucceed(t, out, err)
		if !strings.Contains(out, ebs.ReusedMessage) {
			t.Fatalf("not a hit:\n%s", out)
		}
		if w := e.writeCalls(); len(w) != 0 {
			t.Errorf("write calls on an identical hit: %v", w)
		}
	})
}

// imageByID finds an image in the fake or fails the test.
func imageByID(t testing.TB, fake *ec2fake.Server, region, id string) ec2fake.Image {
	t.Helper()
	for _, img := range fake.Images(region) {
		if img.ID == id {
			return img
		}
	}
	t.Fatalf("no image %s in %s", id, region)
	return ec2fake.Image{}
}

// TestEBSKeyImagesNotAvailableAreNotReused: images with the key and the
// spec that are pending (an earlier run timed out) or failed are never a
// hit: the build bakes.
func TestEBSKeyImagesNotAvailableAreNotReused(t *testing.T) {
	e := newEBSEnv(t)
	out, err := e.build(t, "-var", "ami_suffix=20261121190000")
	mustSucceed(t, out, err)
	key := bakeKeyOf(t, out)
	imgs := e.keyImages(key)
	if len(imgs[buildRegion]) != 1 || len(imgs[copyRegion]) != 1 {
		t.Fatalf("images with the key: %+v", imgs)
	}
	e.fake.UpdateImage(buildRegion, imgs[buildRegion][0].ID, func(i *ec2fake.Image) { i.State = "pending" })
	e.fake.UpdateImage(copyRegion, imgs[copyRegion][0].ID, func(i *ec2fake.Image) { i.State = "failed" })

	e.fake.ResetCalls()
	out, err = e.build(t, "-var", "ami_suffix=20261121190100")
	mustSucceed(t, out, err)
	if strings.Contains(out, ebs.ReusedMessage) || e.calls()["RunInstances"] != 1 {
		t.Fatalf("a pending or failed image was reused (calls %v):\n%s", e.calls(), out)
	}
	for region, old := range map[string]string{buildRegion: imgs[buildRegion][0].ID, copyRegion: imgs[copyRegion][0].ID} {
		got, err := rosco.ScrapeLog(region, out)
		if err != nil {
			t.Fatal(err)
		}
		if got.AMI == old || got.AMI == "" {
			t.Errorf("%s: Rosco scrapes %q, want the new bake's image, not %s", region, got.AMI, old)
		}
	}
}

// TestEBSRepositoryPasswordNeverLeaves gives the bake block a repository
// URL with a password: the password must appear in no output, no PACKER_LOG
// line (the key document among them) and no AMI tag, in raw, URL-encoded
// or base64 form.
func TestEBSRepositoryPasswordNeverLeaves(t *testing.T) {
	e := newEBSEnv(t)
	const password = "Pa55-w0rd/e2e"
	logFile := filepath.Join(t.TempDir(), "packer.log")
	t.Setenv("PACKER_LOG", "1")
	t.Setenv("PACKER_LOG_PATH", logFile)
	repo := "https://bakeuser:" + url.PathEscape(password) + "@repo.example.com/apt stable main"
	out, err := e.requestBuild(t, "-var", `key_repositories=["`+repo+`"]`)
	mustSucceed(t, out, err)
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	// The repository did reach the key document (masked), so the search
	// below looks where the password would be.
	if !regexp.MustCompile(`hashes \{[^\n]*repo\.example\.com`).Match(log) {
		t.Fatalf("PACKER_LOG lacks a key document holding the repository; the check would prove nothing")
	}
	forms := []string{password, url.PathEscape(password), url.QueryEscape(password), base64.StdEncoding.EncodeToString([]byte(password))}
	var tags []string
	for _, region := range []string{buildRegion, copyRegion} {
		for _, img := range e.fake.Images(region) {
			for k, v := range img.Tags {
				tags = append(tags, k+"="+v)
			}
		}
	}
	for where, text := range map[string]string{"output": out, "PACKER_LOG": string(log), "AMI tags": strings.Join(tags, "\n")} {
		for _, form := range forms {
			if strings.Contains(text, form) {
				t.Errorf("the password (as %q) appears in the %s", form, where)
			}
		}
	}
}
