//go:build linux

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// autoStartPostinst imitates what debhelper generates for a package with a
// service, minus the guard real packages have: it enables the unit and then
// starts it unconditionally. Inside a booted target only policy-rc.d can
// stop the start, which is exactly what the provisioner must provide.
const autoStartPostinst = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
	deb-systemd-helper enable %[1]s >/dev/null || true
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
	fi
	deb-systemd-invoke start %[1]s >/dev/null || true
fi
`

// buildDeb builds p into outDir with dpkg-deb and returns the file path.
func buildDeb(ctx context.Context, p FixturePackage, scratch, outDir string) (string, error) {
	root := filepath.Join(scratch, "deb-"+p.Name+"-"+p.FullVersion())
	files := map[string]string{
		"usr/bin/" + p.Name:                    programScript(p),
		"usr/share/doc/" + p.Name + "/VERSION": p.FullVersion() + "\n",
		"DEBIAN/control":                       debControl(p),
	}
	if p.Service != "" {
		files["lib/systemd/system/"+p.Service] = unitFile(p)
	}
	if p.AutoStart {
		files["DEBIAN/postinst"] = fmt.Sprintf(autoStartPostinst, p.Service)
	}
	for rel, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasPrefix(rel, "usr/bin/") || rel == "DEBIAN/postinst" {
			mode = 0o755
		}
		if err := writeFile(filepath.Join(root, rel), content, mode); err != nil {
			return "", err
		}
	}
	if p.PayloadKB > 0 {
		if err := os.WriteFile(filepath.Join(root, "usr/share/doc", p.Name, "payload.bin"), payload(p), 0o644); err != nil {
			return "", fmt.Errorf("write payload: %w", err)
		}
	}
	out := filepath.Join(outDir, p.DebFile())
	if err := cmd("dpkg-deb", "-Zgzip", "--root-owner-group", "--build", root, out).run(ctx); err != nil {
		return "", fmt.Errorf("build %s: %w", p.DebFile(), err)
	}
	return out, nil
}

func debControl(p FixturePackage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Package: %s\nVersion: %s\nArchitecture: all\n", p.Name, p.FullVersion())
	b.WriteString("Maintainer: Spinnaker e2e <e2e@example.invalid>\nSection: misc\nPriority: optional\n")
	if len(p.Depends) > 0 {
		var deps []string
		for _, d := range p.Depends {
			name, ver, _ := strings.Cut(d, "=")
			deps = append(deps, fmt.Sprintf("%s (= %s)", name, ver))
		}
		fmt.Fprintf(&b, "Depends: %s\n", strings.Join(deps, ", "))
	}
	fmt.Fprintf(&b, "Description: %s e2e fixture\n Built by the packer-plugin-spinnaker e2e harness.\n", p.Name)
	return b.String()
}
