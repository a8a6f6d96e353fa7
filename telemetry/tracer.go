package telemetry

import (
	"context"
	"fmt"
	"strconv"
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
	anchor      time.Time
	split       bool
	root        trace.Span
	rootCtx     context.Context
	last        invoker.Event
	phases      *phases
	terms       map[invoker.PLE]*termSpan
	invocations map[invoker.InvocationID]*invocationSpan
	attempts    map[invoker.TaskID]trace.Span
	invokers    map[invokerKey]trace.Span
	queues      map[invokerKey][]*queueWait // by invoker, in queue order
	dequeued    *queueWait                  // its fate is the next event's
	shutdowns   map[int]trace.Span          // by incarnation
	phaseSpans  map[uint64]trace.Span       // by the message that started the phase
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
// is split, else the run's.
func (t *Tracer) TraceIDOf(inv invoker.InvocationID) string {
	if s := t.invocations[inv]; s != nil && t.split {
		return s.span.SpanContext().TraceID().String()
	}
	return t.TraceID()
}

// OnStart opens the run's root span.
func (t *Tracer) OnStart(info faults.RunInfo) {
	t.anchor = t.o.Anchor
	if t.anchor.IsZero() {
		t.anchor = time.Now()
	}
	key := fmt.Sprintf("%d %s %s %s %+v %+v %d", info.Seed, info.Variant, info.Plan, info.Strategy,
		info.Workload, nodeKey(info.Node), t.anchor.UnixNano())
	t.ids.reseed(key)
	t.split = info.Workload.Invocations > t.o.SplitAbove
	t.phases = newPhases(invokerCount(info.Node))
	t.terms = map[invoker.PLE]*termSpan{}
	t.invocations = map[invoker.InvocationID]*invocationSpan{}
	t.attempts = map[invoker.TaskID]trace.Span{}
	t.invokers = map[invokerKey]trace.Span{}
	t.queues = map[invokerKey][]*queueWait{}
	t.shutdowns = map[int]trace.Span{}
	t.phaseSpans = map[uint64]trace.Span{}
	t.dequeued = nil
	t.last = invoker.Event{}
	w := info.Workload
	t.rootCtx, t.root = t.tracer.Start(context.Background(), "lab.run", trace.WithNewRoot(),
		trace.WithTimestamp(t.anchor), trace.WithAttributes(
			seedAttr(info.Seed), keyVariant.String(info.Variant.String()), keyPlan.String(info.Plan),
			keyStrategy.String(info.Strategy),
			keyWorkload.String(fmt.Sprintf("partitions=%d invokers=%s quota=%d queue-limit=%d invocations=%d step-downs=%d kills=%d",
				info.Node.Partitions, layout(info.Node), info.Node.Quota, info.Node.QueueLimit, w.Invocations, w.StepDowns, w.Kills))))
	id := t.root.SpanContext().TraceID().String()
	t.runID.Store(&id)
}

// nodeKey is the node config without its store (a function, not comparable text).
func nodeKey(c invoker.Config) string {
	return fmt.Sprintf("%d %v %v %d %d %d %+v", c.Partitions, c.SharedInvoker, c.Variant, c.Quota,
		c.QueueLimit, c.EffectCapacity, c.Retry)
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
	attrs := append([]attribute.KeyValue{keySeq.Int64(int64(e.Seq)), keyEvent.String(e.String())}, extra...)
	span.AddEvent(e.Kind.String(), trace.WithTimestamp(t.at(e)), trace.WithAttributes(attrs...))
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
	case invoker.KindStepDown, invoker.KindRegister, invoker.KindExitNoticed:
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
	case invoker.KindCancel, invoker.KindBlocked, invoker.KindUnblocked, invoker.KindJoined,
		invoker.KindSpill, invoker.KindLoad, invoker.KindSpillFailed, invoker.KindLoadFailed:
		t.event(t.invoker(e), e)
	case invoker.KindSpillRemoved:
		t.event(t.invoker(e), e)
		k := invokerKey{e.Incarnation, e.Invoker}
		if s := t.invokers[k]; s != nil && e.Reason == "" {
			t.end(s, e)
			delete(t.invokers, k)
		}
	case invoker.KindFaultDelay, invoker.KindFaultDrop, invoker.KindFaultDuplicate, invoker.KindFaultReorder:
		span := t.messageSpan(e)
		span.AddEvent("lab.fault", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
			keyFaultKind.String(faultKind(e.Kind)), keyFaultMsg.String(e.Msg.String()),
			keyMsgID.Int64(int64(e.MsgID)), keySeq.Int64(int64(e.Seq)), keyEvent.String(e.String())))
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

func (t *Tracer) termOr(ple invoker.PLE, or trace.Span) trace.Span {
	if term := t.terms[ple]; term != nil {
		return term.span
	}
	return or
}

func (t *Tracer) invocationOr(inv invoker.InvocationID, or trace.Span) trace.Span {
	if s := t.invocations[inv]; s != nil && s.open {
		return s.span
	}
	return or
}

// invoker is the span of an invoker incarnation, started on first sight.
func (t *Tracer) invoker(e invoker.Event) trace.Span {
	k := invokerKey{e.Incarnation, e.Invoker}
	if s := t.invokers[k]; s != nil {
		return s
	}
	if e.Invoker == invoker.NoInvoker {
		return t.root
	}
	_, s := t.tracer.Start(t.rootCtx, "invoker", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		keyInvoker.Int(e.Invoker), keyIncarnation.Int(e.Incarnation)))
	t.invokers[k] = s
	return s
}

