package telemetry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"lab/faults"
	"lab/invoker"
	"lab/live"
	"lab/telemetry"
)

var anchor = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// traced runs one run of the reference workload with a tracer on a span
// recorder.
func traced(t *testing.T, seed uint64, variant invoker.Variant, plan string, o telemetry.TraceOptions) (*faults.Result, *telemetry.Tracer, []sdktrace.ReadOnlySpan) {
	t.Helper()
	return tracedRun(t, options(t, seed, variant, plan), o)
}

// tracedRun runs the run ro describes with a tracer on a span recorder.
func tracedRun(t *testing.T, ro faults.Options, o telemetry.TraceOptions) (*faults.Result, *telemetry.Tracer, []sdktrace.ReadOnlySpan) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	ids := telemetry.NewIDs()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(ids), sdktrace.WithSpanProcessor(sr),
		sdktrace.WithRawSpanLimits(telemetry.SpanLimits()))
	tr := telemetry.NewTracer(tp, ids, o)
	r := runOptions(t, ro, tr)
	if n, m := len(sr.Started()), len(sr.Ended()); n != m {
		t.Errorf("%d spans started, %d ended", n, m)
	}
	return r, tr, sr.Ended()
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func named(spans []sdktrace.ReadOnlySpan, name string, match ...func(sdktrace.ReadOnlySpan) bool) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		ok := s.Name() == name
		for _, m := range match {
			ok = ok && m(s)
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func hasEvent(s sdktrace.ReadOnlySpan, name string) (sdktrace.Event, bool) {
	for _, e := range s.Events() {
		if e.Name == name {
			return e, true
		}
	}
	return sdktrace.Event{}, false
}

// The #2543 story at a glance: the stale invoke's queue.wait starts inside
// its partition's leadership term, the term ends with the abort-all, and the
// wait ends in the panic, red, as do its invocation, its invoker and the run.
func TestTraceTellsIssue2543(t *testing.T) {
	r, tr, spans := traced(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race", telemetry.TraceOptions{Anchor: anchor})
	if !r.Violated(faults.NoPanic) {
		t.Fatalf("seed %d no longer panics", faults.DefaultSeed)
	}
	roots := named(spans, "lab.run")
	if len(roots) != 1 {
		t.Fatalf("%d lab.run spans", len(roots))
	}
	root := roots[0]
	if root.Parent().IsValid() || root.Status().Code != codes.Error || attr(root, "lab.seed").AsInt64() != faults.DefaultSeed ||
		attr(root, "lab.variant").AsString() != "buggy" || attr(root, "lab.model.revision").AsInt64() != faults.ModelRevision ||
		root.SpanContext().TraceID().String() != tr.TraceID() {
		t.Errorf("root: parent %v, status %v, attrs %v", root.Parent(), root.Status(), root.Attributes())
	}
	if _, ok := hasEvent(root, "exception"); !ok {
		t.Error("root has no exception event")
	}
	waits := named(spans, "queue.wait", func(s sdktrace.ReadOnlySpan) bool {
		return attr(s, "lab.queue.outcome").AsString() == "panic"
	})
	if len(waits) != 1 {
		t.Fatalf("%d queue.wait spans ending in a panic", len(waits))
	}
	wait := waits[0]
	panicEv, ok := hasEvent(wait, "invoker.panic")
	if !ok || wait.Status().Code != codes.Error || !wait.EndTime().Equal(panicEv.Time) {
		t.Errorf("wait: status %v, panic event %v at %v, ends %v", wait.Status(), ok, panicEv.Time, wait.EndTime())
	}
	if _, ok := hasEvent(wait, "exception"); !ok {
		t.Error("the wait has no exception event")
	}
	p, e := attr(wait, "lab.partition.id").AsInt64(), attr(wait, "lab.leader.epoch").AsInt64()
	terms := named(spans, "partition.leadership", func(s sdktrace.ReadOnlySpan) bool {
		return attr(s, "lab.partition.id").AsInt64() == p && attr(s, "lab.leader.epoch").AsInt64() == e
	})
	if len(terms) != 1 {
		t.Fatalf("%d terms p%d/e%d", len(terms), p, e)
	}
	term := terms[0]
	abortAll, ok := hasEvent(term, "invoker.abort-all")
	switch {
	case !ok || !term.EndTime().Equal(abortAll.Time):
		t.Errorf("term p%d/e%d does not end with the abort-all (%v at %v, ends %v)", p, e, ok, abortAll.Time, term.EndTime())
	case !wait.StartTime().After(term.StartTime()) || !wait.StartTime().Before(term.EndTime()):
		t.Errorf("the wait starts at %v, outside the term [%v, %v]", wait.StartTime(), term.StartTime(), term.EndTime())
	case !wait.EndTime().After(term.EndTime()):
		t.Errorf("the wait ends at %v, not after the term (%v)", wait.EndTime(), term.EndTime())
	}
	// The wait is a child of its invocation, which links to the term that
	// invoked it and is red too.
	invs := named(spans, "invocation", func(s sdktrace.ReadOnlySpan) bool {
		return s.SpanContext().SpanID() == wait.Parent().SpanID()
	})
	if len(invs) != 1 {
		t.Fatalf("the wait's parent is not an invocation")
	}
	inv := invs[0]
	if inv.Status().Code != codes.Error || attr(inv, "lab.invocation.id") != attr(wait, "lab.invocation.id") {
		t.Errorf("invocation: status %v, id %v", inv.Status(), attr(inv, "lab.invocation.id"))
	}
	if !slices.ContainsFunc(inv.Links(), func(l sdktrace.Link) bool { return l.SpanContext.SpanID() == term.SpanContext().SpanID() }) {
		t.Errorf("the invocation does not link to term p%d/e%d", p, e)
	}
	dead := named(spans, "invoker", func(s sdktrace.ReadOnlySpan) bool { return s.Status().Code == codes.Error })
	if len(dead) != 1 || attr(dead[0], "lab.invoker.id").AsInt64() != p {
		t.Errorf("%d red invoker spans, want invoker%d's", len(dead), p)
	}
}

// A progress violation is found as time passes, after whatever event came
// last, and is about the invocation it names first. Seed 8 of
// `shutdown-race`, on a node left running: i018 and i032 were killed, and
// their invokers retry them for ever; the verdict names i018 first, while
// the last event before it is i032's. Their invocation spans ended with
// the kill, so a red `violation` span under i018's carries the exception,
// and nothing of the kind is under i032's.
func TestProgressViolationUnderTheStuckInvocation(t *testing.T) {
	o := options(t, 8, invoker.Fixed, "shutdown-race")
	o.Workload.Kills, o.Workload.Shutdown = 6, false
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	if len(r.Violations) != 1 || r.Violations[0].Inv != "i018" || r.Violations[0].Event.Inv != "i032" {
		t.Fatalf("seed 8 no longer loops as this test expects: %v", r.Violations)
	}
	under := func(id string) []sdktrace.ReadOnlySpan {
		invs := named(spans, "invocation", func(s sdktrace.ReadOnlySpan) bool {
			return attr(s, "lab.invocation.id").AsString() == id
		})
		if len(invs) != 1 {
			t.Fatalf("%d invocation spans of %s", len(invs), id)
		}
		return named(spans, "violation", func(s sdktrace.ReadOnlySpan) bool {
			return s.Parent().SpanID() == invs[0].SpanContext().SpanID()
		})
	}
	vs := under("i018")
	if len(vs) != 1 {
		t.Fatalf("%d violation spans under i018's invocation, want 1", len(vs))
	}
	exc, ok := hasEvent(vs[0], "exception")
	rootExc, _ := hasEvent(named(spans, "lab.run")[0], "exception")
	if !ok || vs[0].Status().Code != codes.Error || attr(vs[0], "lab.invariant").AsString() != faults.Progress ||
		!exc.Time.Equal(rootExc.Time) || exc.Time.Sub(anchor) < r.Violations[0].At || !vs[0].EndTime().Equal(vs[0].StartTime()) {
		t.Errorf("violation span: status %v, exception %v at %v, attrs %v", vs[0].Status(), ok, exc.Time, vs[0].Attributes())
	}
	if n := len(under("i032")); n != 0 {
		t.Errorf("%d violation spans under the last event's invocation", n)
	}
}

// Every span has a known name and its parent in the same trace; there is one
// span per invocation, attempt, queue wait, term and shutdown.
func TestTraceShape(t *testing.T) {
	r, _, spans := traced(t, 7, invoker.Fixed, "chaos", telemetry.TraceOptions{Anchor: anchor})
	byID := map[[8]byte]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	known := map[string]bool{"lab.run": true, "partition.leadership": true, "node.shutdown": true, "invoker": true,
		"invocation": true, "queue.wait": true, "attempt": true, "shutdown.stop-ingress": true,
		"shutdown.step-down": true, "shutdown.cancel-invoker": true, "shutdown.join": true, "shutdown.spill-cleanup": true,
		"violation": true}
	for _, s := range spans {
		if !known[s.Name()] {
			t.Errorf("unknown span name %q", s.Name())
		}
		if s.Name() == "lab.run" {
			continue
		}
		parent, ok := byID[s.Parent().SpanID()]
		if !ok || parent.SpanContext().TraceID() != s.SpanContext().TraceID() {
			t.Errorf("%s has no parent in its trace", s.Name())
			continue
		}
		want := map[string]string{"queue.wait": "invocation", "attempt": "invocation"}[s.Name()]
		if len(s.Name()) > 9 && s.Name()[:9] == "shutdown." {
			want = "node.shutdown"
			if attr(s, "lab.shutdown.phase").AsString() != s.Name()[9:] {
				t.Errorf("%s has phase %v", s.Name(), attr(s, "lab.shutdown.phase"))
			}
		}
		if want != "" && parent.Name() != want {
			t.Errorf("%s is a child of %s, want %s", s.Name(), parent.Name(), want)
		}
		if s.EndTime().Before(s.StartTime()) || s.StartTime().Before(anchor) {
			t.Errorf("%s runs %v..%v", s.Name(), s.StartTime(), s.EndTime())
		}
		for i := 1; i < len(s.Events()); i++ {
			if s.Events()[i].Time.Before(s.Events()[i-1].Time) {
				t.Errorf("%s: event %s before %s", s.Name(), s.Events()[i].Name, s.Events()[i-1].Name)
			}
		}
	}
	count := func(name string) int { return len(named(spans, name)) }
	leaders := 0
	for _, s := range named(spans, "partition.leadership") {
		if _, ok := hasEvent(s, "pp.leader"); ok {
			leaders++
		}
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"invocation", count("invocation"), r.Kinds[invoker.KindAccepted]},
		{"attempt", count("attempt"), r.Kinds[invoker.KindTaskStart]},
		{"queue.wait", count("queue.wait"), r.Kinds[invoker.KindEnqueue]},
		{"partition.leadership", count("partition.leadership"), leaders},
		{"node.shutdown", count("node.shutdown"), 2},
		{"shutdown.stop-ingress", count("shutdown.stop-ingress"), 2},
		{"shutdown.join", count("shutdown.join"), 2 * len(r.Final.Invokers)},
	}
	// Restate's fixed invoker never removes its spill directory.
	if n := count("shutdown.spill-cleanup"); n != 0 {
		t.Errorf("%d shutdown.spill-cleanup spans in the fixed variant, want none", n)
	}
	for _, c := range checks {
		if c.got != c.want || c.got == 0 {
			t.Errorf("%d %s spans, want %d", c.got, c.what, c.want)
		}
	}
}

// Every fault the injector applied is a lab.fault event somewhere.
func TestTraceFaults(t *testing.T) {
	r, _, spans := traced(t, 3, invoker.Fixed, "chaos", telemetry.TraceOptions{Anchor: anchor})
	byKind := map[string]int{}
	for _, s := range spans {
		for _, e := range s.Events() {
			if e.Name == "lab.fault" {
				for _, kv := range e.Attributes {
					if kv.Key == "lab.fault.kind" {
						byKind[kv.Value.AsString()]++
					}
				}
			}
		}
	}
	for a := faults.Delay; a <= faults.Duplicate; a++ {
		if byKind[a.String()] != r.Faults[a] {
			t.Errorf("%d %s faults in the trace, %d in the run", byKind[a.String()], a, r.Faults[a])
		}
	}
	if r.FaultsInjected() == 0 {
		t.Error("chaos injected no fault")
	}
}

// A fault on a segment's read reaching its invoker (segment-loaded) is an
// event on that invoker's span, as one on the node's cancel or join is:
// the read is the invoker's queue's, about no one invocation.
func TestTraceFaultOnASegmentRead(t *testing.T) {
	o := options(t, 1, invoker.Fixed, "none")
	o.Plan = &faults.Plan{Name: "slow-reads", Rules: []faults.Rule{{Kinds: []invoker.MsgKind{invoker.MsgSegmentLoaded},
		Action: faults.Delay, Probability: 1, DelayMin: time.Millisecond, DelayMax: 2 * time.Millisecond}}}
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	if r.Faults[faults.Delay] == 0 {
		t.Fatal("seed 1 of none reads no segment back: no read to delay")
	}
	on := map[string]int{}
	for _, s := range spans {
		for _, e := range s.Events() {
			if e.Name != "lab.fault" {
				continue
			}
			for _, kv := range e.Attributes {
				if kv.Key == "lab.fault.message" && kv.Value.AsString() == invoker.MsgSegmentLoaded.String() {
					on[s.Name()]++
				}
			}
		}
	}
	if on["invoker"] != r.Faults[faults.Delay] || len(on) != 1 {
		t.Errorf("the %d delayed reads are lab.fault events on spans %v, want all on invoker spans", r.Faults[faults.Delay], on)
	}
}

type spanKey struct {
	name, trace, span, parent string
	start, end                time.Time
	attrs                     string
	events                    int
}

func keys(spans []sdktrace.ReadOnlySpan) []spanKey {
	var out []spanKey
	for _, s := range spans {
		set := attribute.NewSet(s.Attributes()...)
		out = append(out, spanKey{s.Name(), s.SpanContext().TraceID().String(), s.SpanContext().SpanID().String(),
			s.Parent().SpanID().String(), s.StartTime(), s.EndTime(), set.Encoded(attribute.DefaultEncoder()),
			len(s.Events())})
	}
	return out
}

// A fixed anchor gives the same spans and ids; another anchor or another
// variant gives other ids, so that two runs never share a trace.
func TestTraceIDsStableForAnAnchor(t *testing.T) {
	_, tr1, a := traced(t, 1, invoker.Buggy, "shutdown-race", telemetry.TraceOptions{Anchor: anchor})
	_, tr2, b := traced(t, 1, invoker.Buggy, "shutdown-race", telemetry.TraceOptions{Anchor: anchor})
	if !slices.Equal(keys(a), keys(b)) || tr1.TraceID() != tr2.TraceID() {
		t.Error("the same run with the same anchor gave different spans")
	}
	_, tr3, _ := traced(t, 1, invoker.Buggy, "shutdown-race", telemetry.TraceOptions{Anchor: anchor.Add(time.Second)})
	_, tr4, _ := traced(t, 1, invoker.Fixed, "shutdown-race", telemetry.TraceOptions{Anchor: anchor})
	if tr3.TraceID() == tr1.TraceID() || tr4.TraceID() == tr1.TraceID() {
		t.Error("another anchor or variant gave the same trace id")
	}
}

// Above the split size, each invocation is a trace of its own linked to the run.
func TestTraceSplitsLargeRuns(t *testing.T) {
	_, tr, spans := traced(t, 1, invoker.Fixed, "none", telemetry.TraceOptions{Anchor: anchor, SplitAbove: 10})
	root := named(spans, "lab.run")[0]
	invs := named(spans, "invocation")
	if len(invs) == 0 {
		t.Fatal("no invocation spans")
	}
	traces := map[string]bool{}
	for _, s := range invs {
		id := s.SpanContext().TraceID()
		traces[id.String()] = true
		if id == root.SpanContext().TraceID() || s.Parent().IsValid() || len(s.Links()) == 0 ||
			s.Links()[0].SpanContext.SpanID() != root.SpanContext().SpanID() {
			t.Fatalf("invocation %v is not a root of its own trace linked to the run", attr(s, "lab.invocation.id"))
		}
		if got := tr.TraceIDOf(invoker.InvocationID(attr(s, "lab.invocation.id").AsString())); got != id.String() {
			t.Errorf("TraceIDOf = %s, want %s", got, id)
		}
	}
	if len(traces) != len(invs) {
		t.Errorf("%d invocations in %d traces", len(invs), len(traces))
	}
	for _, a := range named(spans, "attempt") {
		if !traces[a.SpanContext().TraceID().String()] {
			t.Errorf("an attempt is not in an invocation's trace")
		}
	}
}

// An interrupted run still ends every span, and the root says why.
func TestTraceClosedOnInterrupt(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	ids := telemetry.NewIDs()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(ids), sdktrace.WithSpanProcessor(sr))
	tr := telemetry.NewTracer(tp, ids, telemetry.TraceOptions{Anchor: anchor})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, _ := faults.LoadPlan("shutdown-race")
	o := faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Plan: p, Workload: faults.DefaultWorkload()}
	n := 0
	o.Observers = []faults.Observer{tr, faults.EventFunc(func(invoker.Event) {
		if n++; n == 1000 {
			cancel()
		}
	})}
	_, err := faults.Run(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	tr.Close(err)
	if len(sr.Started()) != len(sr.Ended()) || len(sr.Ended()) == 0 {
		t.Fatalf("%d spans started, %d ended", len(sr.Started()), len(sr.Ended()))
	}
	root := named(sr.Ended(), "lab.run")[0]
	if root.Status().Code != codes.Error || attr(root, "lab.verdict").AsString() != "unfinished" {
		t.Errorf("root: %v %v", root.Status(), attr(root, "lab.verdict"))
	}
}

