package packages

import (
	"fmt"
	"strings"

	debversion "github.com/knqyf263/go-deb-version"
	rpmversion "github.com/knqyf263/go-rpm-version"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
)

// PackageSpec is one requested package.
type PackageSpec struct {
	// Raw is the token as the user wrote it; kept for messages.
	Raw string
	// Name is the package name, used for verification.
	Name string
	// Version is the pinned version ("" when not pinned): for deb the full
	// Debian version, for rpm `[epoch:]version-release`.
	Version string
	// Arch is an rpm architecture suffix given in the token, if any.
	Arch string
}

// Pinned reports whether the request names an exact version.
func (p PackageSpec) Pinned() bool { return p.Version != "" }

// Token returns the argument given to the package manager.
func (p PackageSpec) Token(t PackageType) string {
	if p.Version == "" {
		if t == RPM && p.Arch != "" {
			return p.Name + "." + p.Arch
		}
		return p.Name
	}
	if t == Deb {
		return p.Name + "=" + p.Version
	}
	token := p.Name + "-" + p.Version
	if p.Arch != "" {
		token += "." + p.Arch
	}
	return token
}

// parseDebPackage reads `name`, `name=version`, or a Rosco artifact file
// name `name_version-release_arch` (Debian names cannot contain '_', so the
// two never collide).
func parseDebPackage(field, raw string) (PackageSpec, error) {
	if err := checkNoControl(field, maskValue(raw)); err != nil {
		return PackageSpec{}, err
	}
	if strings.ContainsAny(raw, shellMeta) {
		return PackageSpec{}, fmt.Errorf("%s: %q is not a Debian package name: it contains shell metacharacters", field, maskValue(raw))
	}
	token := raw
	if strings.Contains(raw, "_") {
		name, err := rosco.ParsePackageName(rosco.Deb, raw)
		if err != nil {
			return PackageSpec{}, fmt.Errorf("%s: %w", field, maskErr(err))
		}
		token = name.InstallToken(rosco.Deb)
	}
	name, version, pinned := strings.Cut(token, "=")
	if !validDebName(name) {
		return PackageSpec{}, fmt.Errorf("%s: %q: %q is not a valid Debian package name", field, maskValue(raw), maskValue(name))
	}
	if pinned && !validDebVersion(version) {
		return PackageSpec{}, fmt.Errorf("%s: %q: %q is not a valid Debian version", field, maskValue(raw), version)
	}
	return PackageSpec{Raw: raw, Name: name, Version: version}, nil
}

// rpmArches are the architecture suffixes recognised at the end of an rpm
// token (`name-1.0-1.noarch`).
var rpmArches = map[string]bool{
	"noarch": true, "x86_64": true, "aarch64": true, "i686": true, "i386": true,
	"ppc64le": true, "s390x": true, "armv7hl": true, "src": true,
}

// parseRPMPackage reads `name` or `name-[epoch:]version-release[.arch]`.
// A token is taken as pinned when its last two '-'-separated fields look
// like a version (starting with a digit, optionally after an epoch) and a
// release; otherwise the whole token is a name, as for dnf.
func parseRPMPackage(field, raw string) (PackageSpec, error) {
	if err := checkNoControl(field, maskValue(raw)); err != nil {
		return PackageSpec{}, err
	}
	if strings.ContainsAny(raw, shellMeta) || !rpmTokenPattern.MatchString(raw) {
		return PackageSpec{}, fmt.Errorf("%s: %q is not a valid rpm package name or name-version-release", field, maskValue(raw))
	}
	// dnf installs a token naming a .rpm as a local file, without the
	// repository's signature check.
	if strings.HasSuffix(strings.ToLower(raw), ".rpm") {
		return PackageSpec{}, fmt.Errorf("%s: %q names an .rpm file, which dnf would install without a signature check; give the package name (and version) from a repository", field, maskValue(raw))
	}
	spec := PackageSpec{Raw: raw, Name: raw}
	parts := strings.Split(raw, "-")
	if len(parts) >= 3 {
		version, release := parts[len(parts)-2], parts[len(parts)-1]
		arch := ""
		if dot := strings.LastIndex(release, "."); dot > 0 && rpmArches[release[dot+1:]] {
			release, arch = release[:dot], release[dot+1:]
		}
		// A release holds a digit (`1.el9`, `h5`): `java-11-openjdk` is a
		// name, not java at version 11, release openjdk.
		if looksLikeRPMVersion(version) && strings.ContainsAny(release, "0123456789") {
			spec.Name = strings.Join(parts[:len(parts)-2], "-")
			spec.Version, spec.Arch = version+"-"+release, arch
		}
	}
	// `name.arch` without a version: the architecture is apart, so that
	// `hello.x86_64 hello-2.0-1` is seen as two requests for hello.
	if spec.Version == "" {
		if dot := strings.LastIndex(raw, "."); dot > 0 && rpmArches[raw[dot+1:]] {
			spec.Name, spec.Arch = raw[:dot], raw[dot+1:]
		}
	}
	if !rpmNamePattern.MatchString(spec.Name) {
		return PackageSpec{}, fmt.Errorf("%s: %q: %q is not a valid rpm package name", field, maskValue(raw), maskValue(spec.Name))
	}
	return spec, nil
}