func (t *Tracer) leader(e invoker.Event) {
	if e.Reason != "" { // an epoch that is not newer: ignored
		t.event(t.termOr(e.PLE(), t.root), e)
		return
	}
	t.invoker(e) // the invoker exists from its partition's first term
	_, s := t.tracer.Start(t.rootCtx, "partition.leadership", trace.WithTimestamp(t.at(e)),
		trace.WithAttributes(append(pleAttrs(e.PLE()), keyInvoker.Int(e.Invoker), keyIncarnation.Int(e.Incarnation))...))
	t.terms[e.PLE()] = &termSpan{span: s, invoker: invokerKey{e.Incarnation, e.Invoker}}
	t.event(s, e)
}

func (t *Tracer) endTerm(ple invoker.PLE, e invoker.Event) {
	if term := t.terms[ple]; term != nil {
		t.end(term.span, e)
		delete(t.terms, ple)
	}
}

// endTermsOf ends the terms an invoker held: its loop is gone.
func (t *Tracer) endTermsOf(k invokerKey, e invoker.Event) {
	for _, ple := range sortedPLEs(t.terms) {
		if term := t.terms[ple]; term.invoker == k {
			t.event(term.span, e)
			t.endTerm(ple, e)
		}
	}
}

func (t *Tracer) accepted(e invoker.Event) {
	opts := []trace.SpanStartOption{trace.WithTimestamp(t.at(e)),
		trace.WithAttributes(keyInvocation.String(string(e.Inv)), keyPartition.Int(int(e.Partition)))}
	parent := t.rootCtx
	if t.split {
		parent = context.Background()
		opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: t.root.SpanContext()}))
	}
	ctx, s := t.tracer.Start(parent, "invocation", opts...)
	t.invocations[e.Inv] = &invocationSpan{span: s, ctx: ctx, open: true, linked: map[invoker.PLE]bool{}}
	t.event(s, e)
}

// sent links an invocation to each leader term that invoked it.
func (t *Tracer) sent(e invoker.Event) {
	if e.Msg != invoker.MsgInvoke {
		return
	}
	s := t.invocations[e.Inv]
	term := t.terms[e.PLE()]
	if s == nil || !s.open || term == nil || s.linked[e.PLE()] {
		return
	}
	s.linked[e.PLE()] = true
	s.span.AddLink(trace.Link{SpanContext: term.span.SpanContext(), Attributes: pleAttrs(e.PLE())})
}

func (t *Tracer) status(e invoker.Event) {
	s := t.invocations[e.Inv]
	if s == nil || !s.open {
		t.event(t.root, e, keyInvocation.String(string(e.Inv)))
		return
	}
	t.event(s.span, e)
	if st, ok := invoker.ParseStatus(e.To); ok && st.Terminal() {
		s.span.SetAttributes(attribute.String("lab.invocation.status", e.To))
		t.end(s.span, e)
		s.open = false
	}
}

func (t *Tracer) enqueue(e invoker.Event) {
	s := t.invocations[e.Inv]
	if s == nil {
		t.event(t.root, e)
		return
	}
	t.event(s.span, e)
	_, w := t.tracer.Start(s.ctx, "queue.wait", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		append(pleAttrs(e.PLE()), keyInvocation.String(string(e.Inv)), keyInvoker.Int(e.Invoker), keyQueueLen.Int(e.N))...))
	k := invokerKey{e.Incarnation, e.Invoker}
	t.queues[k] = append(t.queues[k], &queueWait{span: w, inv: e.Inv, ple: e.PLE(), at: e})
}

