//go:build e2e

// Command demo does a real local bake (`make demo`): it boots a fresh
// Debian machine (systemd-nspawn), serves the signed demo repository, runs
// `packer build example/local/` against it and prints what a user wants to
// see: the bake key, the image name, the installed versions and the state of
// the service. Everything is torn down afterwards.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

func main() {
	verbose := flag.Bool("v", false, "print the harness log and the whole packer output")
	template := flag.String("template", "example/local", "template directory")
	flag.Parse()
	dir, err := filepath.Abs(*template)
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "build.pkr.hcl"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v (run from the repository root, as `make demo` does)\n", err)
		os.Exit(2)
	}
	err = harness.RunScope("demo", *verbose, func(s *harness.Scope) {
		start := time.Now()
		fmt.Println("demo: booting a local Debian target and serving the signed demo repository...")
		tg := harness.NewTarget(s, harness.Debian)
		p := harness.NewPacker(s)
		fmt.Printf("demo: target %s ready (%.1fs); running packer build %s\n", tg.Addr, time.Since(start).Seconds(), *template)
		out, err := p.Build(s, dir,
			"-var", "ssh_host="+tg.Addr,
			"-var", "ssh_port="+strconv.Itoa(tg.SSHPort),
			"-var", "ssh_private_key_file="+tg.KeyFile,
			"-var", "repo_url="+tg.Repos.AptSigned,
			"-var", "repo_key_url="+tg.Repos.KeyURL(tg.Repos.RepoKey),
			"-var", "repo_key_fingerprint="+tg.Repos.RepoKey.Fingerprint)
		if *verbose || err != nil {
			fmt.Println(out)
		}
		if err != nil {
			s.Fatalf("packer build: %v", err)
		}
		fmt.Println()
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "demo: "); ok {
				fmt.Println("  " + rest)
			}
		}
		fmt.Println()
		fmt.Println("  on the baked machine:")
		fmt.Printf("    %-18s %s   (pinned; the repository's newest is 1.0.1-h6)\n", "hello-svc", orNone(tg.PackageVersion(s, "hello-svc")))
		fmt.Printf("    %-18s %s   (dependency)\n", "hello-lib", orNone(tg.PackageVersion(s, "hello-lib")))
		en, act := tg.UnitState(s, "hello-svc.service")
		fmt.Printf("    %-18s %s / %s   (starts at boot; never started during the bake)\n", "hello-svc.service", en, act)
		left := tg.MustRun(s, "ls /etc/apt/sources.list.d/ /usr/sbin/policy-rc.d 2>/dev/null | grep -c spinnaker-packages || true")
		fmt.Printf("    %-18s %s\n", "bake files left", strings.TrimSpace(left))
		fmt.Printf("\ndemo: done in %.1fs; tearing the target down\n", time.Since(start).Seconds())
	})
	if cerr := harness.CheckLeaks(); cerr != nil {
		fmt.Fprintln(os.Stderr, "demo: leak check:", cerr)
	}
	if cerr := harness.Suite().Close(); cerr != nil {
		fmt.Fprintln(os.Stderr, "demo: harness cleanup:", cerr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
