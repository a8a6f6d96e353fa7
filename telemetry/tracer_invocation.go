package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"lab/invoker"
)

// The invocation side of a run's trace: an invocation span from acceptance
// to terminal status, its waits in the queue and its attempts.
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
	if t.split {
		t.ownTraces.Store(e.Inv, s.SpanContext().TraceID().String())
	}
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
	if st := invoker.Status(e.To); st.Terminal() {
		t.endVQWait(vqKey{e.Partition, e.Inv}, e, waitEnded)
		s.span.SetAttributes(attribute.String("lab.invocation.status", st.String()))
		t.end(s.span, e)
		s.open = false
	}
}

func (t *Tracer) enqueue(e invoker.Event) {
	w := t.startWait(e, "queue.wait", keyInvoker.Int(e.Invoker), keyQueueLen.Int(e.N))
	if w == nil {
		return
	}
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
		w.span.SetAttributes(keyQueueEnd.String(waitPanic))
		t.event(w.span, next)
		t.fail(w.span, next, "panic", next.Reason)
		t.end(w.span, next)
	case (next.Kind == invoker.KindStaleInvoke || next.Kind == invoker.KindDuplicateInvoke) && next.Inv == w.inv:
		outcome := waitStale
		if next.Kind == invoker.KindDuplicateInvoke {
			outcome = waitDuplicate
		}
		w.span.SetAttributes(keyQueueEnd.String(outcome))
		t.event(w.span, next)
		t.end(w.span, next)
	default:
		w.span.SetAttributes(keyQueueEnd.String(waitDequeued))
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
			w.span.SetAttributes(keyQueueEnd.String(waitPurged))
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
	a.SetAttributes(keyOutcome.String(e.Outcome.String()))
	if e.Outcome == invoker.EndPanicked {
		t.fail(a, e, "panic", "the task panicked")
	}
	t.end(a, e)
	delete(t.attempts, e.Task)
}

// vqKey is an invocation waiting in a partition's vqueue: with a shared
// invoker one id can exist on several partitions.
type vqKey struct {
	partition invoker.PartitionID
	inv       invoker.InvocationID
}

// vqWait starts a vqueue.wait span, the invocation's wait for a permit of
// the node's limit (--vqueues), as queue.wait is its wait in an invoker's
// queue without vqueues.
func (t *Tracer) vqWait(e invoker.Event) {
	if w := t.startWait(e, "vqueue.wait", keyVQWaiting.Int(e.N)); w != nil {
		t.vqWaits[vqKey{e.Partition, e.Inv}] = w
	}
}

// startWait starts a span of name, a wait of e's invocation, under its
// invocation's span with e on both; or, for an invocation without a span,
// puts e on the run's and starts none.
func (t *Tracer) startWait(e invoker.Event, name string, attrs ...attribute.KeyValue) trace.Span {
	s := t.invocations[e.Inv]
	if s == nil {
		t.event(t.root, e)
		return nil
	}
	t.event(s.span, e)
	_, w := t.tracer.Start(s.ctx, name, trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		append(append(pleAttrs(e.PLE()), keyInvocation.String(string(e.Inv))), attrs...)...))
	return w
}

// vqRun ends the wait the scheduler granted a permit.
func (t *Tracer) vqRun(e invoker.Event) {
	t.event(t.invocationOr(e.Inv, t.root), e)
	t.endVQWait(vqKey{e.Partition, e.Inv}, e, waitGranted)
}

// endVQWait ends k's wait, if it waits, by outcome.
func (t *Tracer) endVQWait(k vqKey, e invoker.Event, outcome string) {
	w := t.vqWaits[k]
	if w == nil {
		return
	}
	delete(t.vqWaits, k)
	w.SetAttributes(keyQueueEnd.String(outcome))
	t.event(w, e)
	t.end(w, e)
}
