package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"lab/faults"
	"lab/invoker"
)

// DefaultSplitAbove is the number of invocations above which each invocation
// gets a trace of its own, linked to the run's. Measured against Jaeger v2:
// 1,000 invocations make a trace of ~6,000 spans (8 MB of JSON, fetched in
// 0.5s); 10,000 make ~54,000 spans (72 MB, 8s), past what its UI renders.
const DefaultSplitAbove = 2_000

// TraceOptions configure a Tracer.
type TraceOptions struct {
	// Anchor is the wall-clock time virtual time 0 maps to. Zero: the time
	// the run starts. A fixed anchor gives byte-identical spans and ids.
	Anchor time.Time
	// SplitAbove: runs with more invocations trace each invocation
	// separately (0: DefaultSplitAbove).
	SplitAbove int
}

// Tracer is an observer that turns a run into one OpenTelemetry trace: a
// lab.run root; partition.leadership per leader term; node.shutdown with a
// child per phase; invoker per invoker incarnation; and per invocation an
// invocation span with queue.wait and attempt children. Everything else that
// happened is a span event, named by its event kind and described by the
// event's own describer. Timestamps are the anchor plus virtual time plus
// the event's sequence number in nanoseconds, so events of one virtual
// instant keep their order. It starts no goroutine; batching and export are
// the SDK's.
type Tracer struct {
	tracer trace.Tracer
	ids    *IDs
	o      TraceOptions
	runID  atomic.Pointer[string]

	// Per run, touched only by the simulator's goroutine.
	attrs       []attribute.KeyValue
	anchor      time.Time
	split       bool
	root        trace.Span
	rootCtx     context.Context
	last        invoker.Event
	phases      *phases
	terms       map[invoker.PLE]*termSpan
	invocations map[invoker.InvocationID]*invocationSpan
	// ownTraces maps an invocation to its own trace's id when the run is
	// split; unlike the rest, other goroutines (the UI) read it.
	ownTraces  sync.Map
	attempts   map[invoker.TaskID]trace.Span
	invokers   map[invokerKey]trace.Span
	queues     map[invokerKey][]*queueWait // by invoker, in queue order
	vqWaits    map[vqKey]trace.Span        // the waits for a vqueue permit
	dequeued   *queueWait                  // its fate is the next event's
	shutdowns  map[int]trace.Span          // by incarnation
	phaseSpans map[uint64]trace.Span       // by the message that started the phase
	// skipped counts the events left off spans already full (addEvent).
	skipped int
}

type termSpan struct {
	span    trace.Span
	invoker invokerKey
}

type invocationSpan struct {
	span   trace.Span
	ctx    context.Context
	open   bool
	linked map[invoker.PLE]bool
}

type queueWait struct {
	span trace.Span
	inv  invoker.InvocationID
	ple  invoker.PLE
	at   invoker.Event
}

// NewTracer makes a tracer on tp, whose id generator must be ids.
func NewTracer(tp trace.TracerProvider, ids *IDs, o TraceOptions) *Tracer {
	if o.SplitAbove == 0 {
		o.SplitAbove = DefaultSplitAbove
	}
	return &Tracer{tracer: tp.Tracer("lab/telemetry"), ids: ids, o: o}
}

// TraceID is the hex id of the current (or last) run's trace, "" before one.
func (t *Tracer) TraceID() string {
	if p := t.runID.Load(); p != nil {
		return *p
	}
	return ""
}

// TraceIDOf is the trace an invocation's spans are in: its own when the run
// is split, else the run's. Any goroutine may ask, while the run goes on.
func (t *Tracer) TraceIDOf(inv invoker.InvocationID) string {
	if id, ok := t.ownTraces.Load(inv); ok {
		return id.(string)
	}
	return t.TraceID()
}

// ErrReplaced ends the trace of a run that a new run on the same tracer
// replaced before it ended (the terminal UI's new seed or variant).
var ErrReplaced = errors.New("replaced by a new run before it ended")

// As for Metrics: the simulator finds these hooks by their method sets.
var (
	_ faults.StartObserver = (*Tracer)(nil)
	_ faults.EventObserver = (*Tracer)(nil)
	_ faults.EndObserver   = (*Tracer)(nil)
)

