package packages

import (
	"reflect"
	"strings"
	"testing"
)

func TestStripOneQuotePair(t *testing.T) {
	cases := map[string]string{
		`"kato redis"`: "kato redis",
		`'kato redis'`: "kato redis",
		`""x""`:        `"x"`,
		`"kato'`:       `"kato'`,
		`kato`:         "kato",
		`'`:            "'",
		` 'a b' `:      "a b",
		`''`:           "",
	}
	for in, want := range cases {
		if got := stripOneQuotePair(in); got != want {
			t.Errorf("stripOneQuotePair(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitRoscoPackages(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"kato nginx=1.18.0-0ubuntu1", []string{"kato", "nginx=1.18.0-0ubuntu1"}},
		{`"kato,redis-server mongodb"`, []string{"kato", "redis-server", "mongodb"}},
		{`'kato redis-server'`, []string{"kato", "redis-server"}},
		{"  a,,b  ", []string{"a", "b"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := splitRoscoPackages(c.in); !reflect.DeepEqual(got, c.want) && (len(got) > 0 || len(c.want) > 0) {
			t.Errorf("splitRoscoPackages(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitRoscoRepositories(t *testing.T) {
	got, err := splitRoscoRepositories("repository", `'http://a/apt x main;http://b/apt  y main;'`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://a/apt x main", "http://b/apt y main"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"a x m;;b y m", ";a x m", "a x m; ;b y m"} {
		_, err := splitRoscoRepositories("repository", bad)
		if err == nil || !strings.Contains(err.Error(), "is empty") || !strings.Contains(err.Error(), "repository") {
			t.Errorf("splitRoscoRepositories(%q): error %v, want an empty-entry error naming the field", bad, err)
		}
	}
}

func TestParseBoolString(t *testing.T) {
	for in, want := range map[string]bool{"": true, "true": true, "1": true, "false": false, "0": false, `"true"`: true} {
		got, err := parseBoolString("disable_services", in, true)
		if err != nil || got != want {
			t.Errorf("parseBoolString(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseBoolString("upgrade", "yes please", false); err == nil || !strings.Contains(err.Error(), `upgrade: "yes please"`) {
		t.Errorf("want an error naming field and value, got %v", err)
	}
}
