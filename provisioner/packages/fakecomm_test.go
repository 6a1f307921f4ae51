package packages

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// fakeReply is a scripted answer to one remote command.
type fakeReply struct {
	Stdout, Stderr string
	Exit           int
	// Block makes the command hang until the context of the test is done.
	Block bool
	// HangAfterOutput prints the reply, then hangs like Block.
	HangAfterOutput bool
}

// fakeComm is a recording communicator: it keeps every command and upload
// and answers with replies chosen by the test.
type fakeComm struct {
	mu       sync.Mutex
	Commands []string
	Uploads  map[string]string
	// Reply picks the answer; n counts earlier commands of the same step.
	Reply   func(cmd string, n int) fakeReply
	counts  map[string]int
	blocked chan struct{}
}

// unwrapPortable returns the command portable wrapped, so tests see what the target runs.
func unwrapPortable(command string) (string, error) {
	rest, ok := strings.CutPrefix(command, portableCommand)
	if !ok {
		return command, nil
	}
	encoded, _, _ := strings.Cut(rest, " ")
	script, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", fmt.Errorf("decode a portable command: %w", err)
	}
	_, inner, _ := strings.Cut(string(script), "\n")
	return strings.TrimSuffix(inner, "\n"), nil
}

func newFakeComm(reply func(cmd string, n int) fakeReply) *fakeComm {
	return &fakeComm{Uploads: map[string]string{}, Reply: reply, counts: map[string]int{}, blocked: make(chan struct{})}
}

// Start answers a single command, or a batch (batch.go): every step is recorded as a command of
// its own (with the batch's sudo prefix) and answered in turn, the batch
// stops at the first step that fails or blocks, and a trailing cleanup is
// answered whatever happened before.
func (f *fakeComm) Start(ctx context.Context, cmd *packersdk.RemoteCmd) error {
	command, err := unwrapPortable(cmd.Command)
	if err != nil {
		return err
	}
	steps, markers, cleanup, sudo := []string{command}, []string{""}, "", ""
	if inner, prefix, ok := batchInner(command); ok {
		sudo = prefix
		steps, markers = nil, nil
		inner, tailPart, _ := strings.Cut(inner, "; rc=$?; ")
		if tailPart != "" {
			_, c, _ := strings.Cut(tailPart, "; ")
			cleanup, _, _ = strings.Cut(c, " && ")
		}
		if _, rest, found := strings.Cut(inner, "echo '"+stepMarker); found {
			for _, p := range strings.Split(rest, " && echo '"+stepMarker) {
				id, c, _ := strings.Cut(p, "' && ")
				steps = append(steps, c)
				markers = append(markers, stepMarker+id+"\n")
			}
		}
	}
	type part struct {
		marker string
		reply  fakeReply
	}
	var parts []part
	ask := func(c string) fakeReply {
		f.mu.Lock()
		f.Commands = append(f.Commands, sudo+c)
		key := stepKey(c)
		n := f.counts[key]
		f.counts[key]++
		f.mu.Unlock()
		return f.Reply(sudo+c, n)
	}
	stopped := false
	for i, c := range steps {
		r := ask(c)
		parts = append(parts, part{markers[i], r})
		if r.Exit != 0 || r.Block || r.HangAfterOutput {
			stopped = r.Block || r.HangAfterOutput
			break
		}
	}
	if cleanup != "" && !stopped {
		r := ask(cleanup)
		if r.Exit == 0 {
			r.Stdout += cleanedMarker + "\n"
		}
		r.Exit = 0
		parts = append(parts, part{cleanupMarker + "\n", r})
	}
	go func() {
		exit := 0
		for _, p := range parts {
			_, _ = io.WriteString(cmd.Stdout, p.marker)
			if p.reply.Block {
				<-f.blocked
			}
			if p.reply.Stdout != "" {
				_, _ = io.WriteString(cmd.Stdout, p.reply.Stdout)
			}
			if p.reply.Stderr != "" {
				_, _ = io.WriteString(cmd.Stderr, p.reply.Stderr)
			}
			if p.reply.HangAfterOutput {
				<-f.blocked
			}
			if exit == 0 {
				exit = p.reply.Exit
			}
		}
		cmd.SetExited(exit)
	}()
	return nil
}