// OnStart opens the run's root span. A run still open on the tracer is
// closed first, as unfinished, so that its spans are exported too.
func (t *Tracer) OnStart(info faults.RunInfo) {
	t.Close(ErrReplaced)
	t.anchor = t.o.Anchor
	if t.anchor.IsZero() {
		t.anchor = time.Now()
	}
	// What names the run, as a replay of its schedule names it too (a
	// replay knows the workload's counts, not the ranges it was drawn from).
	w := info.Workload
	key := fmt.Sprintf("%d %s %s %s %s %d %d %d %v %d", info.Seed, info.Variant, info.Plan, info.Strategy,
		nodeKey(info.Node), w.Invocations, w.StepDowns, w.Kills, w.Shutdown, t.anchor.UnixNano())
	t.ids.reseed(key + settings(info.Node, w))
	t.split = info.Workload.Invocations > t.o.SplitAbove
	t.phases = newPhases(info.Node)
	t.terms = map[invoker.PLE]*termSpan{}
	t.invocations = map[invoker.InvocationID]*invocationSpan{}
	t.ownTraces.Clear()
	t.attempts = map[invoker.TaskID]trace.Span{}
	t.invokers = map[invokerKey]trace.Span{}
	t.queues = map[invokerKey][]*queueWait{}
	t.vqWaits = map[vqKey]trace.Span{}
	t.shutdowns = map[int]trace.Span{}
	t.phaseSpans = map[uint64]trace.Span{}
	t.dequeued, t.skipped = nil, 0
	t.last = invoker.Event{}
	t.rootCtx, t.root = t.tracer.Start(context.Background(), "lab.run", trace.WithNewRoot(),
		trace.WithTimestamp(t.anchor), trace.WithAttributes(
			seedAttr(info.Seed), keyVariant.String(info.Variant.String()), keyPlan.String(info.Plan),
			keyStrategy.String(info.Strategy), keyModel.Int(faults.ModelRevision),
			keyWorkload.String(fmt.Sprintf("partitions=%d invokers=%s quota=%d queue-limit=%d invocations=%d step-downs=%d kills=%d",
				info.Node.Partitions, layout(info.Node), info.Node.Quota, info.Node.QueueLimit, w.Invocations, w.StepDowns, w.Kills)+
				faults.RunSettings(info.Node, w))))
	id := t.root.SpanContext().TraceID().String()
	t.runID.Store(&id)
}

// nodeKey is the node config without its store (a function, not comparable text).
func nodeKey(c invoker.Config) string {
	key := fmt.Sprintf("%d %v %v %d %d %d %+v", c.Partitions, c.SharedInvoker, c.Variant, c.Quota,
		c.QueueLimit, c.EffectCapacity, c.Retry)
	if c.SharedTmpDir { // only then, so that every other run keeps its trace ids
		key += " shared-tmp-dir"
	}
	return key
}

// settings names what a run sets beside its shape's counts, each only when
// it is not the default: what a panic takes down, and faults.SettingArgs
// (task panics, retry timers, spill directories, pauses, retry-nows). Two
// runs that differ in one of them are two traces, with ids of their own
// even at one time anchor, and every run of the defaults keeps the ids it
// had.
func settings(c invoker.Config, w faults.Workload) string {
	return faults.OnPanicArg(c) + faults.SettingArgs(c, w)
}

func layout(c invoker.Config) string {
	if c.SharedInvoker {
		return "shared"
	}
	return "per-partition"
}

// at is the wall-clock time of an event: anchor + virtual time + sequence.
func (t *Tracer) at(e invoker.Event) time.Time {
	return t.anchor.Add(e.At + time.Duration(e.Seq))
}

// event adds e to span as a span event named by its kind.
func (t *Tracer) event(span trace.Span, e invoker.Event, extra ...attribute.KeyValue) {
	// The SDK copies the attributes, so one buffer serves every event.
	t.attrs = append(t.attrs[:0], keySeq.Int64(int64(e.Seq)), keyEvent.String(e.String()))
	t.attrs = append(t.attrs, extra...)
	t.addEvent(span, e, e.Kind.String(), t.attrs...)
}

