package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"lab/explore"
	"lab/faults"
	"lab/telemetry"
)

// traceExport is the OTLP export of the traces lab shrink, compare, bugs
// and explore compare side by side, when the command line or the
// environment asks for it; close flushes it, once.
type traceExport struct {
	x      *telemetry.Export
	stderr io.Writer
}

// newTraceExport exports over OTLP if otlp (otlpWanted) says so.
func newTraceExport(ctx context.Context, otlp bool, stderr io.Writer) (*traceExport, error) {
	if !otlp {
		return nil, nil
	}
	x, err := telemetry.NewExport(ctx, telemetry.ExportOptions{OTLP: true})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return &traceExport{x: x, stderr: stderr}, nil
}

// trace replays the original schedule and the shrunk one (its bytes), each
// as a trace of its own, and flushes them: the before and after of the
// shrinking.
func (t *traceExport) trace(ctx context.Context, original *faults.Schedule, shrunk []byte, name, jaegerURL string) (*explore.Traces, error) {
	after, err := faults.ParseSchedule(name, shrunk)
	if err != nil {
		return nil, err
	}
	tr, err := t.beforeAfter(ctx, original, after, jaegerURL)
	t.close()
	return tr, err
}

// beforeAfter replays a schedule and, if not nil, its shrunk version, each
// as a trace of its own. Each trace's time anchor is when its replay
// starts, so the two never share ids.
func (t *traceExport) beforeAfter(ctx context.Context, original, shrunk *faults.Schedule, jaegerURL string) (*explore.Traces, error) {
	var ids []string
	for _, s := range []*faults.Schedule{original, shrunk} {
		if s == nil {
			continue
		}
		tr := t.tracer()
		o := faults.ReplayOptions(s)
		o.Observers = append(o.Observers, tr)
		if _, err := faults.Run(ctx, o); err != nil {
			return nil, err
		}
		ids = append(ids, tr.TraceID())
	}
	if len(ids) == 1 {
		return &explore.Traces{Original: ids[0]}, nil
	}
	a, b := ids[0], ids[1]
	return &explore.Traces{Original: a, Shrunk: b, CompareURL: jaegerCompareURL(jaegerURL, a, b)}, nil
}

// traceSaved exports the runs of the failures r saved, each schedule and
// its shrunk version as traces, and the seed's run under cfg.Against if
// it was rerun; it names them in r, and flushes them.
func (t *traceExport) traceSaved(ctx context.Context, cfg explore.Config, r *explore.Report, jaegerURL string) error {
	defer t.close()
	for i := range r.Failures {
		f := &r.Failures[i]
		path := explore.RecordedSchedule(f.Files)
		if path == "" {
			continue
		}
		original, err := readSchedule(path)
		if err != nil {
			return err
		}
		var shrunk *faults.Schedule
		if path := explore.ShrunkSchedule(f.Files); path != "" {
			if shrunk, err = readSchedule(path); err != nil {
				return err
			}
		}
		if f.Traces, err = t.beforeAfter(ctx, original, shrunk, jaegerURL); err != nil {
			return fmt.Errorf("seed %d: %w", f.Seed, err)
		}
		if cfg.Against != nil && f.Against != nil && f.Against.Skipped == "" {
			if err := t.traceAgainst(ctx, cfg, f, jaegerURL); err != nil {
				return fmt.Errorf("seed %d against %s: %w", f.Seed, cfg.Against, err)
			}
		}
	}
	return nil
}

// traceAgainst exports f's seed run with cfg.Against's setting changed as
// a trace, and links its comparison with f's own run.
func (t *traceExport) traceAgainst(ctx context.Context, cfg explore.Config, f *explore.Failure, jaegerURL string) error {
	o, err := cfg.SeedOptions(f.Seed)
	if err != nil {
		return err
	}
	cfg.Against.Apply(&o)
	tr := t.tracer()
	o.Observers = append(o.Observers, tr)
	if _, err := faults.Run(ctx, o); err != nil {
		return err
	}
	f.Traces.Against = tr.TraceID()
	f.Traces.AgainstURL = jaegerCompareURL(jaegerURL, f.Traces.Original, f.Traces.Against)
	return nil
}

// tracer is a new trace on the export, for one run.
func (t *traceExport) tracer() *telemetry.Tracer { return t.x.Tracer(telemetry.TraceOptions{}) }

// jaegerCompareURL is where Jaeger UI shows traces a and b side by side
// (its TraceDiff route).
func jaegerCompareURL(jaegerURL, a, b string) string {
	return fmt.Sprintf("%s/trace/%s...%s?cohort=%s&cohort=%s", strings.TrimSuffix(jaegerURL, "/"), a, b, a, b)
}

// close flushes the spans, once (shutdownExport).
func (t *traceExport) close() {
	if t == nil || t.x == nil {
		return
	}
	shutdownExport(context.Background(), t.x, t.stderr)
	t.x = nil
}