// dequeue takes the invoke off its queue; the wait ends with the next event,
// which says whether it started, was dropped as stale, or panicked.
func (t *Tracer) dequeue(e invoker.Event) {
	k := invokerKey{e.Incarnation, e.Invoker}
	q := t.queues[k]
	for i, w := range q {
		if w.inv == e.Inv && w.ple == e.PLE() {
			t.queues[k] = append(q[:i], q[i+1:]...)
			t.event(w.span, e)
			w.at = e
			t.dequeued = w
			break
		}
	}
	t.event(t.invocationOr(e.Inv, t.root), e)
}

func (t *Tracer) settleDequeue(next invoker.Event) {
	w := t.dequeued
	t.dequeued = nil
	switch {
	case next.Kind == invoker.KindPanic && next.Inv == w.inv:
		w.span.SetAttributes(keyQueueEnd.String("panic"))
		t.event(w.span, next)
		t.fail(w.span, next, "panic", next.Reason)
		t.end(w.span, next)
	case (next.Kind == invoker.KindStaleInvoke || next.Kind == invoker.KindDuplicateInvoke) && next.Inv == w.inv:
		w.span.SetAttributes(keyQueueEnd.String(next.Kind.String()))
		t.event(w.span, next)
		t.end(w.span, next)
	default:
		w.span.SetAttributes(keyQueueEnd.String("dequeued"))
		t.end(w.span, w.at)
	}
}

// purge ends the waits of the invokes a purge removed: those of one
// invocation after an Abort, else those of the partition leader epoch.
func (t *Tracer) purge(e invoker.Event) {
	t.event(t.invoker(e), e)
	k := invokerKey{e.Incarnation, e.Invoker}
	byInv := t.last.Kind == invoker.KindAbort && t.last.Invoker == e.Invoker
	n := e.N
	kept := t.queues[k][:0]
	for _, w := range t.queues[k] {
		if n > 0 && w.ple == e.PLE() && (!byInv || w.inv == t.last.Inv) {
			n--
			w.span.SetAttributes(keyQueueEnd.String("purged"))
			t.event(w.span, e)
			t.end(w.span, e)
			continue
		}
		kept = append(kept, w)
	}
	t.queues[k] = kept
}

// dropQueue ends every wait in an invoker's queue: the queue is gone.
func (t *Tracer) dropQueue(k invokerKey, e invoker.Event, outcome string) {
	for _, w := range t.queues[k] {
		w.span.SetAttributes(keyQueueEnd.String(outcome))
		t.event(w.span, e)
		t.end(w.span, e)
	}
	delete(t.queues, k)
}

func (t *Tracer) taskStart(e invoker.Event) {
	parent := t.rootCtx
	if s := t.invocations[e.Inv]; s != nil {
		parent = s.ctx
		t.event(s.span, e)
	}
	_, a := t.tracer.Start(parent, "attempt", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		append(pleAttrs(e.PLE()), keyInvocation.String(string(e.Inv)), keyAttempt.Int(e.Attempt),
			keyTask.Int64(int64(e.Task)), keyInvoker.Int(e.Invoker))...))
	t.attempts[e.Task] = a
}

func (t *Tracer) taskEnd(e invoker.Event) {
	a := t.attempts[e.Task]
	if a == nil {
		t.event(t.invocationOr(e.Inv, t.root), e)
		return
	}
	t.event(a, e)
	a.SetAttributes(keyOutcome.String(e.Reason))
	t.end(a, e)
	delete(t.attempts, e.Task)
}

// panicked: the invoker died dequeuing an invoke of a term it no longer has.
// Its span and the invocation's turn red; its terms and queue are gone.
func (t *Tracer) panicked(e invoker.Event) {
	k := invokerKey{e.Incarnation, e.Invoker}
	iv := t.invoker(e)
	t.event(iv, e)
	t.fail(iv, e, "panic", e.Reason)
	if s := t.invocations[e.Inv]; s != nil && s.open {
		t.event(s.span, e)
		t.fail(s.span, e, "panic", e.Reason)
	}
	t.endTermsOf(k, e)
	t.dropQueue(k, e, "lost with the invoker")
}

