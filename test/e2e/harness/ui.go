//go:build linux

package harness

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// RecordingUI is the packersdk.Ui for running a component in-process, as the in-process tests and
// `make bench` do: it keeps every line and, when Log is set, also hands each line to it.
type RecordingUI struct {
	Log func(line string)

	mu    sync.Mutex
	lines []string
}

// The methods below implement packersdk.Ui; a RecordingUI never has answers to give.
func (u *RecordingUI) Ask(string) (string, error)          { return "", nil }
func (u *RecordingUI) Askf(string, ...any) (string, error) { return "", nil }
func (u *RecordingUI) Say(m string)                        { u.add(m) }
func (u *RecordingUI) Sayf(f string, a ...any)             { u.add(fmt.Sprintf(f, a...)) }
func (u *RecordingUI) Message(m string)                    { u.add(m) }
func (u *RecordingUI) Error(m string)                      { u.add(m) }
func (u *RecordingUI) Errorf(f string, a ...any)           { u.add(fmt.Sprintf(f, a...)) }
func (u *RecordingUI) Machine(string, ...string)           {}
func (u *RecordingUI) TrackProgress(_ string, _, _ int64, r io.ReadCloser) io.ReadCloser {
	return r
}

func (u *RecordingUI) add(m string) {
	if u.Log != nil {
		u.Log(m)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.lines = append(u.lines, m)
}

// Lines returns the lines recorded so far.
func (u *RecordingUI) Lines() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.lines...)
}

// String returns the lines recorded so far as one text.
func (u *RecordingUI) String() string { return strings.Join(u.Lines(), "\n") + "\n" }
