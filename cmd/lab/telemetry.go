package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"lab/faults"
	"lab/live"
	"lab/telemetry"
)

// exportTimeout bounds the final flush of spans: a collector that is down
// or slow never holds the command up longer.
const exportTimeout = 2 * time.Second

// latestAnchor leaves room for the longest virtual time (24,000h) before
// nanoseconds since 1970 overflow an int64 (in 2262).
var latestAnchor = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// telemetryFlags say where a run's spans and metrics go.
type telemetryFlags struct {
	flags            *pflag.FlagSet // for whether --otlp was given
	otlp             bool
	traceOut, anchor string
	jaegerURL        string
	metrics          metricsFlags
	anchorTime       time.Time
}

func (t *telemetryFlags) register(fl *pflag.FlagSet) {
	t.flags = fl
	fl.BoolVar(&t.otlp, "otlp", false, "export the run's trace over OTLP, configured by the OTEL_EXPORTER_OTLP_* variables (on by itself when an endpoint variable is set)")
	fl.StringVar(&t.traceOut, "trace-out", "", "write the run's trace to this file as OTLP JSON, a line per 4,096 spans")
	fl.StringVar(&t.anchor, "time-anchor", "", "wall-clock time (RFC 3339) of virtual time 0 in the trace; fixed, the same seed gives the same spans (default: when the run starts)")
	registerJaegerURL(fl, &t.jaegerURL, "Jaeger UI the report links the trace to")
	t.metrics.register(fl, "", "run")
}

// telemetryFlagNames are the flags telemetryFlags registers: they say where
// a run's telemetry goes and shape nothing of the run, so a command that
// runs it again leaves them out.
var telemetryFlagNames = func() map[string]bool {
	fl := pflag.NewFlagSet("telemetry", pflag.ContinueOnError)
	new(telemetryFlags).register(fl)
	return flagNames(fl)
}()

func (t *telemetryFlags) check() error {
	if t.anchor != "" {
		a, err := time.Parse(time.RFC3339Nano, t.anchor)
		if err != nil {
			return usageError("--time-anchor %s: want an RFC 3339 time like 2026-01-01T00:00:00Z", t.anchor)
		}
		// Spans carry nanoseconds since 1970 in an int64: year 1 was taken
		// for no anchor at all, 9999 wrapped to negative times.
		if !a.After(time.Unix(0, 0)) || !a.Before(latestAnchor) {
			return usageError("--time-anchor %s: want a time after 1970-01-01 and before 2200-01-01", t.anchor)
		}
		t.anchorTime = a
	}
	return t.metrics.check()
}

// tracing reports whether the run is traced.
func (t *telemetryFlags) tracing() bool { return t.exportsOTLP() || t.traceOut != "" }

// exportsOTLP reports whether the run's spans go over OTLP.
func (t *telemetryFlags) exportsOTLP() bool { return otlpWanted(t.flags, t.otlp) }

// otlpWanted is whether to export over OTLP: as --otlp says when it is
// given (--otlp=false too), or else when an endpoint variable is set and
// OTEL_SDK_DISABLED is not true.
func otlpWanted(fl *pflag.FlagSet, otlp bool) bool {
	if fl != nil && fl.Changed("otlp") {
		return otlp
	}
	return otlp || telemetry.OTLPFromEnv()
}

// telemetrySession is a run's telemetry: its trace export, its metrics and
// the endpoint serving them.
type telemetrySession struct {
	flags   *telemetryFlags
	stderr  io.Writer
	export  *telemetry.Export
	tracer  *telemetry.Tracer
	metrics *telemetry.Metrics
	server  *telemetry.MetricsServer
	// ctx is the command's: cancelled by the first Ctrl-C.
	ctx context.Context
}