// A run replaced by another before it ended (the terminal UI's new seed
// or variant reuse one tracer) still ends every span, as unfinished, and
// the next run is a trace of its own.
func TestTraceOfAReplacedRun(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	ids := telemetry.NewIDs()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(ids), sdktrace.WithSpanProcessor(sr))
	tr := telemetry.NewTracer(tp, ids, telemetry.TraceOptions{Anchor: anchor})
	p, _ := faults.LoadPlan("shutdown-race")
	first, err := faults.New(faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Plan: p,
		Workload: faults.DefaultWorkload(), Observers: []faults.Observer{tr}})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	for range 500 {
		if _, err := first.Step(); err != nil {
			t.Fatal(err)
		}
	}
	firstTrace := tr.TraceID()
	if len(sr.Started()) == len(sr.Ended()) {
		t.Fatal("the first run has no span open half-way")
	}
	second, err := faults.Run(context.Background(), faults.Options{Seed: 2, Node: invoker.DefaultConfig(), Plan: p,
		Workload: faults.DefaultWorkload(), Observers: []faults.Observer{tr}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Started()) != len(sr.Ended()) {
		t.Fatalf("%d spans started, %d ended", len(sr.Started()), len(sr.Ended()))
	}
	roots := named(sr.Ended(), "lab.run")
	if len(roots) != 2 || roots[0].SpanContext().TraceID().String() != firstTrace ||
		roots[1].SpanContext().TraceID().String() == firstTrace {
		t.Fatalf("want two runs in two traces, the first %s; got %d roots", firstTrace, len(roots))
	}
	if roots[0].Status().Code != codes.Error || attr(roots[0], "lab.verdict").AsString() != "unfinished" {
		t.Errorf("replaced run's root: %v %v", roots[0].Status(), attr(roots[0], "lab.verdict"))
	}
	if attr(roots[1], "lab.verdict").AsString() == "unfinished" || attr(roots[1], "lab.events.sha256").AsString() != second.Hash {
		t.Errorf("second run's root: %v %v", attr(roots[1], "lab.verdict"), attr(roots[1], "lab.events.sha256"))
	}
	if d, p, c := attr(roots[1], "lab.decisions").AsInt64(), attr(roots[1], "lab.picks").AsInt64(), attr(roots[1], "lab.choices").AsInt64(); d != int64(second.Decisions.Total()) ||
		p != int64(second.Decisions.Picks) || c != int64(second.Choices) || p == 0 || d <= p || c == 0 || c >= p {
		t.Errorf("second run's root: %d decisions, %d picks and %d choices, the run %v with %d choices", d, p, c, second.Decisions, second.Choices)
	}
}

