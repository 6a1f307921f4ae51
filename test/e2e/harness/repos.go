//go:build linux

package harness

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Repos are the repositories served to one target, on the host end of its
// veth. All apt repositories except Dist are flat: use them with suite "./"
// (deb822 `Suites: ./`, one-line `deb URL ./`).
type Repos struct {
	BaseURL string // http://HostAddr:port

	AptSigned   string // flat repo signed with RepoKey, several versions per package
	AptUnsigned string // flat repo with an unsigned Release
	AptWrongKey string // flat repo signed with WrongKey
	AptAuth     string // flat repo signed with RepoKey behind HTTP basic auth
	// AptMislabeled is a flat repo signed with RepoKey whose index says
	// hello-rosco is MislabeledVersion while the .deb it serves holds
	// 1.0.0-h7: what a wrong upload or a tampered mirror looks like.
	AptMislabeled string
	// AptBulk is a flat repo signed with RepoKey holding BulkCount tiny
	// packages (BulkTokens), for package lists of thousands of tokens.
	AptBulk string
	// AuthUser and AuthPassword open AptAuth and RPMAuth (WithAuth puts
	// them in a URL). Tests use them to prove credentials are sent and
	// never appear in output or on the image.
	AuthUser, AuthPassword string

	// Dist is a "distribution" source with a realistically large index
	// (about 60k packages, tens of MB), signed with RepoKey:
	// `deb [signed-by=...] <Dist> <DistSuite> <DistComponent>`.
	Dist          string
	DistSuite     string
	DistComponent string

	RPM string // baseurl of the rpm repo: rpmsign-ed packages, repomd.xml.asc
	// RPMAuth serves the rpm repo behind the same basic auth as AptAuth.
	RPMAuth string

	RepoKey  Key // signs AptSigned, AptAuth and Dist
	WrongKey Key // signs AptWrongKey
	RPMKey   Key // signs the rpms and repomd.xml

	// Fault serves the same tree as BaseURL, with failures on demand.
	Fault *FaultServer
	// RefusedURL points at a port on HostAddr where nothing listens.
	RefusedURL string

	log     *requestLog
	servers []*http.Server
}

// Request is one request a repository server answered.
type Request struct {
	Method, Path string
	Status       int
	// AuthOK reports valid basic-auth credentials; the credentials
	// themselves are not kept.
	AuthOK    bool
	UserAgent string
}

// Requests returns the requests the main server (not Fault) answered whose
// path starts with prefix, e.g. "/apt/", "/apt-auth/" or "/rpm-auth/".
func (r *Repos) Requests(prefix string) []Request { return r.log.matching(prefix) }

// WithAuth returns repoURL with AuthUser and AuthPassword as its userinfo,
// every byte but RFC 3986's unreserved ones percent-encoded, as a user
// writes a password holding '/', '@', ':', '%' or '$' into a URL.
func (r *Repos) WithAuth(repoURL string) string {
	return strings.Replace(repoURL, "://", "://"+percentEncodeAll(r.AuthUser)+":"+percentEncodeAll(r.AuthPassword)+"@", 1)
}

// AuthForms are the password as sent and as written in a URL (WithAuth,
// and net/url's own escapings): a test that looks for a leak looks for each.
func (r *Repos) AuthForms() []string {
	return []string{r.AuthPassword, percentEncodeAll(r.AuthPassword), url.PathEscape(r.AuthPassword), url.QueryEscape(r.AuthPassword)}
}

func percentEncodeAll(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// KeyURL is the URL of a key's armored public half on this server.
func (r *Repos) KeyURL(k Key) string { return r.BaseURL + k.Path }

func serveRepos(fx *Fixtures, hostAddr string) (*Repos, error) {
	r := &Repos{log: &requestLog{}, AuthUser: fx.AuthUser, AuthPassword: fx.AuthPassword,
		RepoKey: fx.RepoKey, WrongKey: fx.WrongKey, RPMKey: fx.RPMKey,
		DistSuite: distSuite, DistComponent: distComponent}
	files := repoHandler(fx)
	main, err := r.listen(hostAddr, r.log.wrap(files))
	if err != nil {
		return nil, err
	}
	r.BaseURL = main
	r.AptSigned = main + "/" + aptSignedDir + "/"
	r.AptUnsigned = main + "/" + aptUnsignedDir + "/"
	r.AptWrongKey = main + "/" + aptWrongKeyDir + "/"
	r.AptAuth = main + "/" + aptAuthDir + "/"
	r.AptMislabeled = main + "/" + aptMislabeledDir + "/"
	r.AptBulk = main + "/" + aptBulkDir + "/"
	r.Dist = main + "/dist/"
	r.RPM = main + "/" + rpmRepoDir + "/"
	r.RPMAuth = main + "/" + rpmAuthDir + "/"

	r.Fault = &FaultServer{}
	if r.Fault.URL, err = r.listen(hostAddr, r.Fault.wrap(files)); err != nil {
		r.close()
		return nil, err
	}
	// Reserve a port and give it back: nothing will be listening there.
	l, err := net.Listen("tcp", net.JoinHostPort(hostAddr, "0"))
	if err != nil {
		r.close()
		return nil, fmt.Errorf("find a closed port on %s: %w", hostAddr, err)
	}
	r.RefusedURL = "http://" + l.Addr().String() + "/"
	l.Close()
	return r, nil
}

// repoHandler serves the fixture tree; /apt-auth/ and /rpm-auth/ require
// the generated credentials.
func repoHandler(fx *Fixtures) http.Handler {
	files := http.FileServer(http.Dir(fx.Dir))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		protected := strings.HasPrefix(req.URL.Path, "/"+aptAuthDir+"/") || strings.HasPrefix(req.URL.Path, "/"+rpmAuthDir+"/")
		if protected && !authOK(req, fx) {
			w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, req)
	})
}

func authOK(req *http.Request, fx *Fixtures) bool {
	u, p, ok := req.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(fx.AuthUser)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(fx.AuthPassword)) == 1
}

func (r *Repos) listen(hostAddr string, h http.Handler) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(hostAddr, "0"))
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", hostAddr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	r.servers = append(r.servers, srv)
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

// close stops the servers, ending stalled requests too.
func (r *Repos) close() {
	for _, s := range r.servers {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = s.Close()
		}
		cancel()
	}
}

// requestLog records what a server answered.
type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, req)
		_, _, hasAuth := req.BasicAuth()
		l.mu.Lock()
		l.reqs = append(l.reqs, Request{Method: req.Method, Path: req.URL.Path, Status: sw.status,
			AuthOK: hasAuth && sw.status != http.StatusUnauthorized, UserAgent: req.UserAgent()})
		l.mu.Unlock()
	})
}

func (l *requestLog) matching(prefix string) []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Request
	for _, r := range l.reqs {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
