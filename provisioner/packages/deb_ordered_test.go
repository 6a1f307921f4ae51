package packages

import (
	"reflect"
	"strings"
	"testing"
)

// resolveOutput is the resolve step's output for a solution of three
// packages: apt's own lines, then the control fields of each downloaded
// file.
const resolveOutput = `Reading package lists...
Building dependency tree...
The following NEW packages will be installed:
  bench-a hello-lib hello-svc
Get:1 http://10.0.0.1:8080/apt ./ hello-lib 1.0.0-h5 [1 kB]
Download complete and in download only mode
@@field File: /var/cache/apt/spinnaker-packages-b1/bench-a_1%3a2.0-1_amd64.deb
@@field Package: bench-a
@@field Version: 1:2.0-1
@@field Architecture: amd64
@@field Pre-Depends: dpkg (>= 1.15)
@@field Provides: mail-transport-agent
@@field
@@field File: /var/cache/apt/spinnaker-packages-b1/hello-lib_1.0.0-h5_all.deb
@@field Package: hello-lib
@@field Version: 1.0.0-h5
@@field Architecture: all
@@field
@@field File: /var/cache/apt/spinnaker-packages-b1/hello-svc_1.0.0-h5_all.deb
@@field Package: hello-svc
@@field Version: 1.0.0-h5
@@field Architecture: all
@@field Depends: hello-lib (= 1.0.0-h5), libc6 (>= 2.17) | libc-virtual,
@@field  mail-transport-agent
@@field
`

func TestParseSolution(t *testing.T) {
	sol, err := parseSolution(strings.Split(resolveOutput, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sol) != 3 {
		t.Fatalf("solution %+v", sol)
	}
	if p := sol[0]; p.Name != "bench-a" || p.Version != "1:2.0-1" || p.Arch != "amd64" || p.File != "/var/cache/apt/spinnaker-packages-b1/bench-a_1%3a2.0-1_amd64.deb" {
		t.Errorf("bench-a: %+v", p)
	}
	if got := sol[2].Requires; !reflect.DeepEqual(got, []string{"hello-lib", "libc6", "libc-virtual", "mail-transport-agent"}) {
		t.Errorf("hello-svc requires %q", got)
	}
	if got := sol[0].Provides; !reflect.DeepEqual(got, []string{"mail-transport-agent"}) {
		t.Errorf("bench-a provides %q", got)
	}
	if sol, err := parseSolution([]string{"Reading package lists..."}); err != nil || len(sol) != 0 {
		t.Errorf("nothing downloaded: %+v, %v", sol, err)
	}
	for _, bad := range []string{
		"@@field File: /c/x.deb\n@@field Package: ba;d\n@@field Version: 1\n@@field Architecture: all\n@@field",
		"@@field File: /c/x.deb\n@@field Package: ok\n@@field Version: 1\n@@field\n",
		"@@field File: /c/$(x).deb\n@@field Package: ok\n@@field Version: 1\n@@field Architecture: all\n",
		"@@field File: c/x.deb\n@@field Package: ok\n@@field Version: 1\n@@field Architecture: all\n",
	} {
		if _, err := parseSolution(strings.Split(bad, "\n")); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func names(groups [][]debPackage) [][]string {
	var out [][]string
	for _, g := range groups {
		var n []string
		for _, p := range g {
			n = append(n, p.Name)
		}
		out = append(out, n)
	}
	return out
}

func TestOrderedGroups(t *testing.T) {
	sol, err := parseSolution(strings.Split(resolveOutput, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		requested []string
		want      [][]string
	}{
		// hello-svc needs hello-lib and (through the virtual package) bench-a.
		{[]string{"hello-svc"}, [][]string{{"bench-a", "hello-lib", "hello-svc"}}},
		{[]string{"bench-a", "hello-svc"}, [][]string{{"bench-a"}, {"hello-lib", "hello-svc"}}},
		{[]string{"hello-lib", "bench-a", "hello-svc"}, [][]string{{"hello-lib"}, {"bench-a"}, {"hello-svc"}}},
		// A requested package already installed is not in the solution;
		// members no request reaches join the last group.
		{[]string{"already-there", "hello-lib"}, [][]string{{"hello-lib", "bench-a", "hello-svc"}}},
	}
	for _, c := range cases {
		if got := names(orderedGroups(sol, c.requested)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("orderedGroups(%q) = %q, want %q", c.requested, got, c.want)
		}
	}
}

func TestDpkgGroupsArgs(t *testing.T) {
	sol, _ := parseSolution(strings.Split(resolveOutput, "\n"))
	requested := []string{"bench-a", "hello-svc"}
	got := dpkgGroupsArgs(orderedGroups(sol, requested), requested)
	want := []string{
		"--group", "bench-a=1:2.0-1", "/var/cache/apt/spinnaker-packages-b1/bench-a_1%3a2.0-1_amd64.deb",
		"--group", "hello-lib=1.0.0-h5(dependency),hello-svc=1.0.0-h5",
		"/var/cache/apt/spinnaker-packages-b1/hello-lib_1.0.0-h5_all.deb", "/var/cache/apt/spinnaker-packages-b1/hello-svc_1.0.0-h5_all.deb",
		"--auto", "hello-lib",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args\n got  %q\n want %q", got, want)
	}
}

func TestRemovalRefused(t *testing.T) {
	if !removalRefused.MatchString("E: Packages need to be removed but remove is disabled.") {
		t.Error("apt's --no-remove error not recognised")
	}
}