// startTelemetry adds the observers the flags ask for to opts and starts
// serving metrics. The session (even with an error) must be closed on
// every path.
func startTelemetry(ctx context.Context, t *telemetryFlags, opts *faults.Options, stderr io.Writer) (*telemetrySession, error) {
	s := &telemetrySession{ctx: ctx, flags: t, stderr: stderr}
	if t.tracing() {
		x, err := telemetry.NewExport(ctx, telemetry.ExportOptions{OTLP: t.exportsOTLP(), TraceOut: t.traceOut})
		if err != nil {
			return nil, usageError("%v", err)
		}
		s.export = x
		s.tracer = x.Tracer(telemetry.TraceOptions{Anchor: t.anchorTime})
		opts.Observers = append(opts.Observers, s.tracer)
	}
	if t.metrics.addr != "" {
		reg := prometheus.NewRegistry()
		mo := telemetry.MetricsOptions{}
		if s.tracer != nil {
			mo.TraceID = s.tracer.TraceIDOf
		}
		m, err := telemetry.NewMetrics(reg, mo)
		if err != nil {
			return s, err
		}
		srv, err := t.metrics.serve(reg, stderr)
		if err != nil {
			return s, err
		}
		s.metrics, s.server = m, srv
		opts.Observers = append(opts.Observers, m)
	}
	return s, nil
}

// servesMetrics reports whether the run's metrics are served.
func (s *telemetrySession) servesMetrics() bool { return s != nil && s.metrics != nil }

// watch makes the gauges follow a live run's published view.
func (s *telemetrySession) watch(r *live.Runner) {
	if !s.servesMetrics() {
		return
	}
	s.metrics.NameRun(r.Info())
	s.metrics.SetView(func() *faults.Snapshot {
		if v := r.View(); v != nil {
			return &v.Snapshot
		}
		return nil
	})
}

// annotate names the run's trace in its result.
func (s *telemetrySession) annotate(res *faults.Result) {
	if s == nil || s.tracer == nil {
		return
	}
	res.TraceID = s.tracer.TraceID()
	if s.flags.exportsOTLP() {
		res.TraceURL = strings.TrimSuffix(s.flags.jaegerURL, "/") + "/trace/" + res.TraceID
	}
}

// awaitScrape makes the run's counters exist at 0 and waits, for
// --await-scrape, until they have been scraped.
func (s *telemetrySession) awaitScrape(opts faults.Options) {
	if !s.servesMetrics() {
		return
	}
	var rules []faults.Rule
	if opts.Plan != nil {
		rules = opts.Plan.Rules
	}
	s.metrics.Expect(opts.Node, rules)
	s.flags.metrics.awaitScrape(s.ctx, s.server, s.stderr)
}

// linger keeps serving metrics after the run, until the time is up or ctx
// is done.
func (s *telemetrySession) lingerOn(ctx context.Context) {
	if s != nil {
		s.flags.metrics.lingerOn(ctx, s.server, s.stderr)
	}
}

// flush ends what is still open (an interrupted run's spans), flushes the
// spans within exportTimeout and says on stderr how many were not
// delivered. *cmdErr is how the command ends so far; a trace file that
// could not be written replaces it. Only the first call does anything.
func (s *telemetrySession) flush(cmdErr *error) {
	if s == nil || s.export == nil {
		return
	}
	x := s.export
	s.export = nil
	if *cmdErr != nil && s.tracer.TraceID() == "" { // the run never started
		x.Discard()
	}
	if *cmdErr != nil && !errors.Is(*cmdErr, violationFound) {
		s.tracer.Close(*cmdErr)
	}
	// A run that ended is flushed until Ctrl-C, which then means exit now;
	// an interrupted one gets the whole timeout (a second Ctrl-C forces).
	finished := *cmdErr == nil || errors.Is(*cmdErr, violationFound)
	until := context.Background()
	if finished {
		until = s.ctx
	}
	shutdownExport(until, x, s.stderr)
	if ferr := x.FileErr(); ferr != nil && finished {
		*cmdErr = &exitError{exitInternal, writeError{ferr}}
	} else if finished && s.ctx.Err() != nil {
		*cmdErr = s.ctx.Err()
	}
}

// shutdownExport flushes x, waiting at most exportTimeout or until ctx is
// done, and says on stderr how many spans did not reach the collector.
func shutdownExport(ctx context.Context, x *telemetry.Export, stderr io.Writer) {
	lost, err := x.Shutdown(ctx, exportTimeout)
	switch {
	case lost > 0 && err != nil:
		fmt.Fprintf(stderr, "lab: %d spans not delivered to the OTLP collector: %v\n", lost, err)
	case lost > 0:
		fmt.Fprintf(stderr, "lab: %d spans not delivered to the OTLP collector\n", lost)
	}
}

// close flushes the spans and stops serving metrics.
func (s *telemetrySession) close(cmdErr *error) {
	if s == nil {
		return
	}
	s.flush(cmdErr)
	if s.server != nil {
		s.server.Close()
		s.server = nil
	}
}
