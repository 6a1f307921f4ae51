package lineage

import (
	"strings"
	"testing"
	"time"
)

func TestIdentityNormalisation(t *testing.T) {
	base, err := New("123456789012", "ubuntu", "myapp", []string{"kato", "nginx"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		account  string
		baseOS   string
		amiName  string
		packages []string
		same     bool
	}{
		{"same parts", "123456789012", "ubuntu", "myapp", []string{"kato", "nginx"}, true},
		{"package order and duplicates do not matter", "123456789012", "ubuntu", "myapp", []string{"nginx", "kato", "nginx"}, true},
		{"white space is trimmed", " 123456789012", "ubuntu ", " myapp", []string{" kato", "nginx ", ""}, true},
		{"another package", "123456789012", "ubuntu", "myapp", []string{"kato", "nginx", "redis"}, false},
		{"package case is kept", "123456789012", "ubuntu", "myapp", []string{"Kato", "nginx"}, false},
		{"another base_os", "123456789012", "trusty", "myapp", []string{"kato", "nginx"}, false},
		{"another ami_name", "123456789012", "ubuntu", "other", []string{"kato", "nginx"}, false},
		{"no ami_name", "123456789012", "ubuntu", "", []string{"kato", "nginx"}, false},
		{"another account", "210987654321", "ubuntu", "myapp", []string{"kato", "nginx"}, false},
		// A separator inside a value cannot make two different lineages encode alike.
		{"separator in a value", "123456789012", "ubuntu", "myapp", []string{"kato nginx"}, false},
		{"value moved between fields", "123456789012", "ubuntumyapp", "", []string{"kato", "nginx"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := New(tt.account, tt.baseOS, tt.amiName, tt.packages)
			if err != nil {
				t.Fatal(err)
			}
			if got := id.TagValue() == base.TagValue(); got != tt.same {
				t.Errorf("same lineage = %v, want %v (%s vs %s)", got, tt.same, id, base)
			}
		})
	}
}

func TestTagValueShape(t *testing.T) {
	long := make([]string, 200)
	for i := range long {
		long[i] = strings.Repeat("p", 100) + string(rune('a'+i%26)) + strings.Repeat("x", i)
	}
	for _, pkgs := range [][]string{{"a"}, long} {
		id, err := New("123456789012", "ubuntu", strings.Repeat("n", 300), pkgs)
		if err != nil {
			t.Fatal(err)
		}
		v := id.TagValue()
		if len(v) != 67 || !strings.HasPrefix(v, "v1-") || len(v) > 256 {
			t.Errorf("tag value %q: want v1- and 64 hex characters", v)
		}
	}
	// The encoding is fixed: a change would split every existing lineage, so it must be deliberate.
	id, _ := New("123456789012", "ubuntu", "myapp", []string{"nginx", "kato"})
	if got := string(id.canonical()); got != `{"account":"123456789012","base_os":"ubuntu","ami_name":"myapp","packages":["kato","nginx"]}` {
		t.Errorf("canonical form %s", got)
	}
	if !strings.HasPrefix(id.TagValue(), "v1-") {
		t.Errorf("tag value %s", id.TagValue())
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name, account, baseOS string
		packages              []string
		wantErr               string
	}{
		{"short account", "12345", "ubuntu", []string{"a"}, `lineage: account "12345": want a 12-digit AWS account id`},
		{"no base_os", "123456789012", " ", []string{"a"}, "lineage: base_os is empty"},
		{"no packages", "123456789012", "ubuntu", []string{" ", ""}, "lineage: no package names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.account, tt.baseOS, "", tt.packages)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDeprecateAt(t *testing.T) {
	now := time.Date(2026, 12, 6, 4, 0, 29, 0, time.FixedZone("x", 3600))
	tests := []struct {
		after   time.Duration
		want    time.Time
		wantErr string
	}{
		{24 * time.Hour, time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), ""},
		{24*time.Hour + 31*time.Second, time.Date(2026, 12, 7, 3, 1, 0, 0, time.UTC), ""},
		{MaxDeprecationDelay, now.Add(MaxDeprecationDelay).UTC().Round(time.Minute), ""},
		{0, time.Time{}, "want a positive duration"},
		{-time.Hour, time.Time{}, "want a positive duration"},
		{30 * time.Second, time.Time{}, "want at least 1m"},
		{MaxDeprecationDelay + time.Minute, time.Time{}, "at most 10 years"},
	}
	for _, tt := range tests {
		got, err := DeprecateAt(now, tt.after)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.after, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v, %v; want %v", tt.after, got, err, tt.want)
		}
	}
}
