package rosco

import (
	"strings"
	"unicode"
)

// Rosco is written in Java and Groovy; the helpers in this file reproduce the
// few JDK/Groovy string operations whose edge cases leak into Rosco's output.
// Go's standard functions differ on exactly those edges (empty trailing
// fields, which whitespace is trimmed, Unicode digits), so they are
// hand-written here.

// javaSplit mimics Java's String.split(sep) with a literal, non-empty
// separator and limit 0: trailing empty strings are dropped, a leading empty
// string is kept, and an input without the separator comes back whole (even
// when it is empty). A result may therefore be empty: "__" split on "_" is [].
func javaSplit(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	n := len(parts)
	for n > 0 && parts[n-1] == "" {
		n--
	}
	return parts[:n]
}

// groovyTokenize mimics Groovy's String.tokenize(delims), which is
// java.util.StringTokenizer: every rune in delims separates, empty tokens are
// discarded.
func groovyTokenize(s, delims string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
}

// stringTokenizerWhitespace is java.util.StringTokenizer's default delimiter
// set, used by Groovy's no-argument tokenize(). It has no vertical tab.
const stringTokenizerWhitespace = " \t\n\r\f"

// javaTrim mimics Java's String.trim, which strips every char <= U+0020
// (control characters included) and nothing else; strings.TrimSpace strips
// Unicode spaces instead.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// groovyIsInteger mimics Groovy's CharSequence.isInteger(): the trimmed text
// must parse with Java's Integer.valueOf, i.e. an optional '+' or '-' and at
// least one decimal digit, fitting in a signed 32-bit int. Like Java,
// Unicode decimal digits of the Basic Multilingual Plane count as digits
// (Java reads UTF-16 units, so supplementary-plane digits do not).
func groovyIsInteger(s string) bool {
	t := javaTrim(s)
	negative := false
	switch {
	case strings.HasPrefix(t, "-"):
		negative, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	if t == "" {
		return false
	}
	limit := int64(1<<31 - 1)
	if negative {
		limit = 1 << 31
	}
	var value int64
	for _, r := range t {
		d := javaDecimalDigit(r)
		if d < 0 {
			return false
		}
		value = value*10 + int64(d)
		if value > limit {
			return false
		}
	}
	return true
}

// javaDecimalDigit returns Java's Character.digit(c, 10) for a rune, or -1.
// Unicode lays out every decimal digit set as ten consecutive code points
// starting at zero, and Go's unicode.Nd table keeps those runs intact, so the
// digit value is the offset within the run modulo ten.
func javaDecimalDigit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r > 0xFFFF || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	for _, rng := range unicode.Nd.R16 {
		if uint16(r) >= rng.Lo && uint16(r) <= rng.Hi {
			return int(uint16(r)-rng.Lo) % 10
		}
	}
	return -1
}
