package faults

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"lab/invoker"
)

// The progress monitor is a liveness check in virtual time, after Coyote's
// hot and cold monitors: an invocation is hot while its partition
// processor considers it invoked or an invoker holds a state machine for
// it, and it cools down whenever it moves forward (see movedForward). One
// that stays hot without moving forward for Bounds.Progress is stuck.
// Restate's own end-to-end stuck detector waits 2,700 s of wall time for
// the same verdict; here five simulated minutes pass in milliseconds.

// progressMark is the last time an invocation moved forward: the event
// that did, and whether the monitor has reported it stuck since.
type progressMark struct {
	at      time.Duration
	seq     uint64
	kind    invoker.Kind
	flagged bool
}

// never is a scan that is not due.
const never = maxTime

// movedForward reports whether e moves its invocation forward: accepted, a
// status changed, a journal entry stored, its Invoke taken off the queue,
// or an attempt that reached its service. An attempt that fails because the
// invocation is no longer invoked, a retry timer or a state machine waiting
// for one moves nothing.
func movedForward(e *invoker.Event) bool {
	switch e.Kind {
	case invoker.KindAccepted, invoker.KindStatus, invoker.KindJournal:
		return true
	case invoker.KindDequeue:
		return e.Outcome == invoker.OutcomeNone
	case invoker.KindTaskStart:
		return e.Outcome != invoker.TaskNotInvoked
	}
	return false
}

// noteProgress records e if it moves its invocation forward.
func (c *checker) noteProgress(e *invoker.Event) {
	if c.bounds.Progress <= 0 || e.Inv == "" || !movedForward(e) {
		return
	}
	c.progress[e.Inv] = progressMark{at: e.At, seq: e.Seq, kind: e.Kind}
	c.due.push(progressStep{id: e.Inv, seq: e.Seq})
	if c.due.pending() > 2*len(c.progress)+64 {
		c.due.compact(c.latest)
	}
	c.noteStep(e.Inv, e.Seq)
	if c.progressScan == never {
		c.progressScan = e.At + c.bounds.Progress
	}
}

// watching reports whether the monitor still waits for the bound to pass
// on an invocation it has not reported: the simulator then lets time run
// on through retries that change nothing, rather than end the stage early.
func (c *checker) watching() bool { return c.progressScan != never }

// checkProgress reports the invocations hot and not moved forward for the
// progress bound at now, in one violation. It scans only once the earliest
// invocation it knows may be due, so a run shorter than the bound never
// scans at all; and it takes the marks oldest first, off the front of the
// steps, up to the first that is hot and not due, which says when to look
// next. Marks of invocations gone cold are forgotten as they are met.
func (c *checker) checkProgress(now time.Duration, n *invoker.Node) {
	if now < c.progressScan {
		return
	}
	c.progressScan = never
	var stuck []invoker.InvocationID
	for st, ok := c.due.front(); ok; st, ok = c.due.front() {
		m := c.progress[st.id]
		switch {
		case !c.latest(st):
		case !c.hot(st.id, n):
			delete(c.progress, st.id)
		case m.flagged:
		case now-m.at >= c.bounds.Progress:
			stuck = append(stuck, st.id)
		default:
			c.progressScan = m.at + c.bounds.Progress
		}
		if c.progressScan != never {
			break
		}
		c.due.pop()
	}
	if c.stalls.on {
		c.stalls.compact(c.latest) // the steps of the marks forgotten go too
	}
	if len(stuck) == 0 {
		return
	}
	// holding are the other state machines of invocations no longer
	// invoked: the slots they hold may be what the stuck ones wait for.
	var holding []invoker.InvocationID
	for id, live := range c.liveISMs {
		if live > 0 && !c.invoked(id, n) && !slices.Contains(stuck, id) {
			holding = append(holding, id)
		}
	}
	what := "1 invocation"
	if len(stuck) > 1 {
		what = fmt.Sprintf("%d invocations", len(stuck))
	}
	detail := fmt.Sprintf("%s made no progress for %v: %s", what, c.bounds.Progress, c.describeStuck(stuck, now, n))
	if len(holding) > 0 {
		detail += "; beside them, state machines of invocations no longer invoked: " + c.describeStuck(holding, now, n)
	}
	for i := range n.Invokers() {
		if n.HeadReading(i) && n.InvokerState(i) == invoker.InvokerRunning {
			detail += fmt.Sprintf("; invoker%d's dequeue waits for its head segment's read to end", i)
		}
	}
	// The violation is about the first invocation named: the one holding
	// a slot, where there is one. Every other state machine of an
	// invocation no longer invoked is holding.
	check := CheckStalled
	if len(holding) > 0 || slices.ContainsFunc(stuck, func(id invoker.InvocationID) bool { return !c.invoked(id, n) }) {
		check = CheckRetryLoop
	}
	c.violateAbout(stuck[0], Progress, check, "%s", detail)
}

// describeStuck flags ids as reported and says, for up to four of them,
// since when and where each stands. State machines of invocations no
// longer invoked come first, then the other state machines: they hold the
// slots the rest may be queued for.
func (c *checker) describeStuck(ids []invoker.InvocationID, now time.Duration, n *invoker.Node) string {
	rank := func(id invoker.InvocationID) int {
		switch {
		case c.liveISMs[id] == 0:
			return 2
		case c.invoked(id, n):
			return 1
		}
		return 0
	}
	slices.SortFunc(ids, func(a, b invoker.InvocationID) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	items := make([]string, 0, min(len(ids), 5))
	for i, id := range ids {
		m := c.progress[id]
		m.flagged = true
		c.progress[id] = m
		if i < 4 {
			items = append(items, fmt.Sprintf("%s, from event #%d (%s) at %v to %v (%s)", id, m.seq, m.kind, m.at, now, stuckState(n, id)))
		}
	}
	if len(ids) > 4 {
		items = append(items, fmt.Sprintf("and %d more", len(ids)-4))
	}
	return strings.Join(items, "; ")
}

// hot: the partition processor considers id invoked, or an invoker holds a
// state machine for it.
func (c *checker) hot(id invoker.InvocationID, n *invoker.Node) bool {
	return c.liveISMs[id] > 0 || c.invoked(id, n)
}

// invoked: the partition processor considers id invoked.
func (c *checker) invoked(id invoker.InvocationID, n *invoker.Node) bool {
	p, ok := c.accepted[id]
	if !ok {
		return false
	}
	s, _ := n.Status(p, id)
	return s == invoker.StatusInvoked
}

// stuckState says where a stuck invocation stands, for the report.
func stuckState(n *invoker.Node, id invoker.InvocationID) string {
	var where []string
	for _, s := range n.InvocationAt(id) {
		w := fmt.Sprintf("%s at p%d", s.Status, s.Partition)
		if s.State != invoker.ISMNone {
			w += fmt.Sprintf(", its state machine %s at attempt %d", s.State, s.Attempt)
		}
		where = append(where, w)
	}
	return strings.Join(where, "; ")
}