// batchInner returns the shell text a batch command runs and its sudo
// prefix.
func batchInner(command string) (inner, sudo string, ok bool) {
	if rest, found := strings.CutPrefix(command, "sudo -n "); found {
		command, sudo = rest, "sudo -n "
	}
	command = strings.TrimPrefix(command, "setsid -w ")
	quoted, found := strings.CutPrefix(command, "sh -c ")
	if !found {
		return "", "", false
	}
	inner = shellUnquote(quoted)
	if !strings.Contains(inner, "echo '"+stepMarker) {
		return "", "", false
	}
	return inner, sudo, true
}

// shellUnquote undoes shellQuote.
func shellUnquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return b.String() + s[i+1:]
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '\\':
			if i+1 < len(s) {
				b.WriteByte(s[i+1])
				i++
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func (f *fakeComm) Upload(path string, r io.Reader, _ *os.FileInfo) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Uploads[path] = string(data)
	return nil
}

func (f *fakeComm) UploadDir(string, string, []string) error { return fmt.Errorf("not used") }
func (f *fakeComm) Download(string, io.Writer) error         { return fmt.Errorf("not used") }
func (f *fakeComm) DownloadDir(string, string, []string) error {
	return fmt.Errorf("not used")
}

// steps returns the step function of every recorded bake-script command.
func (f *fakeComm) steps() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.Commands {
		out = append(out, stepKey(c))
	}
	return out
}

// stepKey names a command: the step function for bake-script commands,
// "detect", "sudo-check" or "rm-stage" otherwise.
func stepKey(cmd string) string {
	switch {
	case strings.HasPrefix(cmd, "sh -c "):
		return "detect"
	case cmd == "sudo -n true":
		return "sudo-check"
	case strings.HasPrefix(cmd, "rm -rf "):
		return "rm-stage"
	}
	i := strings.Index(cmd, "run.sh' '")
	if i < 0 {
		return cmd
	}
	rest := strings.TrimPrefix(cmd[i+len("run.sh' '"):], "--in-batch' '")
	if after, ok := strings.CutPrefix(rest, "--args' '"); ok {
		_, rest, _ = strings.Cut(after, "' '")
	}
	name, _, _ := strings.Cut(rest, "'")
	return name
}

const fakeStage = "/tmp/spinnaker-packages.abcdefgh"

func detectOutput(extra ...string) string {
	lines := append([]string{"uid=0", "dpkg=1", "booted=1", "systemctl=1", "sudo=1", "setsid=1", "lists_age=60", "stage=" + fakeStage}, extra...)
	return strings.Join(lines, "\n") + "\n"
}

// recordingUI captures everything the provisioner shows.
type recordingUI struct {
	mu    sync.Mutex
	lines []string
}

func (u *recordingUI) Ask(string) (string, error) { return "", nil }
func (u *recordingUI) Askf(string, ...any) (string, error) {
	return "", nil
}
func (u *recordingUI) Say(s string)              { u.add(s) }
func (u *recordingUI) Sayf(s string, a ...any)   { u.add(fmt.Sprintf(s, a...)) }
func (u *recordingUI) Message(s string)          { u.add(s) }
func (u *recordingUI) Error(s string)            { u.add("ERROR " + s) }
func (u *recordingUI) Errorf(s string, a ...any) { u.add("ERROR " + fmt.Sprintf(s, a...)) }
func (u *recordingUI) Machine(string, ...string) {}
func (u *recordingUI) TrackProgress(_ string, _, _ int64, stream io.ReadCloser) io.ReadCloser {
	return stream
}
func (u *recordingUI) add(s string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.lines = append(u.lines, strings.Split(s, "\n")...)
}
func (u *recordingUI) text() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.lines, "\n")
}