func (t *Tracer) loopExited(e invoker.Event) {
	k := invokerKey{e.Incarnation, e.Invoker}
	t.event(t.invoker(e), e)
	t.endTermsOf(k, e)
	t.dropQueue(k, e, "discarded at shutdown")
}

func (t *Tracer) violation(e invoker.Event) {
	inv := invariantOf(e.Reason)
	t.fail(t.root, e, inv, e.Reason)
	t.root.AddEvent("violation", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		keyInvariant.String(inv), keySeq.Int64(int64(e.Seq)), keyEvent.String(e.String()),
		attribute.Int64("lab.violation.event.seq", int64(e.N))))
	if s := t.invocations[e.Inv]; e.Inv != "" && s != nil && s.open {
		t.fail(s.span, e, inv, e.Reason)
	}
}

// messageSpan is the span of the thing a message is about, for the faults
// that hit it and its being undeliverable.
func (t *Tracer) messageSpan(e invoker.Event) trace.Span {
	if s := t.phaseSpans[e.MsgID]; s != nil {
		return s
	}
	switch e.Msg {
	case invoker.MsgRegister, invoker.MsgAbortAll, invoker.MsgBecomeLeader, invoker.MsgStepDown:
		if term := t.terms[e.PLE()]; term != nil {
			return term.span
		}
		for _, ple := range sortedPLEs(t.terms) {
			if ple.Partition == e.Partition {
				return t.terms[ple].span
			}
		}
	case invoker.MsgTaskOutput:
		if a := t.attempts[e.Task]; a != nil {
			return a
		}
		return t.invocationOr(e.Inv, t.root)
	case invoker.MsgInvokerExit, invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup:
		if s := t.invokers[invokerKey{e.Incarnation, e.Invoker}]; s != nil {
			return s
		}
	default:
		return t.invocationOr(e.Inv, t.root)
	}
	return t.root
}

// shutdownPhases opens and closes node.shutdown and its phase spans.
func (t *Tracer) shutdownPhases(e invoker.Event) {
	c := t.phases.observe(e)
	if c.shutdownBegan {
		_, s := t.tracer.Start(t.rootCtx, "node.shutdown", trace.WithTimestamp(t.at(e)),
			trace.WithAttributes(keyIncarnation.Int(e.Incarnation)))
		t.shutdowns[e.Incarnation] = s
	}
	if ph := c.started; ph != nil {
		parent := t.rootCtx
		if s := t.shutdowns[ph.incarnation]; s != nil {
			parent = trace.ContextWithSpan(parent, s)
		}
		attrs := []attribute.KeyValue{keyPhase.String(ph.name), keyIncarnation.Int(ph.incarnation), keyMsgID.Int64(int64(ph.msgID))}
		if ph.invoker != invoker.NoInvoker {
			attrs = append(attrs, keyInvoker.Int(ph.invoker))
		}
		if ph.partition != invoker.NoPartition {
			attrs = append(attrs, keyPartition.Int(int(ph.partition)))
		}
		_, s := t.tracer.Start(parent, "shutdown."+ph.name, trace.WithTimestamp(t.at(e)), trace.WithAttributes(attrs...))
		t.phaseSpans[ph.msgID] = s
	}
	if ph := c.ended; ph != nil {
		if s := t.phaseSpans[ph.msgID]; s != nil {
			t.event(s, e)
			t.end(s, e)
			delete(t.phaseSpans, ph.msgID)
		}
	}
	if c.shutdownDone {
		t.endShutdown(e.Incarnation, e)
	}
}

func (t *Tracer) endShutdown(incarnation int, e invoker.Event) {
	if s := t.shutdowns[incarnation]; s != nil {
		t.end(s, e)
		delete(t.shutdowns, incarnation)
	}
}

// closeIncarnationsBefore ends what a restart leaves behind.
func (t *Tracer) closeIncarnationsBefore(e invoker.Event) {
	for _, k := range sortedInvokerKeys(t.invokers) {
		if k.incarnation < e.Incarnation {
			t.end(t.invokers[k], e)
			delete(t.invokers, k)
		}
	}
	for inc := range e.Incarnation {
		t.endShutdown(inc, e)
	}
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
		keyDecisions.Int(r.Decisions))
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
		t.dropQueue(k, e, "run ended")
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
	t.terms, t.attempts, t.invokers, t.queues, t.shutdowns, t.phaseSpans = nil, nil, nil, nil, nil, nil
}

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }
