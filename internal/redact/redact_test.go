package redact

import "testing"

func TestURLCredentials(t *testing.T) {
	cases := map[string]string{
		"https://user:s3cret@repo.example.com/apt stable main;https://u2:p2@b.example.com/apt stable main": "https://***@repo.example.com/apt stable main;https://***@b.example.com/apt stable main",
		"deb [trusted=yes] http://repo.example.com/apt ./":                                                 "deb [trusted=yes] http://repo.example.com/apt ./",
		"http://u:pa;ss@host/x and http://u:p@ss@host/y":                                                   "http://***@host/x and http://***@host/y",
		"http://host/path@not-credentials":                                                                 "http://host/path@not-credentials",
		"Get:1 http://builder:pw@10.0.0.1:8080/apt ./ InRelease":                                           "Get:1 http://***@10.0.0.1:8080/apt ./ InRelease",
	}
	for in, want := range cases {
		if got := URLCredentials(in); got != want {
			t.Errorf("URLCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValueMasksWhatDoesNotParse(t *testing.T) {
	cases := map[string]string{
		"http://user:pa/ss@host/apt ./":              "http://***@host/apt ./",
		"http://user:pa ss@host/apt ./":              "http://***@host/apt ./",
		"https://T0KEN@host/k.asc":                   "https://***@host/k.asc",
		"http://a:1@h/x;http://b:2/2@h/y":            "http://***@h/x;http://***@h/y",
		"[trusted=yes] http://repo.example.com/ ./":  "[trusted=yes] http://repo.example.com/ ./",
		"no url here, user:password@host is not one": "no url here, user:password@host is not one",
	}
	for in, want := range cases {
		if got := Value(in); got != want {
			t.Errorf("Value(%q) = %q, want %q", in, got, want)
		}
	}
}
