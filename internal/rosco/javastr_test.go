package rosco

import (
	"reflect"
	"testing"
)

func TestJavaSplit(t *testing.T) {
	tests := []struct {
		in, sep string
		want    []string
	}{
		{"", "_", []string{""}},        // no match: the input comes back whole
		{"foo_", "_", []string{"foo"}}, // trailing empty dropped
		{"_a", "_", []string{"", "a"}}, // leading empty kept
		{"__", "_", []string{}},        // everything empty: nothing left
		{"a__b", "_", []string{"a", "", "b"}},
	}
	for _, tt := range tests {
		if got := javaSplit(tt.in, tt.sep); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("javaSplit(%q, %q) = %q; want %q", tt.in, tt.sep, got, tt.want)
		}
	}
}

func TestGroovyIsInteger(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"7", true},
		{" 7\t", true}, // trimmed first
		{"+7", true},
		{"-2147483648", true},
		{"2147483647", true},
		{"2147483648", false}, // does not fit in an int
		{"20190101123456", false},
		{"", false},
		{"-", false},
		{"1.0", false},
		{"٣", true},           // Arabic-Indic three: Character.digit accepts it
		{"\U0001D7D9", false}, // mathematical one: a surrogate pair in Java
		{"\u00a07", false},    // no-break space is not trimmed by Java
	}
	for _, tt := range tests {
		if got := groovyIsInteger(tt.in); got != tt.want {
			t.Errorf("groovyIsInteger(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestJavaLines(t *testing.T) {
	got := javaLines("a\r\nb\rc\n\nd\n")
	want := []string{"a", "b", "c", "", "d"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("javaLines = %q; want %q", got, want)
	}
}
