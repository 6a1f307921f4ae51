package packages

import (
	"fmt"
	"strings"
)

// remoteFile is a file the bake writes on the target.
type remoteFile struct {
	Path    string
	Content []byte
	// Secret files (credentials) are written with mode 0600, others 0644.
	Secret bool
}

// repoLayout is where one bake's repository definitions go on the target.
type repoLayout struct {
	// Files are written before the update, in order (keys first).
	Files []remoteFile
	// SourcesList is the bake's apt sources file (deb), used to scope
	// `apt-get update` to the added sources.
	SourcesList string
	// AptListGlobs match the lists apt downloads for the added sources,
	// relative to /var/lib/apt/lists; removed in cleanup.
	AptListGlobs []string
	// DNFRepoIDs are the section ids of the added .repo files (rpm).
	DNFRepoIDs []string
}

// filePrefix is the common name part of everything a bake writes; the
// random bake id keeps ids unique when images are baked from baked images
// (the collision Rosco's `spinnaker-<epoch>-<i>` ids were introduced for).
func filePrefix(bake string) string { return "spinnaker-packages-" + bake }

// layoutRepositories renders the repository files for t. keys holds the
// key material of each repository (fetched key URLs included), indexed like
// repos.
func layoutRepositories(t PackageType, bake string, repos []sourceRepo, keys [][]byte) repoLayout {
	var l repoLayout
	prefix := filePrefix(bake)
	switch t {
	case Deb:
		if len(repos) == 0 {
			return l
		}
		l.SourcesList = "/etc/apt/sources.list.d/" + prefix + ".list"
		var list, auth strings.Builder
		listSecret := false
		fmt.Fprintf(&list, "# Added by spinnaker-packages for bake %s; removed after the bake.\n", bake)
		for i, repo := range repos {
			// Credentials go to apt's auth.conf.d (0600), never into the
			// world-readable sources file. apt's auth.conf has no way to
			// write an empty password, so a token-only URL stays in the
			// sources file, which is then 0600 too.
			u := *repo.URL
			if pass, ok := u.User.Password(); ok && pass != "" {
				fmt.Fprintf(&auth, "machine %s://%s%s login %s password %s\n", u.Scheme, u.Host, u.EscapedPath(), u.User.Username(), pass)
				u.User = nil
			} else if u.User != nil {
				listSecret = true
			}
			opts := append([]string(nil), repo.Options...)
			if len(keys[i]) > 0 {
				keyPath := fmt.Sprintf("/etc/apt/keyrings/%s-%d.asc", prefix, i)
				l.Files = append(l.Files, remoteFile{Path: keyPath, Content: keys[i]})
				opts = append(opts, "signed-by="+keyPath)
			}
			if repo.Trusted {
				opts = append(opts, "trusted=yes")
			}
			line := "deb "
			if len(opts) > 0 {
				line += "[" + strings.Join(opts, " ") + "] "
			}
			line += strings.Join(append([]string{u.String(), repo.Distribution}, repo.Components...), " ")
			list.WriteString(line + "\n")
			l.AptListGlobs = append(l.AptListGlobs, aptListGlob(repo))
		}
		if auth.Len() > 0 {
			l.Files = append(l.Files, remoteFile{Path: "/etc/apt/auth.conf.d/" + prefix + ".conf", Content: []byte(auth.String()), Secret: true})
		}
		l.Files = append(l.Files, remoteFile{Path: l.SourcesList, Content: []byte(list.String()), Secret: listSecret})
	case RPM:
		for i, repo := range repos {
			id := fmt.Sprintf("%s-%d", prefix, i)
			l.DNFRepoIDs = append(l.DNFRepoIDs, id)
			var b strings.Builder
			u := *repo.URL
			u.User = nil
			fmt.Fprintf(&b, "# Added by spinnaker-packages for bake %s; removed after the bake.\n", bake)
			fmt.Fprintf(&b, "[%s]\nname=%s (%s)\nbaseurl=%s\nenabled=1\nskip_if_unavailable=False\n", id, id, repo.Label, u.String())
			// dnf's own credential options rather than the URL; the file
			// is then readable by root only.
			secret := repo.URL.User != nil
			if secret {
				fmt.Fprintf(&b, "username=%s\n", repo.URL.User.Username())
				if pass, ok := repo.URL.User.Password(); ok {
					fmt.Fprintf(&b, "password=%s\n", pass)
				}
			}
			switch {
			case repo.Trusted:
				b.WriteString("gpgcheck=0\nrepo_gpgcheck=0\n")
			case len(keys[i]) > 0:
				keyPath := fmt.Sprintf("/etc/pki/rpm-gpg/%s.asc", id)
				l.Files = append(l.Files, remoteFile{Path: keyPath, Content: keys[i]})
				fmt.Fprintf(&b, "gpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://%s\n", keyPath)
			default:
				// Packages must be signed by a key the image already trusts.
				b.WriteString("gpgcheck=1\n")
			}
			l.Files = append(l.Files, remoteFile{Path: "/etc/yum.repos.d/" + id + ".repo", Content: []byte(b.String()), Secret: secret})
		}
	}
	return l
}

// aptListGlob follows apt's URItoFileName: scheme and credentials dropped,
// a fixed set of characters percent-encoded, '/' turned into '_'. The glob
// includes the suite so that a distribution source on the same server keeps
// its lists.
func aptListGlob(repo sourceRepo) string {
	u := *repo.URL
	u.User = nil
	base := u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
	var suite string
	if strings.HasSuffix(repo.Distribution, "/") {
		suite = repo.Distribution
	} else {
		suite = "dists/" + repo.Distribution + "/"
	}
	name := aptQuote(base + "/" + suite)
	return strings.ReplaceAll(name, "/", "_") + "*"
}

// aptQuote percent-encodes the characters apt's QuoteString encodes in list
// file names.
func aptQuote(s string) string {
	const special = "\\|{}[]<>\"^~_=!@#$%^&*"
	var b strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte(special, c) >= 0 || c <= 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