// addEvent adds an event to span, unless span is full: it holds as many
// as the span limits allow (SpanLimits), and the SDK has dropped one to
// take the last. Past that the SDK makes room for each new event by moving
// every other one down: a yield loop's invocation offered its span
// millions, at 40 µs each, three quarters of a traced loop's time. So a
// full span takes no more events but exceptions (fail), is marked
// lab.events.truncated, and the run's root counts what was left off.
func (t *Tracer) addEvent(span trace.Span, e invoker.Event, name string, attrs ...attribute.KeyValue) {
	full, ok := span.(interface{ DroppedEvents() int })
	if ok && full.DroppedEvents() > 0 {
		t.skipped++
		return
	}
	span.AddEvent(name, trace.WithTimestamp(t.at(e)), trace.WithAttributes(attrs...))
	if ok && full.DroppedEvents() > 0 {
		span.SetAttributes(keyTruncated.Bool(true))
	}
}

// fail sets status Error on span and records the exception event.
func (t *Tracer) fail(span trace.Span, e invoker.Event, typ, msg string) {
	span.AddEvent("exception", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		keyExcType.String(typ), keyExcMessage.String(msg), keySeq.Int64(int64(e.Seq))))
	span.SetStatus(codes.Error, msg)
}

func (t *Tracer) end(span trace.Span, e invoker.Event) { span.End(trace.WithTimestamp(t.at(e))) }

// OnEvent places one event in the trace.
func (t *Tracer) OnEvent(e invoker.Event) {
	if t.root == nil {
		return
	}
	if t.dequeued != nil {
		t.settleDequeue(e)
	}
	t.shutdownPhases(e)
	switch e.Kind {
	case invoker.KindPhase:
		t.event(t.root, e, keySimPhase.String(e.Reason))
	case invoker.KindRun, invoker.KindNone:
	case invoker.KindRestart:
		t.event(t.root, e)
		t.closeIncarnationsBefore(e)
	case invoker.KindLeader:
		t.leader(e)
	case invoker.KindStepDown, invoker.KindRegister, invoker.KindTermBegin, invoker.KindExitNoticed:
		t.event(t.termOr(e.PLE(), t.root), e)
	case invoker.KindAbortAll:
		if term := t.terms[e.PLE()]; term != nil {
			t.event(term.span, e)
			t.endTerm(e.PLE(), e)
		} else {
			t.event(t.root, e)
		}
	case invoker.KindAccepted:
		t.accepted(e)
	case invoker.KindSent:
		t.sent(e)
	case invoker.KindStatus:
		t.status(e)
	case invoker.KindEnqueue:
		t.enqueue(e)
	case invoker.KindDequeue:
		t.dequeue(e)
	case invoker.KindPurge:
		t.purge(e)
	case invoker.KindTaskStart:
		t.taskStart(e)
	case invoker.KindTaskEnd:
		t.taskEnd(e)
	case invoker.KindVQWait:
		t.vqWait(e)
	case invoker.KindVQRun:
		t.vqRun(e)
	case invoker.KindTaskJoined, invoker.KindVQInvoke, invoker.KindVQPermit:
		t.event(t.invocationOr(e.Inv, t.root), e)
	case invoker.KindTaskOutput:
		if a := t.attempts[e.Task]; a != nil {
			t.event(a, e)
		} else {
			t.event(t.invocationOr(e.Inv, t.root), e)
		}
	case invoker.KindPanic:
		t.panicked(e)
	case invoker.KindShutdown:
		t.loopExited(e)
	case invoker.KindTermEnd:
		t.termEnded(e)
	case invoker.KindCancel, invoker.KindBlocked, invoker.KindUnblocked,
		invoker.KindSpill, invoker.KindLoad, invoker.KindLoaded, invoker.KindSpillFailed, invoker.KindLoadFailed,
		invoker.KindThrottled, invoker.KindTokenDue, invoker.KindMemoryReserved, invoker.KindMemoryReturned:
		t.event(t.invokerOrRoot(e), e)
	case invoker.KindJoined, invoker.KindSpillRemoved:
		// The invoker's last shutdown phase ends its span: spill cleanup in
		// graceful (or with --spill-dirs removed), joining in Restate's
		// variants (nothing removes their spill directory).
		k := invokerKey{e.Incarnation, e.Invoker}
		if t.invokers[k] == nil && e.Kind == invoker.KindSpillRemoved {
			// Removed after its span ended: a term's invoker, as its term
			// ended, or a dead one. No new span for an invoker that is over.
			t.event(t.root, e)
			break
		}
		t.event(t.invokerOrRoot(e), e)
		last := (e.Kind == invoker.KindSpillRemoved) == t.phases.removesSpill
		if s := t.invokers[k]; s != nil && last && e.Outcome == invoker.OutcomeNone && e.Reason == "" {
			t.end(s, e)
			delete(t.invokers, k)
		}
	case invoker.KindFaultDelay, invoker.KindFaultDrop, invoker.KindFaultDuplicate, invoker.KindFaultReorder:
		t.addEvent(t.messageSpan(e), e, "lab.fault",
			keyFaultKind.String(faultKind(e.Kind)), keyFaultMsg.String(e.Msg.String()),
			keyMsgID.Int64(int64(e.MsgID)), keySeq.Int64(int64(e.Seq)), keyEvent.String(e.String()))
	case invoker.KindUndelivered:
		t.event(t.messageSpan(e), e)
	case invoker.KindViolation:
		t.violation(e)
	case invoker.KindRejected:
		t.event(t.root, e, keyInvocation.String(string(e.Inv)))
	default:
		// Journal entries, acks, aborts, retries, state transitions, slots,
		// timers, dropped effects: instants in an invocation's life.
		t.event(t.invocationOr(e.Inv, t.root), e)
	}
	t.last = e
}

