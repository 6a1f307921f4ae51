//go:build e2e

// Temporary probe: boots a bench target, runs the provisioner on it n times
// (purging in between), then holds it. Deleted before hand-back.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	sshcomm "github.com/hashicorp/packer-plugin-sdk/sdk-internals/communicator/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/provisioner/packages"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/e2e/harness"
)

type st struct{ c []func() }

func (s *st) Helper()                   {}
func (s *st) Logf(f string, a ...any)   {}
func (s *st) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (s *st) Cleanup(f func())          { s.c = append(s.c, f) }

type ui struct{ start time.Time }

func (u *ui) Ask(string) (string, error)          { return "", nil }
func (u *ui) Askf(string, ...any) (string, error) { return "", nil }
func (u *ui) Say(m string)                        { u.p(m) }
func (u *ui) Sayf(f string, a ...any)             { u.p(fmt.Sprintf(f, a...)) }
func (u *ui) Message(m string)                    { u.p(m) }
func (u *ui) Error(m string)                      { u.p("ERR " + m) }
func (u *ui) Errorf(f string, a ...any)           { u.p(fmt.Sprintf(f, a...)) }
func (u *ui) Machine(string, ...string)           {}
func (u *ui) TrackProgress(_ string, _, _ int64, r io.ReadCloser) io.ReadCloser {
	return r
}
func (u *ui) p(m string) { fmt.Printf("%7.3f %s\n", time.Since(u.start).Seconds(), m) }

func main() {
	n := flag.Int("n", 3, "runs")
	order := flag.String("order", "ordered", "")
	hold := flag.Bool("hold", false, "")
	flag.Parse()
	log.SetOutput(io.Discard)
	s := &st{}
	defer func() {
		for i := len(s.c) - 1; i >= 0; i-- {
			s.c[i]()
		}
		harness.Suite().Close()
	}()
	tg := harness.NewTarget(s, harness.Debian)
	r := tg.Repos
	distKey := "/etc/apt/keyrings/bench-dist.asc"
	tg.WriteFile(s, distKey, r.RepoKey.Armored, 0o644)
	tg.WriteFile(s, "/etc/apt/sources.list.d/distribution.list",
		fmt.Sprintf("deb [signed-by=%s] %s %s %s\n", distKey, r.Dist, r.DistSuite, r.DistComponent), 0o644)
	tg.MustRun(s, "apt-get -q -y update >/dev/null")
	tg.WriteFile(s, "/root/bench.asc", r.RepoKey.Armored, 0o644)
	var toks []string
	var list []interface{}
	for _, p := range harness.BenchPackages() {
		if p.Version == "1.0.0" {
			toks = append(toks, p.Name+"="+p.FullVersion())
			list = append(list, p.Name+"="+p.FullVersion())
		}
	}
	os.WriteFile("/tmp/probe.env", []byte(fmt.Sprintf("ADDR=%s\nPORT=%d\nKEY=%s\nREPO=%s\nTOKENS='%s'\n", tg.Addr, tg.SSHPort, tg.KeyFile, r.AptSigned, strings.Join(toks, " "))), 0o644)
	for i := 0; i < *n; i++ {
		var p packages.Provisioner
		if err := p.Prepare(map[string]interface{}{
			"repositories":  []interface{}{map[string]interface{}{"url": r.AptSigned, "key": r.RepoKey.Armored}},
			"package_list":  list,
			"install_order": *order,
		}); err != nil {
			panic(err)
		}
		pem, _ := os.ReadFile(tg.KeyFile)
		signer, _ := ssh.ParsePrivateKey(pem)
		addr := net.JoinHostPort(tg.Addr, strconv.Itoa(tg.SSHPort))
		start := time.Now()
		comm, err := sshcomm.New(addr, &sshcomm.Config{
			SSHConfig: &ssh.ClientConfig{User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
				HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second},
			Connection:       func() (net.Conn, error) { return net.DialTimeout("tcp", addr, 30*time.Second) },
			HandshakeTimeout: 30 * time.Second,
		})
		if err != nil {
			panic(err)
		}
		err = p.Provision(context.Background(), &ui{start: start}, comm, map[string]interface{}{"ConnType": "ssh"})
		fmt.Printf("RUN %d: %.3fs err=%v\n", i+1, time.Since(start).Seconds(), err)
		tg.MustRun(s, "dpkg -P bench-a bench-b bench-c bench-d bench-e >/dev/null; rm -f /var/cache/apt/archives/bench-*")
	}
	if *hold {
		fmt.Println("ready")
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
		<-c
	}
}
