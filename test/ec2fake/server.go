package ec2fake

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// APIVersion is the EC2 API version the SDK sends and the fake answers in.
const APIVersion = "2016-11-15"

// xmlns is the namespace EC2 puts on every successful response document.
const xmlns = "http://ec2.amazonaws.com/doc/" + APIVersion + "/"

// DefaultAccountID is the account "self" stands for unless Options say otherwise.
const DefaultAccountID = "123456789012"

// Options configure a Server. The zero value is usable.
type Options struct {
	// AccountID is the caller's account: what Owner "self" matches and what
	// new images are owned by. Default DefaultAccountID.
	AccountID string
	// DefaultRegion is used when a request carries no SigV4 credential scope.
	// Default "us-east-1".
	DefaultRegion string
	// DefaultPageSize limits a page when the request has no MaxResults.
	// 0 returns everything in one page, as EC2 does.
	DefaultPageSize int
	// Logf, when set, is told about every call (action, region, parameters).
	Logf func(format string, args ...any)
}

// Request is one parsed call, handed to a HandlerFunc.
type Request struct {
	Context     context.Context
	Region      string
	Action      string
	AccessKeyID string
	AccountID   string
	RequestID   string
	Form        url.Values
}

// HandlerFunc answers one action. It returns a value that encoding/xml
// marshals as the whole response document, or an error; an *APIError becomes
// EC2's error document with its status, any other error an InternalError.
type HandlerFunc func(s *Server, r *Request) (any, error)

// Call is the record of one HTTP call, faulted or not.
type Call struct {
	Region string
	Action string
	// AccessKeyID is the key id the call was signed with ("" if unsigned),
	// so tests can see which credentials the chain picked.
	AccessKeyID string
	// InvocationID is the id aws-sdk-go-v2 gives one operation call and
	// repeats on its retries ("" from a client that sends none).
	InvocationID string
	Form         url.Values
	At           time.Time
	// Fault is the code of the injected fault that answered the call, ""
	// when none did.
	Fault string
}

// Server is the fake endpoint. It is safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	handlers map[string]HandlerFunc
	images   map[string][]Image // region -> images in insertion order
	calls    []Call
	faults   []*Fault
	latency  time.Duration
	nextID   uint64
	// after, when set, sees every answered call (see AfterCall).
	after func(r *Request)
}

// New returns a Server that answers DescribeImages.
func New(opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "us-east-1"
	}
	s := &Server{
		opts:     opts,
		handlers: map[string]HandlerFunc{},
		images:   map[string][]Image{},
	}
	s.Handle("DescribeImages", describeImages)
	return s
}

// AccountID returns the account that "self" stands for.
func (s *Server) AccountID() string { return s.opts.AccountID }

// Handle registers (or replaces) the handler of an action.
func (s *Server) Handle(action string, h HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[action] = h
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if err := hr.ParseForm(); err != nil {
		writeError(w, "", &APIError{Code: "MalformedQueryString", Message: err.Error()})
		return
	}
	form := cloneValues(hr.Form)
	req := &Request{
		Context:   hr.Context(),
		Action:    form.Get("Action"),
		AccountID: s.opts.AccountID,
		Form:      form,
	}
	req.AccessKeyID, req.Region = credentialOf(hr, s.opts.DefaultRegion)

	s.mu.Lock()
	s.nextID++
	req.RequestID = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.nextID)
	invocationID := hr.Header.Get(invocationIDHeader)
	fault := s.takeFault(req.Region, req.Action, func() string { return callKey(req.Region, invocationID, form) })
	call := Call{Region: req.Region, Action: req.Action, AccessKeyID: req.AccessKeyID, InvocationID: invocationID, Form: cloneValues(form), At: time.Now()}
	if fault != nil {
		call.Fault = fault.Code
	}
	s.calls = append(s.calls, call)
	latency := s.latency
	handler := s.handlers[req.Action]
	s.mu.Unlock()
	if s.opts.Logf != nil {
		s.opts.Logf("%s %s %s", req.Region, req.Action, form.Encode())
	}

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-hr.Context().Done():
			return
		}
	}
	if fault != nil {
		writeError(w, req.RequestID, fault)
		return
	}
	if err := validateCommon(req); err != nil {
		writeError(w, req.RequestID, err)
		return
	}
	if handler == nil {
		writeError(w, req.RequestID, &APIError{Code: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this web service.", req.Action)})
		return
	}
	resp, err := handler(s, req)
	s.mu.Lock()
	after := s.after
	s.mu.Unlock()
	if after != nil {
		// Before the answer leaves: what fn changes is in place by the time
		// the caller makes its next call.
		after(req)
	}
	if err != nil {
		writeError(w, req.RequestID, err)
		return
	}
	body, err := xml.Marshal(resp)
	if err != nil {
		writeError(w, req.RequestID, fmt.Errorf("marshal %s response: %w", req.Action, err))
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("X-Amzn-Requestid", req.RequestID)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

func validateCommon(r *Request) error {
	if r.Action == "" {
		return &APIError{Code: "MissingAction", Message: "The request must contain the parameter Action."}
	}
	if r.Form.Get("Version") == "" {
		return &APIError{Code: "MissingParameter", Message: "The request must contain the parameter Version."}
	}
	return nil
}

// credentialScope matches a SigV4 credential:
// Credential=AKID/20261121/us-west-2/ec2/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=([^/]+)/[0-9]{8}/([a-z0-9-]+)/ec2/aws4_request`)

// credentialOf reads the key id and the region the caller signed for. With a
// custom endpoint the URL is the same for every region, so the signature is
// the only place the SDK states the region.
func credentialOf(r *http.Request, fallbackRegion string) (accessKeyID, region string) {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1], m[2]
	}
	return "", fallbackRegion
}

// Calls returns a copy of every call recorded so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Form = cloneValues(c.Form)
		out[i] = c
	}
	return out
}

// CallCount returns how many calls of an action arrived ("" counts all).
func (s *Server) CallCount(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if action == "" || c.Action == action {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// AfterCall makes fn see every call a handler answered, after the handler
// ran and before the answer is sent: a test uses it to change the state
// between two calls of a client, e.g. to deregister an image right after a
// lookup found it. nil removes it.
func (s *Server) AfterCall(fn func(r *Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = fn
}

// SetLatency delays every following call by d before it is answered.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
