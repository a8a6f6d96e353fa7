package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsServer serves /metrics for a registry, as OpenMetrics when the
// scraper accepts it (exemplars exist only there).
type MetricsServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error

	mu sync.Mutex
	// begun counts the scrapes that have started; served is the highest
	// of their numbers that has been answered, and answered is closed
	// (and replaced) at every answer.
	begun, served uint64
	answered      chan struct{}
}

// ServeMetrics listens on addr; a bare ":PORT" listens on loopback only.
func ServeMetrics(addr string, reg *prometheus.Registry) (*MetricsServer, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	s := &MetricsServer{ln: ln, done: make(chan error, 1), answered: make(chan struct{})}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics:   true,
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             5 * time.Second,
	})
	mux := http.NewServeMux()
	mux.Handle("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.begin()
		metrics.ServeHTTP(w, r)
		s.answer(n)
	}))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *MetricsServer) begin() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begun++
	return s.begun
}

func (s *MetricsServer) answer(n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.served = max(s.served, n)
	close(s.answered)
	s.answered = make(chan struct{})
}

// AwaitScrape waits until a scrape that began after the call has been
// answered, and reports whether one was; false when timeout passed or ctx
// ended first. A scrape already under way when it is called may have read
// the registry before the caller's last change, so it does not count.
func (s *MetricsServer) AwaitScrape(ctx context.Context, timeout time.Duration) bool {
	s.mu.Lock()
	after := s.begun
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		s.mu.Lock()
		done, answered := s.served > after, s.answered
		s.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-answered:
		case <-ctx.Done():
			return false
		}
	}
}

// Addr is the address the server listens on (useful with port 0).
func (s *MetricsServer) Addr() string { return s.ln.Addr().String() }

// Close stops serving, waiting at most a second for scrapes in progress.
func (s *MetricsServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
