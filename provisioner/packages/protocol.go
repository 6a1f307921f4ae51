package packages

import (
	"strconv"
	"strings"
)

// The Go↔sh protocol. The bake script and the batch commands print lines
// that start with "@@" for the provisioner, never for people: run.go keeps
// them out of the UI. This file is their only definition on the Go side;
// remote.sh (and batchCommand) print them.
//
//	@@step <id>                       a batch's step <id> starts; 0 is the cleanup ending the batch
//	@@cleaned                         that cleanup finished
//	@@phase <text>                    progress inside a step (the groups of an ordered deb install)
//	@@field <control field line>      a control field of a downloaded .deb (apt_resolve)
//	@@arch <architecture>             verify: the target's native architecture (deb)
//	@@package <name:arch> <status>|<ver>  verify: one installed instance of a requested package
//	@@unit <name> <enabled> <active>  verify: one requested unit
//	@@os <line>                       inventory: a line of the target's os-release
//	@@installed <line>                inventory: a line of the installed-package query
//	@@origin <line>                   inventory: a line of the requested packages' origin query
const (
	markerPrefix    = "@@"
	stepMarker      = "@@step "
	cleanupMarker   = "@@step 0"
	cleanedMarker   = "@@cleaned"
	phaseMarker     = "@@phase "
	fieldsMarker    = "@@field "
	archMarker      = "@@arch "
	packageMarker   = "@@package "
	unitMarker      = "@@unit "
	osMarker        = "@@os "
	installedMarker = "@@installed "
	originMarker    = "@@origin "
)

type markerKind int

const (
	markOther markerKind = iota
	markStep
	markPhase
)

// marker is one protocol line as run.go routes it.
type marker struct {
	kind markerKind
	step int
	text string
}

// parseMarker reports whether line is a protocol line, and what run.go
// needs of it.
func parseMarker(line string) (marker, bool) {
	if !strings.HasPrefix(line, markerPrefix) {
		return marker{}, false
	}
	if rest, ok := strings.CutPrefix(line, phaseMarker); ok {
		return marker{kind: markPhase, text: rest}, true
	}
	if rest, ok := strings.CutPrefix(line, stepMarker); ok {
		if id, err := strconv.Atoi(rest); err == nil {
			return marker{kind: markStep, step: id}, true
		}
	}
	return marker{kind: markOther}, true
}

// stepLine is the marker that starts step id of a batch.
func stepLine(id int) string { return stepMarker + strconv.Itoa(id) }
