package rosco

import "strconv"

type valueKind int

const (
	nullKind valueKind = iota
	stringKind
	boolKind
	intKind
)

// Value is a value in Rosco's packer parameter map. The map is Groovy, so a
// value may be a String, a Boolean, a number or null, and whether it reaches
// packer depends on Groovy truthiness of the original value (a string of
// spaces is kept, then trimmed to nothing). The zero Value is null.
type Value struct {
	kind   valueKind
	text   string
	flag   bool
	number int64
}

// StringValue is a Groovy String.
func StringValue(s string) Value { return Value{kind: stringKind, text: s} }

// BoolValue is a Groovy Boolean; false is dropped from the command.
func BoolValue(b bool) Value { return Value{kind: boolKind, flag: b} }

// IntValue is a Groovy integer; zero is dropped from the command.
func IntValue(n int64) Value { return Value{kind: intKind, number: n} }

// truthy is Groovy truth: null, "", false and 0 are false.
func (v Value) truthy() bool {
	switch v.kind {
	case stringKind:
		return v.text != ""
	case boolKind:
		return v.flag
	case intKind:
		return v.number != 0
	}
	return false
}

// render is how Rosco writes a kept value after "key=": strings trimmed
// (Java's trim), everything else through toString.
func (v Value) render() string {
	switch v.kind {
	case stringKind:
		return javaTrim(v.text)
	case boolKind:
		return strconv.FormatBool(v.flag)
	case intKind:
		return strconv.FormatInt(v.number, 10)
	}
	return "null"
}

// Param is one entry of Rosco's ordered (LinkedHashMap) parameter map.
type Param struct {
	Key   string
	Value Value
}

// PackerInvocation is what Rosco's local packer command factory turns into an
// argument vector.
type PackerInvocation struct {
	// BaseCommand is "sudo" for templates listed in templatesNeedingRoot, else "".
	BaseCommand string
	// TimestampUI is rosco.yml's packer.timestamp.
	TimestampUI bool
	// AdditionalParameters is rosco.yml's packer.additionalParameters.
	AdditionalParameters []string
	Parameters           []Param
	// VarFile is the var file path, "" for none.
	VarFile  string
	Template string
}

// PackerCommand builds Rosco's argument vector:
//
//	[base] packer build -color=false [-timestamp-ui] [additional...] (-var key=value)... [-var-file=path] template
//
// A parameter is passed only when both key and value are Groovy-true, so
// false, 0 and "" never reach packer (spinnaker/spinnaker#4187). Each
// key=value is one argument: no shell quoting is involved. Empty elements are
// removed at the end, as Rosco does.
func PackerCommand(inv PackerInvocation) []string {
	argv := []string{inv.BaseCommand, "packer", "build", "-color=false"}
	if inv.TimestampUI {
		argv = append(argv, "-timestamp-ui")
	}
	argv = append(argv, inv.AdditionalParameters...)
	for _, p := range inv.Parameters {
		if p.Key != "" && p.Value.truthy() {
			argv = append(argv, "-var", p.Key+"="+p.Value.render())
		}
	}
	if inv.VarFile != "" {
		argv = append(argv, "-var-file="+inv.VarFile)
	}
	argv = append(argv, inv.Template)

	kept := argv[:0]
	for _, a := range argv {
		if a != "" {
			kept = append(kept, a)
		}
	}
	return kept
}
