package sbom

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDpkgQuery(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Package
		wantErr string
	}{{
		name: "installed states kept, removed ones dropped, sorted",
		in: "zlib1g\t1:1.2.13.dfsg-1\tamd64\tinstall ok installed\n" +
			"bench-a\t1.0-1\tall\tinstall ok installed\n" +
			"oldpkg\t2.0-1\tamd64\tdeinstall ok config-files\n" +
			"gone\t1.0\tamd64\tunknown ok not-installed\n" +
			"half\t3.0\tamd64\tinstall reinstreq half-configured\n" +
			"libc6\t2.36-9+deb12u4\ti386\tinstall ok installed\n" +
			"libc6\t2.36-9+deb12u4\tamd64\tinstall ok installed\n\n",
		want: []Package{
			{Name: "bench-a", Version: "1.0", Release: "1", Arch: "all"},
			{Name: "half", Version: "3.0", Arch: "amd64"},
			{Name: "libc6", Version: "2.36", Release: "9+deb12u4", Arch: "amd64"},
			{Name: "libc6", Version: "2.36", Release: "9+deb12u4", Arch: "i386"},
			{Name: "zlib1g", Epoch: "1", Version: "1.2.13.dfsg", Release: "1", Arch: "amd64"},
		},
	}, {
		name: "release split at the last hyphen",
		in:   "x\t1.0-rc1-2ubuntu1\tamd64\tinstall ok installed\n",
		want: []Package{{Name: "x", Version: "1.0-rc1", Release: "2ubuntu1", Arch: "amd64"}},
	}, {
		name:    "missing field",
		in:      "x\t1.0\tinstall ok installed\n",
		wantErr: `dpkg-query line 1 "x\t1.0\tinstall ok installed": want 4 tab-separated fields, got 3`,
	}, {
		name:    "bad version",
		in:      "x\tabc\tamd64\tinstall ok installed\n",
		wantErr: `dpkg-query line 1: package x: version "abc"`,
	}, {
		name:    "bad status",
		in:      "x\t1.0\tamd64\tinstalled\n",
		wantErr: `dpkg-query line 1: status "installed": want three words`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDpkgQuery(strings.NewReader(tt.in))
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseRPMQuery(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Package
		wantErr string
	}{{
		name: "epoch none, keys dropped, duplicates merged",
		in: "bash\t(none)\t5.1.8\t9.el9\tx86_64\n" +
			"gpg-pubkey\t(none)\t8483c65d\t5ccc5b19\t(none)\n" +
			"openssl-libs\t1\t3.0.7\t27.el9\tx86_64\n" +
			"bash\t(none)\t5.1.8\t9.el9\tx86_64\n",
		want: []Package{
			{Name: "bash", Version: "5.1.8", Release: "9.el9", Arch: "x86_64"},
			{Name: "openssl-libs", Epoch: "1", Version: "3.0.7", Release: "27.el9", Arch: "x86_64"},
		},
	}, {
		name:    "epoch not a number",
		in:      "bash\tx\t5.1.8\t9.el9\tx86_64\n",
		wantErr: `rpm query line 1: package bash: epoch "x" is not a number`,
	}, {
		name:    "no architecture",
		in:      "bash\t(none)\t5.1.8\t9.el9\t(none)\n",
		wantErr: "empty name, version or architecture",
	}, {
		name:    "missing field",
		in:      "bash\t5.1.8\t9.el9\tx86_64\n",
		wantErr: "want 5 tab-separated fields, got 4",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRPMQuery(strings.NewReader(tt.in))
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       OSRelease
		wantDistro string
		wantErr    string
	}{{
		name: "debian 12",
		in: `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
`,
		want:       OSRelease{ID: "debian", VersionID: "12", VersionCodename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		wantDistro: "debian-12",
	}, {
		name:       "testing has a codename only; quotes and escapes",
		in:         "# comment\nID='debian'\nVERSION_CODENAME=trixie\nPRETTY_NAME=\"say \\\"hi\\\" \\$x\"\n",
		want:       OSRelease{ID: "debian", VersionCodename: "trixie", PrettyName: `say "hi" $x`},
		wantDistro: "debian-trixie",
	}, {
		name:       "rocky",
		in:         "ID=\"rocky\"\nVERSION_ID=\"9.4\"\n",
		want:       OSRelease{ID: "rocky", VersionID: "9.4"},
		wantDistro: "rocky-9.4",
	}, {
		name:       "no version",
		in:         "ID=arch\n",
		want:       OSRelease{ID: "arch"},
		wantDistro: "",
	}, {
		name:    "no ID",
		in:      "NAME=Linux\n",
		wantErr: "os-release: no ID",
	}, {
		name:    "unterminated quote",
		in:      "ID=\"debian\n",
		wantErr: `os-release line 1: ID: value "debian: unterminated quote`,
	}, {
		name:    "not an assignment",
		in:      "ID debian\n",
		wantErr: `os-release line 1 "ID debian": want KEY=value`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOSRelease(strings.NewReader(tt.in))
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if d := got.Distro(); d != tt.wantDistro {
				t.Errorf("Distro() = %q, want %q", d, tt.wantDistro)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
}
