package packages

import (
	"context"
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

func newFakeComm(reply func(cmd string, n int) fakeReply) *fakeComm {
	return &fakeComm{Uploads: map[string]string{}, Reply: reply, counts: map[string]int{}, blocked: make(chan struct{})}
}

func (f *fakeComm) Start(ctx context.Context, cmd *packersdk.RemoteCmd) error {
	f.mu.Lock()
	f.Commands = append(f.Commands, cmd.Command)
	key := stepKey(cmd.Command)
	n := f.counts[key]
	f.counts[key]++
	f.mu.Unlock()
	r := f.Reply(cmd.Command, n)
	go func() {
		if r.Block {
			<-f.blocked
		}
		if r.Stdout != "" {
			_, _ = io.WriteString(cmd.Stdout, r.Stdout)
		}
		if r.Stderr != "" {
			_, _ = io.WriteString(cmd.Stderr, r.Stderr)
		}
		cmd.SetExited(r.Exit)
	}()
	return nil
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
	rest := cmd[i+len("run.sh' '"):]
	name, _, _ := strings.Cut(rest, "'")
	return name
}

const fakeStage = "/tmp/spinnaker-packages.abcdefgh"

func detectOutput(extra ...string) string {
	lines := append([]string{"uid=0", "dpkg=1", "booted=1", "systemctl=1", "sudo=1", "lists_age=60", "stage=" + fakeStage}, extra...)
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