// Every variant and layout gives a whole trace: every span ended, every
// queue wait accounted for, purged waits where the graceful variant purged.
func TestTraceAcrossVariantsAndLayouts(t *testing.T) {
	purged, stale := 0, 0
	defer func() {
		if purged == 0 || stale == 0 {
			t.Errorf("these seeds purge %d and drop %d stale invokes: pick seeds that exercise both", purged, stale)
		}
	}()
	for _, v := range invoker.Variants() {
		for _, shared := range []bool{false, true} {
			if shared && v.PerTerm() {
				continue // a per-term invoker serves one partition only
			}
			for seed := uint64(1); seed <= 5; seed++ {
				sr := tracetest.NewSpanRecorder()
				ids := telemetry.NewIDs()
				tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(ids), sdktrace.WithSpanProcessor(sr),
					sdktrace.WithRawSpanLimits(telemetry.SpanLimits()))
				tr := telemetry.NewTracer(tp, ids, telemetry.TraceOptions{Anchor: anchor})
				p, _ := faults.LoadPlan("chaos")
				cfg := invoker.DefaultConfig()
				cfg.Variant, cfg.SharedInvoker = v, shared
				w := faults.DefaultWorkload()
				w.Kills = 4
				r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: w,
					Observers: []faults.Observer{tr}})
				if err != nil {
					t.Fatal(err)
				}
				spans := sr.Ended()
				if len(sr.Started()) != len(spans) {
					t.Fatalf("%s shared=%v seed %d: %d spans started, %d ended", v, shared, seed, len(sr.Started()), len(spans))
				}
				outcomes := map[string]int{}
				for _, s := range named(spans, "queue.wait") {
					outcomes[attr(s, "lab.queue.outcome").AsString()]++
				}
				for o := range outcomes {
					if !slices.Contains([]string{"dequeued", "dropped-stale", "dropped-duplicate", "panic", "purged", "discarded", "lost", "unfinished"}, o) {
						t.Errorf("%s shared=%v seed %d: a wait ended %q, not one of the documented outcomes", v, shared, seed, o)
					}
				}
				if n := len(named(spans, "queue.wait")); n != r.Kinds[invoker.KindEnqueue] || outcomes[""] > 0 {
					t.Errorf("%s shared=%v seed %d: %d waits for %d enqueues, outcomes %v", v, shared, seed, n, r.Kinds[invoker.KindEnqueue], outcomes)
				}
				purged, stale = purged+r.Purged, stale+r.Kinds[invoker.KindStaleInvoke]
				if outcomes["purged"] != r.Purged {
					t.Errorf("%s shared=%v seed %d: %d waits purged, %d invokes purged", v, shared, seed, outcomes["purged"], r.Purged)
				}
				if got := outcomes["dropped-stale"]; got != r.Kinds[invoker.KindStaleInvoke] {
					t.Errorf("%s shared=%v seed %d: %d waits ended stale, %d stale invokes", v, shared, seed, got, r.Kinds[invoker.KindStaleInvoke])
				}
			}
		}
	}
}

