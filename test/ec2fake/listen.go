package ec2fake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Listener is a Server running on a real TCP port, for Packer and other
// processes that cannot share an httptest server's process.
type Listener struct {
	// Endpoint is the URL to put in custom_endpoint_ec2, e.g. http://127.0.0.1:40123.
	Endpoint string
	srv      *http.Server
	done     chan error
}

// Listen serves s on addr (use "127.0.0.1:0" for a free loopback port).
func (s *Server) Listen(addr string) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	l := &Listener{
		Endpoint: "http://" + ln.Addr().String(),
		srv:      &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan error, 1),
	}
	go func() { l.done <- l.srv.Serve(ln) }()
	return l, nil
}

// Close stops accepting calls and waits for the ones under way, until ctx ends.
func (l *Listener) Close(ctx context.Context) error {
	if err := l.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down ec2fake at %s: %w", l.Endpoint, err)
	}
	if err := <-l.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ec2fake at %s: %w", l.Endpoint, err)
	}
	return nil
}
