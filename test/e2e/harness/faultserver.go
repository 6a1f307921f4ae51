//go:build linux

package harness

import (
	"net/http"
	"sync"
	"time"
)

// FaultServer serves the same repositories as Repos.BaseURL, but can be told
// to fail: answer 5xx to the next N requests, or stall them. URL+"/apt/" is
// the signed flat repository behind the faults. Settings apply to the
// requests that arrive after the call.
type FaultServer struct {
	URL string

	mu         sync.Mutex
	failLeft   int
	failStatus int
	stallLeft  int
	stallFor   time.Duration
	requests   int
	failed     int
}

// FailNext makes the next n requests fail with status (e.g. 503).
func (f *FaultServer) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failLeft, f.failStatus = n, status
}

// StallNext makes the next n requests hang for d (or until the client or
// the server gives up) before they are answered normally.
func (f *FaultServer) StallNext(n int, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stallLeft, f.stallFor = n, d
}

// Reset clears pending faults and the counters.
func (f *FaultServer) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failLeft, f.failStatus, f.stallLeft, f.stallFor, f.requests, f.failed = 0, 0, 0, 0, 0, 0
}

// Requests is the number of requests received, Failed how many of them got
// an injected error.
func (f *FaultServer) Requests() (requests, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.failed
}

func (f *FaultServer) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		f.mu.Lock()
		f.requests++
		status, stall := 0, time.Duration(0)
		if f.failLeft > 0 {
			f.failLeft--
			f.failed++
			status = f.failStatus
		}
		if f.stallLeft > 0 {
			f.stallLeft--
			stall = f.stallFor
		}
		f.mu.Unlock()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-req.Context().Done():
				return
			}
		}
		if status != 0 {
			http.Error(w, "injected failure", status)
			return
		}
		h.ServeHTTP(w, req)
	})
}