// A leadership term's span tells how its invoker came to be: in variant
// term, the term's own invoker was built (invoker.term-begin), and no
// RegisterPartition was sent; the others register the term.
func TestTraceTermSpansTellHowTheInvokerBegan(t *testing.T) {
	for _, v := range []invoker.Variant{invoker.Term, invoker.Fixed} {
		began, other := "invoker.term-begin", "invoker.register"
		if !v.PerTerm() {
			began, other = other, began
		}
		_, _, spans := traced(t, 1, v, "shutdown-race", telemetry.TraceOptions{Anchor: anchor})
		terms := named(spans, "partition.leadership")
		for _, s := range terms {
			_, ok := hasEvent(s, began)
			if _, wrong := hasEvent(s, other); !ok || wrong {
				t.Errorf("%s: term %v %v has %s: %v, %s: %v", v, attr(s, "lab.partition.id").String(), attr(s, "lab.leader.epoch").String(), began, ok, other, wrong)
			}
		}
		if len(terms) < 8 {
			t.Errorf("%s: %d terms traced", v, len(terms))
		}
	}
}

// The UI asks for invocations' trace ids from its own goroutine while the
// run goes on; under -race this shows the tracer lets it.
func TestTraceIDOfWhileTheRunGoesOn(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	ids := telemetry.NewIDs()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(ids), sdktrace.WithSpanProcessor(sr))
	tr := telemetry.NewTracer(tp, ids, telemetry.TraceOptions{Anchor: anchor, SplitAbove: 10})
	p, _ := faults.LoadPlan("none")
	o := faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Plan: p, Workload: faults.DefaultWorkload(),
		Observers: []faults.Observer{tr}}
	r, err := live.Start(context.Background(), o, live.Options{})
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for done := false; !done; {
		select {
		case <-r.Done():
			done = true
		default:
		}
		for k := range 64 {
			if id := tr.TraceIDOf(faults.InvocationID(k, 64)); id != "" && id != tr.TraceID() {
				own++
			}
		}
	}
	if _, err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if own == 0 {
		t.Fatal("no invocation had a trace of its own while the run went on")
	}
}

