package faults

import (
	"cmp"
	"slices"
	"time"

	"lab/invoker"
)

// Stall is the invocation that has gone longest without a step forward
// (see movedForward) while its partition processor considers it invoked or
// an invoker holds a state machine for it: what the progress monitor will
// report once Since is Bound ago. Inv is empty when no invocation is hot,
// and Bound is 0 when the monitor is off.
type Stall struct {
	Inv invoker.InvocationID
	// Since is when Inv last moved forward, by event Seq.
	Since time.Duration
	Seq   uint64
	Bound time.Duration
	// Queued: Inv waits in its invoker's queue, which still moves (it
	// dequeued in the last half of the bound): a backlog, if it lasts.
	Queued bool
}

// stallOrder keeps the steps forward oldest first, so that the longest
// stall is found without a scan of every invocation at every snapshot. A
// run nobody watches never pays for it: it starts at the first look
// (oldestStall), from the marks sorted, and is kept from then on.
type stallOrder struct {
	on bool
	stepQueue
}

func (o *stallOrder) reset() {
	o.on = false
	o.stepQueue.reset()
}

// noteStep records a step forward, once someone looks.
func (c *checker) noteStep(id invoker.InvocationID, seq uint64) {
	o := &c.stalls
	if !o.on {
		return
	}
	o.push(progressStep{id: id, seq: seq})
	if len(o.steps) > 2*len(c.progress)+64 {
		o.compact(c.latest)
	}
}

func (c *checker) latest(st progressStep) bool {
	m, ok := c.progress[st.id]
	return ok && m.seq == st.seq
}

// oldestStall is the longest stall now. Steps of invocations gone cold are
// dropped as they come to the front: an invocation only turns hot again by
// a step forward (accepted, a status change, its invoke dequeued), which
// stands behind.
func (c *checker) oldestStall(n *invoker.Node) Stall {
	if c.bounds.Progress <= 0 {
		return Stall{}
	}
	o := &c.stalls
	if !o.on {
		o.on = true
		for id, m := range c.progress {
			o.steps = append(o.steps, progressStep{id: id, seq: m.seq})
		}
		slices.SortFunc(o.steps, func(a, b progressStep) int { return cmp.Compare(a.seq, b.seq) })
	}
	for st, ok := o.front(); ok; st, ok = o.front() {
		if c.latest(st) && c.hot(st.id, n) {
			_, queued := c.queueMoved(st.id, invokerKey{n.Incarnation(), n.InvokerFor(c.accepted[st.id])}, n.Now())
			return Stall{Inv: st.id, Since: c.progress[st.id].at, Seq: st.seq, Bound: c.bounds.Progress, Queued: queued}
		}
		o.pop()
	}
	return Stall{Bound: c.bounds.Progress}
}

// stallIn is oldestStall read off a full snapshot of the node, for a look
// taken once (the end of a run), which need not start the order: only the
// invocations the snapshot shows hot are looked up.
func (c *checker) stallIn(snap invoker.Snapshot) Stall {
	if c.bounds.Progress <= 0 {
		return Stall{}
	}
	st := Stall{Bound: c.bounds.Progress}
	for _, inv := range snap.Invocations {
		if inv.Status != invoker.StatusInvoked && inv.State == invoker.ISMNone {
			continue
		}
		if m, ok := c.progress[inv.ID]; ok && (st.Inv == "" || m.seq < st.Seq) {
			st.Inv, st.Since, st.Seq = inv.ID, m.at, m.seq
		}
	}
	for _, p := range snap.Partitions {
		if st.Inv != "" && p.ID == c.accepted[st.Inv] {
			_, st.Queued = c.queueMoved(st.Inv, invokerKey{snap.Incarnation, p.Invoker}, snap.At)
		}
	}
	return st
}
