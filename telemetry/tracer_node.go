package telemetry

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"lab/invoker"
)

// The node side of a run's trace: leadership terms, invoker incarnations,
// the node's shutdowns and their phases, faults and violations.
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

// invokerOrRoot is invoker's span, or the root's for a command an invoker
// whose span has ended ignored (a cancellation that reached a per-term
// invoker after its term, a duplicate): no new span for an invoker that
// is over.
func (t *Tracer) invokerOrRoot(e invoker.Event) trace.Span {
	if s := t.invokers[invokerKey{e.Incarnation, e.Invoker}]; s == nil && e.Outcome.Ignored() {
		return t.root
	}
	return t.invoker(e)
}

// termEnded: a per-term invoker was cancelled and awaited with its
// partition's term. The term's span and the invoker's end there, and what
// it had queued is discarded.
func (t *Tracer) termEnded(e invoker.Event) {
	k := invokerKey{e.Incarnation, e.Invoker}
	t.event(t.invokerOrRoot(e), e)
	if e.Outcome != invoker.OutcomeNone {
		return
	}
	t.endTermsOf(k, e)
	t.dropQueue(k, e, waitDiscarded)
	if s := t.invokers[k]; s != nil {
		t.end(s, e)
		delete(t.invokers, k)
	}
}

func (t *Tracer) leader(e invoker.Event) {
	if e.Outcome != invoker.OutcomeNone { // an epoch that is not newer: ignored
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
	t.dropQueue(k, e, waitLost)
}

func (t *Tracer) loopExited(e invoker.Event) {
	k := invokerKey{e.Incarnation, e.Invoker}
	t.event(t.invoker(e), e)
	t.endTermsOf(k, e)
	t.dropQueue(k, e, waitDiscarded)
}

func (t *Tracer) violation(e invoker.Event) {
	inv := invariantOf(e.Reason)
	t.fail(t.root, e, inv, e.Reason)
	t.root.AddEvent("violation", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
		keyInvariant.String(inv), keySeq.Int64(int64(e.Seq)), keyEvent.String(e.String()),
		attribute.Int64("lab.violation.event.seq", int64(e.N))))
	s := t.invocations[e.Inv]
	switch {
	case e.Inv == "" || s == nil:
	case s.open:
		t.fail(s.span, e, inv, e.Reason)
	default:
		// The invocation's span has ended (it was killed, say, while an
		// invoker still retries it): a span of no length under it carries
		// the exception, so that the invocation shows what broke.
		_, v := t.tracer.Start(s.ctx, "violation", trace.WithTimestamp(t.at(e)), trace.WithAttributes(
			keyInvariant.String(inv), keyInvocation.String(string(e.Inv)), keySeq.Int64(int64(e.Seq))))
		t.fail(v, e, inv, e.Reason)
		t.end(v, e)
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
	case invoker.MsgInvokerExit, invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup, invoker.MsgSegmentLoaded,
		invoker.MsgThrottleWake:
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
	for _, ple := range sortedPLEs(t.terms) {
		if t.terms[ple].invoker.incarnation < e.Incarnation {
			t.event(t.terms[ple].span, e)
			t.endTerm(ple, e)
		}
	}
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