// A task that panics: its attempt span ends red, with the exception, and
// the invoker that re-raises the panic dies red too.
func TestTraceTaskPanic(t *testing.T) {
	o := options(t, 1, invoker.Fixed, "none")
	o.Node.OnPanic, o.Workload.Tasks.Panic = invoker.PanicWatched, 0.05
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	panicked := named(spans, "attempt", func(s sdktrace.ReadOnlySpan) bool {
		return attr(s, "lab.task.outcome").AsString() == invoker.EndPanicked.String()
	})
	if len(panicked) == 0 || r.Kinds[invoker.KindPanic] == 0 {
		t.Fatalf("seed 1 has %d panicked attempts and %d deaths: pick another seed", len(panicked), r.Kinds[invoker.KindPanic])
	}
	for _, a := range panicked {
		if exc, ok := hasEvent(a, "exception"); !ok || a.Status().Code != codes.Error || exc.Time != a.EndTime() {
			t.Errorf("attempt of %s: status %v, exception %v", attr(a, "lab.invocation.id").AsString(), a.Status(), ok)
		}
	}
	dead := named(spans, "invoker", func(s sdktrace.ReadOnlySpan) bool { return s.Status().Code == codes.Error })
	if len(dead) != r.Kinds[invoker.KindPanic] {
		t.Errorf("%d invoker spans ended red, for %d deaths", len(dead), r.Kinds[invoker.KindPanic])
	}
}

