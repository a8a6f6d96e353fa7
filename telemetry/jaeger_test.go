package telemetry_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/internal/realenv"
	"lab/invoker"
	"lab/telemetry"
)

// exportRun runs one run with the real OTLP exporter, as the environment
// configures it, and flushes.
func exportRun(t *testing.T, seed uint64, variant invoker.Variant) (*faults.Result, string) {
	t.Helper()
	x, err := telemetry.NewExport(context.Background(), telemetry.ExportOptions{OTLP: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := x.Tracer(telemetry.TraceOptions{})
	r := runWith(t, seed, variant, "shutdown-race", tr)
	lost, err := x.Shutdown(context.Background(), 10*time.Second)
	if err != nil || lost != 0 {
		t.Fatalf("export: %d spans lost, %v", lost, err)
	}
	return r, tr.TraceID()
}

func spansNamed(tr *realenv.Trace, name string, match ...func(realenv.Span) bool) []realenv.Span {
	var out []realenv.Span
	for _, s := range tr.Spans {
		ok := s.Name == name
		for _, m := range match {
			ok = ok && m(s)
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func spanEvent(s realenv.Span, name string) (realenv.Event, bool) {
	for _, e := range s.Events {
		if e.Name == name {
			return e, true
		}
	}
	return realenv.Event{}, false
}

// The README's seed, on which the buggy invoker panics at the node's
// shutdown (#2543), exported over OTLP to a real Jaeger and fetched
// back by its id from /api/v3, tells the story in causal order.
func TestJaeger(t *testing.T) {
	j := realenv.StartJaeger(t)

	t.Run("issue-2543 over OTLP/HTTP", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", j.OTLPHTTP)
		r, id := exportRun(t, faults.DefaultSeed, invoker.Buggy)
		if !r.Violated(faults.NoPanic) {
			t.Fatalf("seed %d no longer panics", faults.DefaultSeed)
		}
		tr := j.GetTrace(t, id, r.Kinds[invoker.KindAccepted], 10*time.Second)
		if tr.Resource["service.name"] != "lab" {
			t.Errorf("service.name = %v", tr.Resource["service.name"])
		}
		roots := spansNamed(tr, "lab.run")
		if len(roots) != 1 || roots[0].StatusCode != 2 || roots[0].Attributes["lab.seed"] != int64(faults.DefaultSeed) ||
			roots[0].Attributes["lab.variant"] != "buggy" || roots[0].ParentSpanID != "" {
			t.Fatalf("root spans: %+v", roots)
		}
		waits := spansNamed(tr, "queue.wait", func(s realenv.Span) bool { return s.Attributes["lab.queue.outcome"] == "panic" })
		if len(waits) != 1 {
			t.Fatalf("%d queue.wait spans end in a panic", len(waits))
		}
		wait := waits[0]
		p, e := wait.Attributes["lab.partition.id"], wait.Attributes["lab.leader.epoch"]
		terms := spansNamed(tr, "partition.leadership", func(s realenv.Span) bool {
			return s.Attributes["lab.partition.id"] == p && s.Attributes["lab.leader.epoch"] == e
		})
		if len(terms) != 1 {
			t.Fatalf("%d terms p%v/e%v", len(terms), p, e)
		}
		term := terms[0]
		abortAll, okA := spanEvent(term, "invoker.abort-all")
		panicEv, okP := spanEvent(wait, "invoker.panic")
		_, okX := spanEvent(wait, "exception")
		switch {
		case !okA || !okP || !okX:
			t.Errorf("events: abort-all on the term %v, panic %v and exception %v on the wait", okA, okP, okX)
		case wait.StatusCode != 2 || !strings.Contains(wait.StatusMessage, "has_partition"):
			t.Errorf("wait status %d %q", wait.StatusCode, wait.StatusMessage)
		// Causal order: the wait starts in the term, the term ends with
		// the abort-all, then the wait ends in the panic.
		case !(term.Start.Before(wait.Start) && wait.Start.Before(abortAll.Time) &&
			abortAll.Time.Equal(term.End) && term.End.Before(panicEv.Time) && panicEv.Time.Equal(wait.End)):
			t.Errorf("out of order: term %v..%v, wait %v..%v, abort-all %v, panic %v",
				term.Start, term.End, wait.Start, wait.End, abortAll.Time, panicEv.Time)
		}
		invs := spansNamed(tr, "invocation", func(s realenv.Span) bool { return s.SpanID == wait.ParentSpanID })
		if len(invs) != 1 || invs[0].StatusCode != 2 ||
			!slices.ContainsFunc(invs[0].Links, func(l realenv.Link) bool { return l.SpanID == term.SpanID }) {
			t.Errorf("the wait's invocation is not red or does not link to its term: %+v", invs)
		}
		if n := len(spansNamed(tr, "node.shutdown")); n != 2 {
			t.Errorf("%d node.shutdown spans", n)
		}
	})

	t.Run("OTLP/gRPC", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+j.OTLPGRPC)
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
		t.Setenv("OTEL_SERVICE_NAME", "lab-grpc")
		r, id := exportRun(t, 2, invoker.Fixed)
		tr := j.GetTrace(t, id, r.Kinds[invoker.KindAccepted], 10*time.Second)
		if tr.Resource["service.name"] != "lab-grpc" || len(spansNamed(tr, "lab.run")) != 1 {
			t.Errorf("service %v, %d roots", tr.Resource["service.name"], len(spansNamed(tr, "lab.run")))
		}
		if got := len(spansNamed(tr, "attempt")); got != r.Kinds[invoker.KindTaskStart] {
			t.Errorf("%d attempts in Jaeger, %d in the run", got, r.Kinds[invoker.KindTaskStart])
		}
	})

	t.Run("trace file posted to OTLP/HTTP", func(t *testing.T) {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
		r, id := exportFile(t, 3, a)
		_, id2 := exportFile(t, 3, b)
		fa, _ := os.ReadFile(a)
		fb, _ := os.ReadFile(b)
		if id != id2 || !bytes.Equal(fa, fb) {
			t.Fatal("the same run with the same anchor wrote different trace files")
		}
		resp, err := http.Post(j.OTLPHTTP+"/v1/traces", "application/json", bytes.NewReader(fa))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /v1/traces: %s", resp.Status)
		}
		tr := j.GetTrace(t, id, r.Kinds[invoker.KindAccepted]+1, 10*time.Second)
		if got := len(spansNamed(tr, "invocation")); got != r.Kinds[invoker.KindAccepted] {
			t.Errorf("%d invocations from the file, %d in the run", got, r.Kinds[invoker.KindAccepted])
		}
	})
}

var fileAnchor = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// exportFile runs one run with a fixed anchor, its trace written to path.
func exportFile(t *testing.T, seed uint64, path string) (*faults.Result, string) {
	t.Helper()
	x, err := telemetry.NewExport(context.Background(), telemetry.ExportOptions{TraceOut: path})
	if err != nil {
		t.Fatal(err)
	}
	tr := x.Tracer(telemetry.TraceOptions{Anchor: fileAnchor})
	r := runWith(t, seed, invoker.Buggy, "chaos", tr)
	if _, err := x.Shutdown(context.Background(), 5*time.Second); err != nil || x.FileErr() != nil {
		t.Fatal(err, x.FileErr())
	}
	return r, tr.TraceID()
}
