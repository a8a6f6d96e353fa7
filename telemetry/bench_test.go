package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

// benchRun runs seed of the reference workload (shutdown-race, buggy, spill
// in memory) with the observers given.
func benchRun(b *testing.B, seed uint64, p *faults.Plan, obs ...faults.Observer) {
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Buggy
	_, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p,
		Workload: faults.DefaultWorkload(), Observers: obs})
	if err != nil {
		b.Fatal(err)
	}
}

// inMemory is a tracer whose spans go synchronously to an in-memory
// exporter, so that every cost of tracing is paid on the benchmark's
// goroutine.
func inMemory() (*telemetry.Tracer, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	ids := telemetry.NewIDs()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(ids), sdktrace.WithSyncer(exp),
		sdktrace.WithRawSpanLimits(telemetry.SpanLimits()))
	return telemetry.NewTracer(tp, ids, telemetry.TraceOptions{Anchor: time.Unix(0, 0)}), exp
}

// BenchmarkTelemetry is complete runs per second of the reference workload
// with telemetry off, with metrics, with tracing to memory, and with both.
func BenchmarkTelemetry(b *testing.B) {
	p, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	setups := []struct {
		name string
		obs  func() ([]faults.Observer, func())
	}{
		{"off", func() ([]faults.Observer, func()) { return nil, func() {} }},
		{"metrics", func() ([]faults.Observer, func()) {
			m, _ := telemetry.NewMetrics(prometheus.NewRegistry(), telemetry.MetricsOptions{})
			return []faults.Observer{m}, func() {}
		}},
		{"traced", func() ([]faults.Observer, func()) {
			tr, exp := inMemory()
			return []faults.Observer{tr}, exp.Reset
		}},
		{"traced+metrics", func() ([]faults.Observer, func()) {
			tr, exp := inMemory()
			m, _ := telemetry.NewMetrics(prometheus.NewRegistry(), telemetry.MetricsOptions{TraceID: tr.TraceIDOf})
			return []faults.Observer{tr, m}, exp.Reset
		}},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			obs, reset := s.obs()
			for i := 0; b.Loop(); i++ {
				benchRun(b, uint64(i+1), p, obs...)
				reset()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}

// BenchmarkTracingOverhead runs the same seeds with telemetry off and traced
// to memory, alternately, and reports the ratio of their times: how many
// times slower a traced run is.
func BenchmarkTracingOverhead(b *testing.B) {
	p, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	tr, exp := inMemory()
	var off, on time.Duration
	spans := 0
	for i := 0; b.Loop(); i++ {
		seed := uint64(i%100 + 1)
		t0 := time.Now()
		benchRun(b, seed, p)
		t1 := time.Now()
		benchRun(b, seed, p, tr)
		t2 := time.Now()
		off, on = off+t1.Sub(t0), on+t2.Sub(t1)
		if i == 0 {
			spans = len(exp.GetSpans())
		}
		exp.Reset()
	}
	b.ReportMetric(float64(on)/float64(off), "x-traced/off")
	b.ReportMetric(float64(spans), "spans/run")
	b.ReportMetric(float64(b.N)/off.Seconds(), "off-runs/s")
	b.ReportMetric(float64(b.N)/on.Seconds(), "traced-runs/s")
}