// A term's invoker that removes its spill directory as the term ends
// (--spill-dirs removed) logs the removal after its span has ended with
// the term: the event goes on the run's root, and no invoker span is
// opened for it alone. Every removal is in the trace, once.
func TestTraceSpillRemovedAsATermEnds(t *testing.T) {
	o := options(t, 42, invoker.Term, "shutdown-race")
	o.Node.SpillDirs, o.Workload.StepDowns = invoker.SpillDirsRemoved, 3
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	removals := 0
	for _, s := range spans {
		for _, e := range s.Events() {
			if e.Name == "invoker.spill-removed" {
				removals++
			}
		}
		if _, ok := hasEvent(s, "invoker.spill-removed"); ok && s.Name() == "invoker" && len(s.Events()) == 1 {
			t.Errorf("an invoker span opened for its spill's removal alone: %v", s.Attributes())
		}
	}
	if removals == 0 || removals != r.Kinds[invoker.KindSpillRemoved] {
		t.Errorf("%d removals in the trace, %d in the run", removals, r.Kinds[invoker.KindSpillRemoved])
	}
}

// Runs that differ in one setting beside the shape's counts are two
// traces: each has ids of its own even at one time anchor (before, on-panic
// unwind and watch gave one trace id, and Jaeger took them for one trace),
// and its root's lab.workload names the setting.
func TestTraceIDsNameEverySetting(t *testing.T) {
	base := options(t, 28, invoker.Buggy, "none")
	base.Workload.Shutdown = false
	seen := map[string]string{} // trace id: setting
	for _, c := range []struct {
		setting string
		set     func(*faults.Options)
	}{
		{"", func(*faults.Options) {}},
		{"on-panic=watch", func(o *faults.Options) { o.Node.OnPanic = invoker.PanicWatched }},
		{"on-panic=unwind", func(o *faults.Options) { o.Node.OnPanic = invoker.PanicUnwinds }},
		{"retry-timers=unkeyed", func(o *faults.Options) { o.Node.RetryTimers = invoker.RetryTimersUnkeyed }},
		{"spill-dirs=removed", func(o *faults.Options) { o.Node.SpillDirs = invoker.SpillDirsRemoved }},
		{"shared-tmp-dir=true", func(o *faults.Options) { o.Node.SharedTmpDir = true }},
		{"in-tmp-dir=subdir", func(o *faults.Options) { o.Node.SharedTmpDir, o.Node.InTmpDir = true, invoker.InTmpDirSubdir }},
		{"throttle=100/s throttle-burst=8", func(o *faults.Options) { o.Node.Throttle = invoker.Throttle{Rate: 100, Per: time.Second, Burst: 8} }},
		{"memory-limit=16", func(o *faults.Options) { o.Node.MemoryLimit = 16 }},
		{"pauses=2", func(o *faults.Options) { o.Workload.Pauses = 2 }},
		{"retry-nows=2", func(o *faults.Options) { o.Workload.RetryNows = 2 }},
		{"task-panics=0.01", func(o *faults.Options) { o.Workload.Tasks.Panic = 0.01 }},
	} {
		o := base
		c.set(&o)
		_, tr, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
		if other, ok := seen[tr.TraceID()]; ok {
			t.Errorf("%q and %q share trace id %s", c.setting, other, tr.TraceID())
		}
		seen[tr.TraceID()] = c.setting
		root := named(spans, "lab.run")[0]
		workload := attr(root, "lab.workload").AsString()
		if c.setting != "" && !strings.HasSuffix(workload, " "+c.setting) {
			t.Errorf("%s: lab.workload %q does not name it", c.setting, workload)
		}
		if c.setting == "" && strings.Contains(workload, "=true") {
			t.Errorf("a default run's lab.workload names a setting: %q", workload)
		}
	}
}

