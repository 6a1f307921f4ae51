package packages

import (
	"reflect"
	"strings"
	"testing"
)

const simOutput = `NOTE: This is only a simulation!
Reading package lists...
Building dependency tree...
The following NEW packages will be installed:
  hello-lib hello-svc bench-a
Inst hello-lib (1.0.0-h5 localhost [all])
Inst hello-svc [1.0.1-h6] (1.0.0-h5 localhost [all])
Inst bench-a (1:2.0-1 localhost [amd64])
Conf hello-lib (1.0.0-h5 localhost [all])
Conf hello-svc (1.0.0-h5 localhost [all])
Conf bench-a (1:2.0-1 localhost [amd64])
`

func TestParseSimulation(t *testing.T) {
	sim, err := parseSimulation(simOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := []simPackage{{"hello-lib", "1.0.0-h5", "all"}, {"hello-svc", "1.0.0-h5", "all"}, {"bench-a", "1:2.0-1", "amd64"}}
	if !reflect.DeepEqual(sim.Install, want) || sim.Removes {
		t.Errorf("got %+v", sim)
	}
	if f := sim.Install[2].debFile(); f != "/var/cache/apt/archives/bench-a_1%3a2.0-1_amd64.deb" {
		t.Errorf("debFile = %q", f)
	}
	if sim, _ := parseSimulation("Remv foo [1.0]\nInst bar (1 x [all])\n"); !sim.Removes {
		t.Error("Remv not detected")
	}
	if _, err := parseSimulation("Inst ba;d (1 x [all])\n"); err == nil {
		t.Error("malformed package name accepted")
	}
}

const fieldsOutput = `File: /var/cache/apt/archives/hello-lib_1.0.0-h5_all.deb
Package: hello-lib
Version: 1.0.0-h5

File: /var/cache/apt/archives/hello-svc_1.0.0-h5_all.deb
Package: hello-svc
Version: 1.0.0-h5
Depends: hello-lib (= 1.0.0-h5), libc6 (>= 2.17) | libc-virtual,
 mail-transport-agent

File: /var/cache/apt/archives/bench-a_1%3a2.0-1_amd64.deb
Package: bench-a
Version: 1:2.0-1
Pre-Depends: dpkg (>= 1.15)
Provides: mail-transport-agent

`

func TestParseDebFields(t *testing.T) {
	sim, _ := parseSimulation(simOutput)
	rel, ok := relationsByName(sim, parseDebFields(fieldsOutput))
	if !ok {
		t.Fatal("relations missing")
	}
	if got := rel["hello-svc"].Requires; !reflect.DeepEqual(got, []string{"hello-lib", "libc6", "libc-virtual", "mail-transport-agent"}) {
		t.Errorf("hello-svc requires %q", got)
	}
	if got := rel["bench-a"].Provides; !reflect.DeepEqual(got, []string{"mail-transport-agent"}) {
		t.Errorf("bench-a provides %q", got)
	}
}

func names(groups [][]simPackage) [][]string {
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
	sim, _ := parseSimulation(simOutput)
	rel, _ := relationsByName(sim, parseDebFields(fieldsOutput))
	cases := []struct {
		requested []string
		want      [][]string
	}{
		// hello-svc needs hello-lib and (through the virtual package) bench-a.
		{[]string{"hello-svc"}, [][]string{{"hello-lib", "hello-svc", "bench-a"}}},
		{[]string{"bench-a", "hello-svc"}, [][]string{{"bench-a"}, {"hello-lib", "hello-svc"}}},
		{[]string{"hello-lib", "bench-a", "hello-svc"}, [][]string{{"hello-lib"}, {"bench-a"}, {"hello-svc"}}},
		// A requested package already installed is not in the solution;
		// members no request reaches join the last group.
		{[]string{"already-there", "hello-lib"}, [][]string{{"hello-lib", "hello-svc", "bench-a"}}},
	}
	for _, c := range cases {
		if got := names(orderedGroups(sim, rel, c.requested)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("orderedGroups(%q) = %q, want %q", c.requested, got, c.want)
		}
	}
}

func TestExtractFieldsAndMissingFile(t *testing.T) {
	lines := []string{"Inst xx (1 y [all])", "@@field File: /var/cache/apt/archives/xx_1_all.deb", "@@field Package: xx", "@@field"}
	sim, err := parseSimulation(strings.Join(lines, "\n"))
	if err != nil || len(sim.Install) != 1 {
		t.Fatalf("simulation %+v, %v", sim, err)
	}
	if _, ok := relationsByName(sim, parseDebFields(extractFields(lines))); !ok {
		t.Error("relations of xx not found")
	}
	if _, ok := relationsByName(sim, parseDebFields("")); ok {
		t.Error("missing relations not reported")
	}
}
