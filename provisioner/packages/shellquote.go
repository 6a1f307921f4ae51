package packages

import "strings"

// shellQuote quotes s as one POSIX shell word. Single quotes keep every
// character literal; an embedded single quote is closed, escaped and
// reopened. Values reaching this function have already been refused if they
// contain a newline or NUL (checkNoControl), so the result is always one
// line. This is the only quoting function of the package.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellJoin quotes every word and joins them with spaces.
func shellJoin(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = shellQuote(w)
	}
	return strings.Join(quoted, " ")
}