// The memory pool's leases are instants in the life of the invoker that
// takes or returns them (--memory-limit): events on its span, each one.
func TestMemoryLeasesAreInvokerEvents(t *testing.T) {
	o := options(t, 1, invoker.Fixed, "none")
	o.Node.MemoryLimit = 8
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	on := map[string]int{}
	for _, s := range spans {
		for _, e := range s.Events() {
			if e.Name == "invoker.memory-reserved" {
				on[s.Name()]++
			}
		}
	}
	if want := r.Kinds[invoker.KindMemoryReserved]; want == 0 || on["invoker"] != want || len(on) != 1 {
		t.Errorf("%d reservations; as span events, by span: %v", want, on)
	}
}

// A span full of events keeps its first ones, and the tracer counts what
// it left off. Eight hungry invocations yielding round a pool of one lease
// for 3 s offer their invocation spans some 21,000 events each; past the
// span limit the SDK made room for each by moving every other one down,
// three quarters of a traced loop's time (2.5 s, now 0.5 s). The verdict
// reads as before.
func TestAFullSpanKeepsItsFirstEvents(t *testing.T) {
	o := options(t, 1, invoker.Fixed, "none")
	o.Node.MemoryLimit, o.Node.Yield = 1, invoker.YieldOn
	o.Workload.Hungry, o.Workload.Shutdown = 8, false
	o.Bounds = faults.DefaultBounds()
	o.Bounds.Progress = 3 * time.Second
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	if v, ok := r.FirstViolationOf(nil); !ok || v.Check != faults.CheckYieldLoop {
		t.Fatalf("the run does not loop: %v", r.Violations)
	}
	limit := telemetry.SpanLimits().EventCountLimit
	truncated := 0
	for _, s := range spans {
		if !attr(s, "lab.events.truncated").AsBool() {
			if s.DroppedEvents() > 0 {
				t.Errorf("%s dropped %d events, unmarked", s.Name(), s.DroppedEvents())
			}
			continue
		}
		truncated++
		// The SDK evicts its oldest once, as the span fills, and for the
		// exception a verdict adds; the tracer adds nothing else.
		if len(s.Events()) != limit || s.DroppedEvents() > 2 {
			t.Errorf("a full %s holds %d events and dropped %d, want %d and at most 2", s.Name(), len(s.Events()), s.DroppedEvents(), limit)
		}
	}
	if truncated == 0 {
		t.Fatal("no span filled up: the premise is gone")
	}
	root := named(spans, "lab.run")[0]
	if attr(root, "lab.events.skipped").AsInt64() <= 0 {
		t.Errorf("the run's root does not count the events left off: %v", root.Attributes())
	}
	// The exception lands on the stuck invocation's span, full or not.
	v, _ := r.FirstViolationOf(nil)
	stuck := named(spans, "invocation", func(s sdktrace.ReadOnlySpan) bool {
		return attr(s, "lab.invocation.id").AsString() == string(v.Inv)
	})
	if len(stuck) != 1 {
		t.Fatalf("%d invocation spans of %s", len(stuck), v.Inv)
	}
	if _, ok := hasEvent(stuck[0], "exception"); !ok || stuck[0].Status().Code != codes.Error {
		t.Errorf("%s's span: status %v, exception %v, truncated %v", v.Inv, stuck[0].Status(), ok, attr(stuck[0], "lab.events.truncated"))
	}
}

