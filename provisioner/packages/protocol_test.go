package packages

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every "@@" line the scripts print is one protocol.go defines, and every
// marker protocol.go defines is printed somewhere: the protocol has one
// definition on the Go side, and it is complete.
func TestProtocolMarkersAreDefinedOnce(t *testing.T) {
	defined := map[string]bool{}
	for _, m := range []string{stepMarker, archMarker, phaseMarker, fieldsMarker, packageMarker, unitMarker, osMarker, installedMarker, originMarker, cleanedMarker} {
		defined[strings.TrimSpace(m)] = true
	}
	// remote.sh and detect.sh are the script's sides; the batch command
	// (batch.go) prints the step and cleanup markers through stepLine,
	// cleanupMarker and cleanedMarker.
	printed := map[string]bool{}
	for _, m := range regexp.MustCompile(`@@[a-z]+`).FindAllString(remoteLibrary+detectScript, -1) {
		printed[m] = true
	}
	for _, m := range []string{strings.Fields(stepLine(1))[0], strings.Fields(cleanupMarker)[0], cleanedMarker} {
		printed[m] = true
	}
	var undefined, unused []string
	for m := range printed {
		if !defined[m] {
			undefined = append(undefined, m)
		}
	}
	for m := range defined {
		if !printed[m] {
			unused = append(unused, m)
		}
	}
	sort.Strings(undefined)
	sort.Strings(unused)
	if len(undefined) > 0 || len(unused) > 0 {
		t.Errorf("markers printed but not defined in protocol.go: %q; defined but never printed: %q", undefined, unused)
	}
}
