package packages

import (
	"strings"
	"sync"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// safeUI is the only way the provisioner talks to Packer's UI. Every line
// is stripped of repository credentials and of anything Rosco's log scraper
// would read as an image name or AMI id (rosco-compat.md §f).
type safeUI struct {
	ui      packersdk.Ui
	secrets *secretSet
}

func (s safeUI) clean(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = NeutralizeScrapeTokens(s.secrets.Mask(l))
	}
	return strings.Join(lines, "\n")
}

// Say prints an informational line.
func (s safeUI) Say(msg string) { s.ui.Say(s.clean(msg)) }

// Error prints a line in Packer's error style.
func (s safeUI) Error(msg string) { s.ui.Error(s.clean(msg)) }

// lineWriter splits a stream into lines, sends each to emit and keeps a
// copy for the caller to parse. Partial lines wait for their newline or for
// Close.
type lineWriter struct {
	mu      *sync.Mutex
	emit    func(string)
	capture *[]string
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := strings.IndexByte(string(w.partial), '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) line(l string) {
	l = strings.TrimRight(l, "\r")
	// apt redraws progress with '\r'; only the last state is worth showing.
	if i := strings.LastIndexByte(l, '\r'); i >= 0 {
		l = l[i+1:]
	}
	*w.capture = append(*w.capture, l)
	if strings.TrimSpace(l) != "" {
		w.emit(l)
	}
}

// Close flushes a last line without a newline.
func (w *lineWriter) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = nil
	}
}

// tail returns the last n non-empty lines, joined, for error messages.
func tail(lines []string, n int) string {
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append([]string{l}, out...)
		}
	}
	if len(out) == 0 {
		return "(no output)"
	}
	return strings.Join(out, " | ")
}