// With vqueues an invocation's wait for a permit of the node's limit is a
// vqueue.wait span under its invocation, as its wait in an invoker's
// queue is a queue.wait without: one per pp.vqueue-wait, each ended,
// granted ones when the scheduler ran them (at a limit of 2, some after
// a wait), and no queue.wait at all.
func TestTraceVQueueWaits(t *testing.T) {
	o := options(t, 3, invoker.Fixed, "shutdown-race")
	o.Node.VQueues, o.Node.Quota = invoker.VQueuesOn, 2
	r, _, spans := tracedRun(t, o, telemetry.TraceOptions{Anchor: anchor})
	waits := named(spans, "vqueue.wait")
	if want := r.Kinds[invoker.KindVQWait]; want == 0 || len(waits) != want {
		t.Fatalf("%d vqueue.wait spans for %d pp.vqueue-wait events", len(waits), want)
	}
	if q := named(spans, "queue.wait"); len(q) > 0 {
		t.Errorf("%d queue.wait spans with every invocation through vqueues", len(q))
	}
	invocations := map[trace.SpanID]bool{}
	for _, s := range named(spans, "invocation") {
		invocations[s.SpanContext().SpanID()] = true
	}
	granted, waited := 0, 0
	for _, w := range waits {
		if !invocations[w.Parent().SpanID()] {
			t.Errorf("vqueue.wait of %s is not under its invocation", attr(w, "lab.invocation").AsString())
		}
		switch attr(w, "lab.queue.outcome").AsString() {
		case "granted":
			granted++
			if _, ok := hasEvent(w, "pp.vqueue-run"); !ok {
				t.Errorf("a granted wait of %s has no pp.vqueue-run event", attr(w, "lab.invocation").AsString())
			}
			if w.EndTime().Sub(w.StartTime()) > time.Millisecond {
				waited++
			}
		case "ended", "unfinished":
		default:
			t.Errorf("vqueue.wait of %s ended %q", attr(w, "lab.invocation").AsString(), attr(w, "lab.queue.outcome").AsString())
		}
	}
	if granted != r.Kinds[invoker.KindVQRun] || waited == 0 {
		t.Errorf("%d waits granted (%d of them over a millisecond) for %d pp.vqueue-run events", granted, waited, r.Kinds[invoker.KindVQRun])
	}
}
