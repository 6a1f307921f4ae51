//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

// TestHarnessRepositories proves each served repository behaves as its
// name promises, with apt in a booted target: later tests rely on these
// properties to test the provisioner's error handling.
func TestHarnessRepositories(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	r := tg.Repos
	tg.WriteFile(t, "/etc/apt/keyrings/e2e.asc", r.RepoKey.Armored, 0o644)

	// update configures exactly one source and runs apt-get update.
	update := func(t *testing.T, line string, aptOpts ...string) (string, int) {
		t.Helper()
		tg.MustRun(t, "rm -rf /etc/apt/sources.list.d/* /var/lib/apt/lists/*")
		tg.WriteFile(t, "/etc/apt/sources.list.d/e2e.list", line+"\n", 0o644)
		return tg.Run(t, "apt-get update "+strings.Join(aptOpts, " "))
	}
	signed := func(u string) string { return fmt.Sprintf("deb [signed-by=/etc/apt/keyrings/e2e.asc] %s ./", u) }

	t.Run("signed flat repo keeps both versions", func(t *testing.T) {
		out, rc := update(t, signed(r.AptSigned))
		if rc != 0 {
			t.Fatalf("apt-get update rc=%d:\n%s", rc, out)
		}
		madison := tg.MustRun(t, "apt-cache madison hello-svc")
		for _, v := range []string{"1.0.0-h5", "1.0.1-h6"} {
			if !strings.Contains(madison, v) {
				t.Errorf("hello-svc %s not offered:\n%s", v, madison)
			}
		}
		inRelease := 0
		for _, req := range r.Requests("/apt/") {
			if strings.HasSuffix(req.Path, "/InRelease") && req.Status == 200 {
				inRelease++
			}
		}
		if inRelease == 0 {
			t.Errorf("the server answered no request for /apt/InRelease: %+v", r.Requests("/apt/"))
		}
	})
	t.Run("unsigned repo is refused", func(t *testing.T) {
		out, rc := update(t, signed(r.AptUnsigned))
		if rc == 0 || !strings.Contains(out, "is not signed") {
			t.Errorf("want rc!=0 and 'is not signed', got rc=%d:\n%s", rc, out)
		}
	})
	t.Run("repo signed with another key is refused", func(t *testing.T) {
		out, rc := update(t, signed(r.AptWrongKey))
		if rc == 0 || !strings.Contains(out, "NO_PUBKEY") {
			t.Errorf("want rc!=0 and NO_PUBKEY, got rc=%d:\n%s", rc, out)
		}
	})
	t.Run("auth repo needs the credentials", func(t *testing.T) {
		tg.MustRun(t, "rm -f /etc/apt/auth.conf.d/e2e.conf")
		out, rc := update(t, signed(r.AptAuth))
		if rc == 0 || !strings.Contains(out, "401") {
			t.Errorf("without credentials: want rc!=0 and 401, got rc=%d:\n%s", rc, out)
		}
		// apt only sends credentials over plain http when the machine line
		// names the scheme.
		tg.WriteFile(t, "/etc/apt/auth.conf.d/e2e.conf", fmt.Sprintf("machine %s\nlogin %s\npassword %s\n", r.AptAuth, r.AuthUser, r.AuthPassword), 0o600)
		defer tg.MustRun(t, "rm -f /etc/apt/auth.conf.d/e2e.conf")
		if out, rc := update(t, signed(r.AptAuth)); rc != 0 {
			t.Fatalf("with credentials: rc=%d:\n%s", rc, out)
		}
		ok := 0
		for _, req := range r.Requests("/apt-auth/") {
			if req.AuthOK {
				ok++
			}
		}
		if ok == 0 {
			t.Errorf("no authenticated request reached /apt-auth/")
		}
	})
	t.Run("distribution index is large", func(t *testing.T) {
		start := time.Now()
		out, rc := update(t, fmt.Sprintf("deb [signed-by=/etc/apt/keyrings/e2e.asc] %s %s %s", r.Dist, r.DistSuite, r.DistComponent))
		if rc != 0 {
			t.Fatalf("apt-get update rc=%d:\n%s", rc, out)
		}
		n := strings.TrimSpace(tg.MustRun(t, "apt-cache pkgnames | wc -l"))
		t.Logf("distribution source: apt-get update took %s, %s package names", time.Since(start).Round(time.Millisecond), n)
		if len(n) < 5 { // at least 10000
			t.Errorf("want tens of thousands of packages, apt knows %s", n)
		}
	})
	t.Run("fault server fails the first requests", func(t *testing.T) {
		r.Fault.Reset()
		r.Fault.FailNext(100, 503)
		out, _ := update(t, signed(r.Fault.URL+"/apt/"), "-o", "Acquire::Retries=0")
		if !strings.Contains(out, "503") {
			t.Errorf("want a 503 in apt's output:\n%s", out)
		}
		r.Fault.Reset()
		r.Fault.FailNext(1, 500)
		out, rc := update(t, signed(r.Fault.URL+"/apt/"), "-o", "Acquire::Retries=3")
		if reqs, failed := r.Fault.Requests(); rc != 0 || failed != 1 || reqs < 2 {
			t.Errorf("one failure then retries: rc=%d requests=%d failed=%d:\n%s", rc, reqs, failed, out)
		}
	})
	t.Run("fault server stalls", func(t *testing.T) {
		r.Fault.Reset()
		r.Fault.StallNext(100, time.Minute)
		start := time.Now()
		out, _ := update(t, signed(r.Fault.URL+"/apt/"), "-o", "Acquire::http::Timeout=2", "-o", "Acquire::Retries=0")
		if took := time.Since(start); took < 2*time.Second || took > 40*time.Second || !strings.Contains(out, "Failed to fetch") {
			t.Errorf("want a fetch failure after the 2 s timeout, took %s:\n%s", took, out)
		}
		r.Fault.Reset()
	})
	t.Run("refused URL refuses", func(t *testing.T) {
		out, _ := update(t, signed(r.RefusedURL), "-o", "Acquire::Retries=0")
		if !strings.Contains(out, "refused") {
			t.Errorf("want 'Connection refused':\n%s", out)
		}
	})
	t.Run("keys are served", func(t *testing.T) {
		for _, k := range []harness.Key{r.RepoKey, r.WrongKey, r.RPMKey} {
			resp, err := http.Get(r.KeyURL(k))
			if err != nil {
				t.Fatalf("GET %s: %v", r.KeyURL(k), err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != k.Armored || !strings.Contains(k.Armored, "BEGIN PGP PUBLIC KEY BLOCK") {
				t.Errorf("GET %s: status %d, body differs from the armored key", r.KeyURL(k), resp.StatusCode)
			}
		}
	})
	if strings.Contains(tg.MustRun(t, "cat /etc/apt/sources.list.d/* /var/log/apt/*.log 2>/dev/null || true"), r.AuthPassword) {
		t.Errorf("the auth password ended up in the target's apt sources or logs")
	}
}

// TestHarnessSudoUser proves the non-root login and its passwordless sudo.
func TestHarnessSudoUser(t *testing.T) {
	tg := harness.NewTarget(t, harness.Debian)
	if out, rc := tg.RunAs(t, tg.SudoUser, "id -un && sudo -n id -u"); rc != 0 || out != tg.SudoUser+"\n0\n" {
		t.Errorf("sudo user: rc=%d out=%q", rc, out)
	}
	if state := strings.TrimSpace(tg.MustRun(t, "systemctl is-system-running --wait || true")); state != "running" && state != "degraded" {
		t.Errorf("booted target: systemctl is-system-running = %q", state)
	}
	if _, ok := tg.ReadFile(t, "/usr/sbin/policy-rc.d"); ok {
		t.Errorf("target has a policy-rc.d; targets must start without one")
	}
}
