package redact

import "testing"

func TestURLCredentials(t *testing.T) {
	cases := map[string]string{
		"https://user:s3cret@repo.example.com/apt stable main;https://u2:p2@b.example.com/apt stable main": "https://***@repo.example.com/apt stable main;https://***@b.example.com/apt stable main",
		"deb [trusted=yes] http://repo.example.com/apt ./":                                                 "deb [trusted=yes] http://repo.example.com/apt ./",
		"http://u:pa;ss@host/x and http://u:p@ss@host/y":                                                   "http://***@host/x and http://***@host/y",
		"http://host/path@not-credentials":                                                                 "http://host/path@not-credentials",
		"Get:1 http://builder:pw@10.0.0.1:8080/apt ./ InRelease":                                           "Get:1 http://***@10.0.0.1:8080/apt ./ InRelease",
		// Passwords that a URL parser would cut short.
		"http://u:pa/ss@host/apt ./ kato":                                            "http://***@host/apt ./ kato",
		"http://u:pa ss@host/apt ./ kato":                                            "http://***@host/apt ./ kato",
		"http://u:a;b/c d@e@host:8080/apt stable main kato":                          "http://***@host:8080/apt stable main kato",
		"'http://u:p;w@host ./';http://v:q@other/x":                                  "'http://***@host ./';http://***@other/x",
		"deb [signed-by=/k.gpg] https://u:p@[::1]:8443/apt ./":                       "deb [signed-by=/k.gpg] https://***@[::1]:8443/apt ./",
		"https://u:pw@host":                                                          "https://***@host",
		"https://d:Xq7sec;Yq8pw/Zq9pw@Wq6pw Vq5pw@repo.example.com/apt ./ hello-svc": "https://***@repo.example.com/apt ./ hello-svc",
		"https://d:a@b c@host ./;https://d:a@b c@host2 stable main":                  "https://***@host ./;https://***@host2 stable main",
		"https://deploy:P@ss:123@repo.example.com/apt ./":                            "https://***@repo.example.com/apt ./",
		"http://u:P@ssw0rd/1@repo.example.com/apt stable main":                       "http://***@repo.example.com/apt stable main",
		"http://u:Adm1n@corp#1@repo.example.com/apt ./;http://v:P@ss:1@h2/x ./":      "http://***@repo.example.com/apt ./;http://***@h2/x ./",
		// Erring towards the secret: a later word@host/ before the next URL goes with it.
		"http://u:p@host/apt ./ see ops@example.com/x": "http://***@example.com/x",
		// Tokens without a password.
		"https://T0KEN@host/key.asc":        "https://***@host/key.asc",
		"https://T0KEN:@host/key.asc":       "https://***@host/key.asc",
		"git+ssh://git@github.com:org/repo": "git+ssh://***@github.com:org/repo",
		// Not credentials: an '@' in a path, after a port, or in a later word.
		"https://registry.example.com:8443/npm/@types/node": "https://registry.example.com:8443/npm/@types/node",
		"https://registry.example.com/npm/@types/node":      "https://registry.example.com/npm/@types/node",
		"http://host:8080 main ops@example.com":             "http://host:8080 main ops@example.com",
		"http://host/apt ./ kato mail me@example.com":       "http://host/apt ./ kato mail me@example.com",
		"http://host/a http://u:p@h/b":                      "http://host/a http://***@h/b",
		"http://u:p@h/x see http://host:80/@scope":          "http://***@h/x see http://host:80/@scope",
		"no url here user:pass@host":                        "no url here user:pass@host",
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

func TestURLCredentialsLeavesTextWithoutCredentialsAlone(t *testing.T) {
	for _, s := range []string{"", "kato", "http://", "http://@", "a://b@", "bake:aws:ubuntu:kato:us-east-1:hvm:enhancedNWDisabled",
		"http://repo trusty main kato|http://repo2 ./ x"} {
		if got := URLCredentials(s); got != s {
			t.Errorf("URLCredentials(%q) = %q", s, got)
		}
	}
}
