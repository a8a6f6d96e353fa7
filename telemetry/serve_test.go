package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lab/telemetry"
)

// A bare port listens on loopback only.
func TestServeMetricsLoopback(t *testing.T) {
	srv, err := telemetry.ServeMetrics(":0", prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("listening on %s", srv.Addr())
	}
}

// gatedCollector holds a scrape inside Collect until released.
type gatedCollector struct {
	desc    *prometheus.Desc
	entered chan struct{}
	release chan struct{}
}

func (g *gatedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *gatedCollector) Collect(ch chan<- prometheus.Metric) {
	g.entered <- struct{}{}
	<-g.release
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.CounterValue, 0)
}

// AwaitScrape returns once a scrape that began after the call has been
// answered: not for one already under way (it may have read the registry
// before the caller's change), and not without one before the timeout or
// the context's end.
func TestAwaitScrape(t *testing.T) {
	g := &gatedCollector{desc: prometheus.NewDesc("lab_gated_total", "A scrape waits for it.", nil, nil),
		entered: make(chan struct{}), release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	reg.MustRegister(g)
	srv, err := telemetry.ServeMetrics("127.0.0.1:0", reg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	scrape := func() chan error {
		done := make(chan error, 1)
		go func() {
			resp, err := http.Get("http://" + srv.Addr() + "/metrics")
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
		return done
	}

	if srv.AwaitScrape(context.Background(), 50*time.Millisecond) {
		t.Fatal("a scrape awaited with nobody scraping")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if srv.AwaitScrape(ctx, time.Minute) {
		t.Fatal("a scrape awaited after the context ended")
	}

	early := scrape()
	<-g.entered // the early scrape is reading the registry
	awaited := make(chan bool, 1)
	go func() { awaited <- srv.AwaitScrape(context.Background(), time.Minute) }()
	time.Sleep(20 * time.Millisecond) // let AwaitScrape begin waiting
	g.release <- struct{}{}
	if err := <-early; err != nil {
		t.Fatal(err)
	}
	select {
	case <-awaited:
		t.Fatal("the scrape under way when AwaitScrape was called counted")
	case <-time.After(100 * time.Millisecond):
	}
	late := scrape()
	<-g.entered
	g.release <- struct{}{}
	if err := <-late; err != nil {
		t.Fatal(err)
	}
	if !<-awaited {
		t.Fatal("the scrape begun after AwaitScrape did not count")
	}
}