func looksLikeRPMVersion(v string) bool {
	if epoch, rest, ok := strings.Cut(v, ":"); ok {
		if epoch == "" || strings.Trim(epoch, "0123456789") != "" {
			return false
		}
		v = rest
	}
	return v != "" && v[0] >= '0' && v[0] <= '9' && !strings.Contains(v, ":")
}

// parsePackage dispatches on the package type. When the type is detected
// on the target, tokens are validated against both grammars at Prepare and
// parsed for real once the type is known.
func parsePackage(t PackageType, field, raw string) (PackageSpec, error) {
	switch t {
	case Deb:
		return parseDebPackage(field, maskValue(raw))
	case RPM:
		return parseRPMPackage(field, maskValue(raw))
	}
	_, debErr := parseDebPackage(field, maskValue(raw))
	_, rpmErr := parseRPMPackage(field, maskValue(raw))
	if debErr != nil && rpmErr != nil {
		return PackageSpec{}, fmt.Errorf("%s: %q is neither a Debian nor an rpm package token", field, maskValue(raw))
	}
	return PackageSpec{Raw: raw}, nil
}

// versionsEqual compares versions with the package manager's rules, so
// that `1:2.0-1` equals `1:2.0-1`. For rpm a version without an epoch
// means any epoch, as rpm -q and dnf read it: `5.0-3` is the installed
// 2:5.0-3, and 0:1.0-1 is 1.0-1.
func versionsEqual(t PackageType, want, got string) bool {
	if t == RPM {
		wantVR, wantEpoch := cutRPMEpoch(want)
		gotVR, gotEpoch := cutRPMEpoch(got)
		if !wantEpoch || !gotEpoch {
			want, got = "0:"+wantVR, "0:"+gotVR
		}
		w, g := rpmversion.NewVersion(want), rpmversion.NewVersion(got)
		return w.Equal(g)
	}
	w, err1 := debversion.NewVersion(want)
	g, err2 := debversion.NewVersion(got)
	if err1 != nil || err2 != nil {
		return want == got
	}
	return w.Equal(g)
}

// cutRPMEpoch returns an rpm version without its epoch, and whether it had
// one.
func cutRPMEpoch(v string) (string, bool) {
	if _, vr, ok := strings.Cut(v, ":"); ok {
		return vr, true
	}
	return v, false
}

// baseName is the package's name without a deb architecture qualifier
// (`hello:amd64` is hello).
func (p PackageSpec) baseName(t PackageType) string {
	if t == Deb {
		name, _, _ := strings.Cut(p.Name, ":")
		return name
	}
	return p.Name
}

// sameArchitecture reports whether two requests of one base name can name
// the same installed package. For deb always: a Multi-Arch "same" package
// must have one version on every architecture, and any other has one
// architecture installed. For rpm, a token without an architecture means
// any.
func (p PackageSpec) sameArchitecture(t PackageType, q PackageSpec) bool {
	return t == Deb || p.Arch == "" || q.Arch == "" || p.Arch == q.Arch
}

// sameRequestedVersion reports whether two requests ask for the same
// version: both unpinned, or both pinned to equal versions.
func sameRequestedVersion(t PackageType, p, q PackageSpec) bool {
	if p.Pinned() != q.Pinned() {
		return false
	}
	return !p.Pinned() || versionsEqual(t, p.Version, q.Version)
}
