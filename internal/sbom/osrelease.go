package sbom

import (
	"fmt"
	"io"
	"strings"
)

// OSRelease holds the fields of os-release(5) an inventory uses.
type OSRelease struct {
	ID              string
	VersionID       string
	VersionCodename string
	PrettyName      string
}

// Distro is the purl distro qualifier: ID-VERSION_ID ("debian-12", "rocky-9.4"), or
// ID-VERSION_CODENAME when there is no VERSION_ID (Debian testing and unstable), or "" when
// neither is set.
func (o OSRelease) Distro() string {
	switch {
	case o.VersionID != "":
		return o.ID + "-" + o.VersionID
	case o.VersionCodename != "":
		return o.ID + "-" + o.VersionCodename
	}
	return ""
}

// ParseOSRelease reads an os-release(5) file: KEY=value lines, values unquoted or in single or
// double quotes with the shell's backslash escapes inside double quotes. ID is required; as the
// format says, a missing ID means "linux", which names no distribution a purl could use.
func ParseOSRelease(r io.Reader) (OSRelease, error) {
	var o OSRelease
	err := eachLine(r, func(n int, line string) error {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			return nil
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("os-release line %d %q: want KEY=value", n, line)
		}
		value, err := unquoteOSRelease(raw)
		if err != nil {
			return fmt.Errorf("os-release line %d: %s: %w", n, key, err)
		}
		switch key {
		case "ID":
			o.ID = value
		case "VERSION_ID":
			o.VersionID = value
		case "VERSION_CODENAME":
			o.VersionCodename = value
		case "PRETTY_NAME":
			o.PrettyName = value
		}
		return nil
	})
	if err != nil {
		return OSRelease{}, err
	}
	if o.ID == "" {
		return OSRelease{}, fmt.Errorf("os-release: no ID")
	}
	return o, nil
}

func unquoteOSRelease(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	switch q := raw[0]; q {
	case '\'':
		if len(raw) < 2 || raw[len(raw)-1] != q {
			return "", fmt.Errorf("value %s: unterminated quote", raw)
		}
		return raw[1 : len(raw)-1], nil
	case '"':
		if len(raw) < 2 || raw[len(raw)-1] != q {
			return "", fmt.Errorf("value %s: unterminated quote", raw)
		}
		var b strings.Builder
		body := raw[1 : len(raw)-1]
		for i := 0; i < len(body); i++ {
			c := body[i]
			if c == '\\' && i+1 < len(body) && strings.IndexByte("\"\\$`", body[i+1]) >= 0 {
				i++
				c = body[i]
			}
			b.WriteByte(c)
		}
		return b.String(), nil
	}
	if strings.ContainsAny(raw, " \t\"'") {
		return "", fmt.Errorf("value %s: white space or a quote outside quotes", raw)
	}
	return raw, nil
}
