package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"lab/faults"
	"lab/telemetry"
)

// beforeAfter names the traces of a schedule and of its shrunk version, and
// where Jaeger's trace comparison shows them side by side.
type beforeAfter struct {
	Original   string `json:"original"`
	Shrunk     string `json:"shrunk"`
	CompareURL string `json:"compare_url"`
}

// traceExport is lab shrink's export of the two traces, when the command
// line or the environment asks for OTLP; close flushes it, once.
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
// shrinking. Each trace's time anchor is when its replay starts, so the two
// never share ids.
func (t *traceExport) trace(ctx context.Context, original *faults.Schedule, shrunk []byte, name, jaegerURL string) (*beforeAfter, error) {
	after, err := faults.ParseSchedule(name, shrunk)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range []*faults.Schedule{original, after} {
		tr := t.tracer()
		o := faults.ReplayOptions(s)
		o.Observers = append(o.Observers, tr)
		if _, err := faults.Run(ctx, o); err != nil {
			return nil, err
		}
		ids = append(ids, tr.TraceID())
	}
	t.close()
	a, b := ids[0], ids[1]
	return &beforeAfter{Original: a, Shrunk: b, CompareURL: jaegerCompareURL(jaegerURL, a, b)}, nil
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
