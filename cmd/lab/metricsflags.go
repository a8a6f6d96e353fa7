package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"lab/telemetry"
)

// metricsFlags are --metrics-addr, --await-scrape and --linger: where a
// command serves its Prometheus metrics, how long it waits before its work
// for a scrape to see the counters at 0, and how long it goes on serving
// them after its work, so that a scrape sees the final values.
type metricsFlags struct {
	addr          string
	await, linger time.Duration
}

// register adds the flags; what names the metrics served (may be empty),
// after the work lingered after.
func (m *metricsFlags) register(fl *pflag.FlagSet, what, after string) {
	fl.StringVar(&m.addr, "metrics-addr", "", "serve Prometheus metrics"+what+" on this address (host:port; a bare :port is loopback)")
	fl.DurationVar(&m.await, "await-scrape", 0, "before the "+after+", wait up to this long for a first scrape of the metrics, so that Prometheus stores every counter at 0")
	fl.DurationVar(&m.linger, "linger", 0, "keep serving metrics this long after the "+after+" (Ctrl-C ends it sooner)")
}

func (m *metricsFlags) check() error {
	if m.addr != "" {
		// An empty port would take any free one, and nobody would know
		// where to scrape (:0 asks for that, and is said).
		if _, port, err := net.SplitHostPort(m.addr); err != nil || port == "" {
			return usageError("--metrics-addr %s: want host:port", m.addr)
		}
	}
	if m.linger < 0 {
		return usageError("--linger %v: must not be negative", m.linger)
	}
	if m.linger > 0 && m.addr == "" {
		return usageError("--linger needs --metrics-addr")
	}
	if m.await < 0 {
		return usageError("--await-scrape %v: must not be negative", m.await)
	}
	if m.await > 0 && m.addr == "" {
		return usageError("--await-scrape needs --metrics-addr")
	}
	return nil
}

// serve serves reg on --metrics-addr and says where on stderr; nil when
// no address was given.
func (m *metricsFlags) serve(reg *prometheus.Registry, stderr io.Writer) (*telemetry.MetricsServer, error) {
	if m.addr == "" {
		return nil, nil
	}
	srv, err := telemetry.ServeMetrics(m.addr, reg)
	if err != nil {
		return nil, usageError("--metrics-addr: %v", err)
	}
	fmt.Fprintf(stderr, "lab: serving metrics on http://%s/metrics\n", srv.Addr())
	return srv, nil
}

// awaitScrape waits, for --await-scrape, until srv has been scraped or ctx
// is done; without a scrape in time the work goes on, and stderr says so.
func (m *metricsFlags) awaitScrape(ctx context.Context, srv *telemetry.MetricsServer, stderr io.Writer) {
	if srv == nil || m.await <= 0 || ctx.Err() != nil {
		return
	}
	fmt.Fprintf(stderr, "lab: waiting up to %v for a first scrape\n", m.await)
	if !srv.AwaitScrape(ctx, m.await) && ctx.Err() == nil {
		fmt.Fprintf(stderr, "lab: no scrape of http://%s/metrics within %v; going on, so Prometheus may miss the counters' first increments\n", srv.Addr(), m.await)
	}
}

// lingerOn keeps srv serving for --linger, or until ctx is done.
func (m *metricsFlags) lingerOn(ctx context.Context, srv *telemetry.MetricsServer, stderr io.Writer) {
	if srv == nil || m.linger <= 0 || ctx.Err() != nil {
		return
	}
	fmt.Fprintf(stderr, "lab: serving metrics for %v more\n", m.linger)
	select {
	case <-time.After(m.linger):
	case <-ctx.Done():
	}
}