// OnEnd closes every span still open at the end of the run, the root last.
func (t *Tracer) OnEnd(r *faults.Result) {
	if t.root == nil {
		return
	}
	verdict := "ok"
	if !r.OK() {
		verdict = "violated"
	}
	t.root.SetAttributes(keyVerdict.String(verdict), keyHash.String(r.Hash), keyEvents.Int64(int64(r.Events)),
		keyDecisions.Int(r.Decisions.Total()), keyPicks.Int(r.Decisions.Picks), keyChoices.Int(r.Choices))
	if t.skipped > 0 {
		t.root.SetAttributes(keySkipped.Int(t.skipped))
	}
	t.closeAll(invoker.Event{At: r.End, Seq: r.Events + 1})
}

// Close ends a run that did not reach its end (interrupted, or failed): every
// open span ends at the last event seen, and the root says why.
func (t *Tracer) Close(why error) {
	if t.root == nil {
		return
	}
	e := t.last
	e.Seq++
	if why != nil {
		t.root.SetStatus(codes.Error, why.Error())
		t.root.SetAttributes(keyVerdict.String("unfinished"))
	}
	t.closeAll(e)
}

func (t *Tracer) closeAll(e invoker.Event) {
	if t.dequeued != nil {
		t.settleDequeue(e)
	}
	for _, k := range sortedInvokerKeys(t.queues) {
		t.dropQueue(k, e, waitUnfinished)
	}
	for _, k := range sortedVQKeys(t.vqWaits) {
		t.endVQWait(k, e, waitUnfinished)
	}
	for _, id := range sortedTasks(t.attempts) {
		t.end(t.attempts[id], e)
	}
	for _, id := range sortedInvocations(t.invocations) {
		if s := t.invocations[id]; s.open {
			t.end(s.span, e)
		}
	}
	for _, ple := range sortedPLEs(t.terms) {
		t.endTerm(ple, e)
	}
	for _, id := range sortedIDs(t.phaseSpans) {
		t.end(t.phaseSpans[id], e)
	}
	for _, inc := range sortedIDs(t.shutdowns) {
		t.end(t.shutdowns[inc], e)
	}
	for _, k := range sortedInvokerKeys(t.invokers) {
		t.end(t.invokers[k], e)
	}
	t.end(t.root, e)
	t.root = nil
	// invocations stay, for TraceIDOf.
	t.terms, t.attempts, t.invokers, t.queues, t.vqWaits, t.shutdowns, t.phaseSpans = nil, nil, nil, nil, nil, nil, nil
}

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }
