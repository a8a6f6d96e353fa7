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

// faultedMessage is a message about an invocation that the plan dropped
// or duplicated: the fault's event, and what kind of message it was.
type faultedMessage struct {
	seq uint64
	msg invoker.MsgKind
}

// copiedInvoke is an Invoke the plan duplicated: the fault's event, and
// the invoker it went to.
type copiedInvoke struct {
	seq uint64
	key invokerKey
}

// copiedBy reports whether invoker key, in its term still, was sent a copy
// of id's latest Invoke.
func (c *checker) copiedBy(id invoker.InvocationID, key invokerKey) bool {
	copied, ok := c.copiedInvoke[id]
	return ok && copied.key == key
}

// never is a scan that is not due.
const never = maxTime

// movedForward reports whether e moves its invocation forward: accepted, a
// status changed, a journal entry stored, its Invoke taken off the queue,
// or an attempt that reached its service. An attempt that fails because the
// invocation is no longer invoked or for memory, a retry timer or a state
// machine waiting for one moves nothing; nor does a Yield applied, which
// leaves the status invoked (and the checker takes the invoke it brings
// off the queue as no move either: noteProgress).
func movedForward(e *invoker.Event) bool {
	switch e.Kind {
	case invoker.KindAccepted, invoker.KindJournal:
		return true
	case invoker.KindStatus:
		return e.Effect != invoker.EffYield
	case invoker.KindDequeue:
		return e.Outcome == invoker.OutcomeNone
	case invoker.KindTaskStart:
		return e.Outcome != invoker.TaskNotInvoked && e.Outcome != invoker.TaskOutOfMemory
	}
	return false
}

// noteProgress records e if it moves its invocation forward.
func (c *checker) noteProgress(e *invoker.Event) {
	if c.bounds.Progress <= 0 || e.Inv == "" || !movedForward(e) {
		return
	}
	if e.Kind == invoker.KindDequeue && len(c.yielded) > 0 {
		if _, ok := c.yielded[e.Inv]; ok {
			return // it came back from a yield: round again
		}
	}
	c.progress[e.Inv] = progressMark{at: e.At, seq: e.Seq, kind: e.Kind}
	c.due.push(progressStep{id: e.Inv, seq: e.Seq})
	if c.due.pending() > maxDueSteps(len(c.progress)) {
		c.due.compact(c.latest)
	}
	c.noteStep(e.Inv, e.Seq)
	if c.progressScan == never {
		c.progressScan = e.At + c.bounds.Progress
	}
}

// maxDueSteps bounds the steps the monitor keeps for marks marks. A
// compaction looks every step up, so a run of the reference workload
// (≈400 steps forward) should never need one: the room is generous for
// small runs (dueSlack), and still a few times the marks for large ones.
func maxDueSteps(marks int) int { return 4*marks + dueSlack }

// dueSlack is the room maxDueSteps leaves beyond the marks; tests shrink it
// to make small runs compact.
var dueSlack = 1024

// watching reports whether the monitor still waits for the bound to pass
// on an invocation it has not reported: the simulator then lets time run
// on through retries that change nothing, rather than end the stage early.
func (c *checker) watching() bool { return c.progressScan != never }

// lastDue is when the last invocation the monitor waits on falls due:
// where a stage in which nothing is left to happen lets time pass to, so
// that one verdict names every invocation stuck in it.
func (c *checker) lastDue(n *invoker.Node) time.Duration {
	last := c.progressScan
	for _, st := range c.due.steps[c.due.head:] {
		if m := c.progress[st.id]; c.latest(st) && !m.flagged && c.hot(st.id, n) {
			last = max(last, m.at+c.bounds.Progress)
		}
	}
	return last
}

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
	c.progressScan, c.scanAt = never, now
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
		if n.Throttled(i) && n.InvokerState(i) == invoker.InvokerRunning && n.QueueLen(i) > 0 {
			detail += fmt.Sprintf("; invoker%d's queue sleeps for a token", i)
		}
	}
	// The violation is about the first invocation named: one nothing
	// explains if there is one (a state machine of an invocation no longer
	// invoked first), and its check says what it is.
	named := append(slices.Clone(stuck), holding...)
	c.rankStuck(named, n)
	check := c.checkOf(named[0], n)
	if check == CheckBacklog {
		detail += "; a backlog, not a stall: the queues move, slower than the bound"
	}
	c.violateAbout(stuck[0], Progress, check, "%s", detail)
}

// checkOf is the check of a verdict about id: retry-loop for a state
// machine of an invocation no longer invoked (#3217), stalled for another,
// unless something outside the invoker's logic explains it (stallCause).
func (c *checker) checkOf(id invoker.InvocationID, n *invoker.Node) string {
	if check, _ := c.stallCause(id, n); check != "" {
		return check
	}
	if !c.invoked(id, n) {
		return CheckRetryLoop
	}
	return CheckStalled
}

// stallCause is what explains, outside the invoker's logic, that id stands
// still: the check of a verdict about it and what the report says of it,
// or "" if nothing does. Its invoker died (a panic, reported as such); the
// plan dropped a message of its latest attempt (an output, an ack, an
// effect, its invoke), which nothing sends again, or duplicated one that
// started it again after it ended; its partition has no leader to drive it
// (the plan delayed or reordered the elections); or, waiting in its
// vqueue, for a permit that state machines stuck for one of these reasons
// hold; or, queued, it waits for a slot that such state machines hold, in a
// throttled queue whose wake the plan dropped, or in a queue that still
// moves (it dequeued in the last half of the bound, or sleeps for a
// token it will wake for): a backlog, not a stall.
func (c *checker) stallCause(id invoker.InvocationID, n *invoker.Node) (check, why string) {
	p, ok := c.accepted[id]
	if !ok {
		return "", ""
	}
	i := n.InvokerFor(p)
	lost, dropped := c.lost[id] // what its latest attempt lost (observe)
	switch {
	case n.InvokerState(i) == invoker.InvokerDead:
		return CheckInvokerDead, fmt.Sprintf("; invoker%d is dead", i)
	case !c.invoked(id, n):
		// A state machine of an invocation no longer invoked: #3217's
		// loop once it retries, whatever else its attempts met. One a
		// duplicate of its invoke (or of the effect that re-invoked it)
		// made after it ended, still at its first attempt, waits for
		// acks nobody sends.
		if dup, ok := c.duplicated[id]; ok && firstAttempt(n, id) {
			return CheckFaulted, fmt.Sprintf("; its %s was duplicated at event #%d", dup.msg, dup.seq)
		}
		// A variant that gives up on NotInvoked ends such a machine at its
		// attempt's failure, unless the plan dropped what carried it.
		if dropped && n.Config().Variant.GivesUpNotInvoked() {
			return CheckFaulted, fmt.Sprintf("; its %s was dropped at event #%d", lost.msg, lost.seq)
		}
	case dropped:
		return CheckFaulted, fmt.Sprintf("; its %s was dropped at event #%d", lost.msg, lost.seq)
	case c.copiedBy(id, invokerKey{n.Incarnation(), i}) && n.Config().Variant.PerTerm():
		// A copy of an earlier invoke ran with a fencing token no longer
		// current: the partition drops its effects, and the invoker of
		// the term dropped the current invoke as a duplicate of it.
		return CheckFaulted, fmt.Sprintf("; its invoke was duplicated at event #%d", c.copiedInvoke[id].seq)
	case c.goesRound(id, c.scanAt):
		// (its state machine, if it has one now, is an attempt whose
		// failure the plan holds up: it will yield again)
		return CheckYieldLoop, fmt.Sprintf("; its attempts fail for memory the pool does not have, and it yields and is invoked again (%d of %d leases held; its latest yield at event #%d)",
			n.MemoryInUse(), n.Config().MemoryLimit, c.yielded[id].seq)
	case c.starved[id] != 0 && c.liveISMs[id] > 0:
		return CheckOutOfMemory, fmt.Sprintf("; its attempts fail for memory the pool does not have (%d of %d leases held; its latest at event #%d)",
			n.MemoryInUse(), n.Config().MemoryLimit, c.starved[id])
	case c.liveISMs[id] > 0:
	case !c.led(id, n):
		return CheckNoLeader, fmt.Sprintf("; p%d has no leader", p)
	default:
		if check := c.permitsHeldFor(id, p, n); check != "" {
			permits := "the node's one permit, held"
			if _, limit := n.Permits(); limit > 1 {
				permits = fmt.Sprintf("the node's %d permits, all held", limit)
			}
			return check, fmt.Sprintf("; waiting in p%d's vqueue for %s by the stuck", p, permits)
		}
		if leaked := c.slotsLeaked(i, n); leaked > 0 {
			return CheckSlotsLeaked, fmt.Sprintf("; queued behind invoker%d's slots, %d of them held by no state machine (--paused-slots leaked)", i, leaked)
		}
		if check := c.slotsHeldFor(i, n); check != "" {
			return check, fmt.Sprintf("; queued behind invoker%d's slots, all held by the stuck", i)
		}
		if check, held := c.memoryHeldFor(i, n); check != "" {
			return check, fmt.Sprintf("; queued at invoker%d, which waits for the node's memory pool, %s", i, held)
		}
		key := invokerKey{n.Incarnation(), i}
		if n.Throttled(i) && c.waitsInQueue(id, key) {
			if seq, ok := c.lostWakes[key]; ok {
				return CheckFaulted, fmt.Sprintf("; queued at invoker%d, whose queue sleeps for a token: its wake was dropped at event #%d", i, seq)
			}
			// The node's bucket gives its tokens slower than the bound:
			// the queue moves when it wakes.
			return CheckBacklog, fmt.Sprintf("; queued at invoker%d, whose queue sleeps for a token until %v (--throttle)", i, n.ThrottledUntil(i))
		}
		if d, ok := c.queueMoved(id, key, c.scanAt); ok {
			return CheckBacklog, fmt.Sprintf("; queued at invoker%d, whose queue moved at event #%d (%v)", i, d.seq, d.at)
		}
	}
	return "", ""
}

// queuedInvoke is where an invocation's invokes wait in a queue: the
// invoker, the event that queued the latest, and how many wait (a new
// leader's re-invoke can queue behind its predecessor's, still there).
type queuedInvoke struct {
	key invokerKey
	seq uint64
	n   int
}

// enqueued records an invoke of id queued at invoker key by event seq.
func (c *checker) enqueued(id invoker.InvocationID, key invokerKey, seq uint64) {
	q := c.queued[id]
	if c.waitsInQueue(id, key) {
		q.n++
	} else {
		q.n = 1
	}
	q.key, q.seq = key, seq
	c.queued[id] = q
}

// dequeuedOne records that an invoke of id left its queue: the others,
// if any, still wait.
func (c *checker) dequeuedOne(id invoker.InvocationID) { c.dequeuedSome(id, 1) }

// dequeuedSome records that n invokes of id left its queue.
func (c *checker) dequeuedSome(id invoker.InvocationID, n int) {
	if q, ok := c.queued[id]; ok && q.n > n {
		q.n -= n
		c.queued[id] = q
		return
	}
	delete(c.queued, id)
}

// purgeKey is one partition's invokes in one invoker's queue.
type purgeKey struct {
	invokerKey
	partition invoker.PartitionID
}

// abortMark is an Abort's message and invocation.
type abortMark struct {
	cause uint64
	inv   invoker.InvocationID
}

// waitsInQueue: id's invoke went into invoker key's queue, has not left
// it, and no event since took invokes off that queue unnamed.
func (c *checker) waitsInQueue(id invoker.InvocationID, key invokerKey) bool {
	q, ok := c.queued[id]
	return ok && q.key == key && c.emptied[key] < q.seq && c.purged[purgeKey{key, c.accepted[id]}] < q.seq
}

// queueMoved is the latest dequeue of the queue id waits in, if it came
// in the last half of the bound before now: at the monitor's look, id has
// waited the whole bound, and its queue still moved in the second half of
// that wait. A queue stopped behind slots that stand still, or behind a
// read that never ends, moved last before that.
func (c *checker) queueMoved(id invoker.InvocationID, key invokerKey, now time.Duration) (progressMark, bool) {
	if !c.waitsInQueue(id, key) {
		return progressMark{}, false
	}
	d, ok := c.dequeued[key]
	return d, ok && now-d.at < c.bounds.Progress/2
}

// slotsHeldFor is the check of the state machines holding every slot of
// invoker i, if each has a cause (the first's), else "".
func (c *checker) slotsHeldFor(i int, n *invoker.Node) string {
	q, ok := n.QuotaOf(i)
	if !ok || q.Used < q.Limit {
		return ""
	}
	holders := c.slotHolders(i, n)
	slices.Sort(holders)
	return c.firstCauseOfAll(holders, n)
}

// permitsHeldFor is, for invocation id of partition p waiting in its
// vqueue while every permit of the node is in use (--vqueues), what
// explains the stall of each state machine holding one, the first
// found, or "" when one of them has no such cause: with vqueues every
// state machine holds a permit.
func (c *checker) permitsHeldFor(id invoker.InvocationID, p invoker.PartitionID, n *invoker.Node) string {
	inUse, limit := n.Permits()
	if limit == 0 || inUse < limit || !n.WaitsForPermit(p, id) {
		return ""
	}
	holders := make([]invoker.InvocationID, 0, len(c.liveISMs))
	for h := range c.liveISMs {
		holders = append(holders, h)
	}
	slices.Sort(holders)
	return c.firstCauseOfAll(holders, n)
}

// slotHolders are the invocations whose state machines hold invoker i's
// slots, in no order.
func (c *checker) slotHolders(i int, n *invoker.Node) []invoker.InvocationID {
	var holders []invoker.InvocationID
	for id := range c.liveISMs {
		if p, ok := c.accepted[id]; ok && n.InvokerFor(p) == i {
			holders = append(holders, id)
		}
	}
	return holders
}

// slotsLeaked is how many of invoker i's slots no state machine holds when
// they are all in use, kept by pauses (--paused-slots leaked); 0 if they
// are not all in use.
func (c *checker) slotsLeaked(i int, n *invoker.Node) int {
	q, ok := n.QuotaOf(i)
	if !ok || q.Used < q.Limit || n.Config().PausedSlots != invoker.PausedSlotsLeaked {
		return 0
	}
	return max(q.Used-len(c.slotHolders(i, n)), 0)
}

// memoryHeldFor is, when invoker i's queue waits for a lease of the
// node's memory pool (--memory-limit), the check of the first state
// machine holding it if every state machine of the node is stuck for a
// reason of its own, or of the queues holding it when no state machine
// does, and what holds it; "" if nothing explains the wait.
func (c *checker) memoryHeldFor(i int, n *invoker.Node) (check, held string) {
	if !n.WaitsForMemory(i) {
		return "", ""
	}
	holders := make([]invoker.InvocationID, 0, len(c.liveISMs))
	for id, live := range c.liveISMs {
		if live > 0 {
			holders = append(holders, id)
		}
	}
	if len(holders) == 0 {
		// No state machine holds the pool: queues do, for their next
		// invokes, and one behind slots that pauses leaked never takes
		// its invoke.
		for j := range n.Invokers() {
			if n.QueueHoldsLease(j) && c.slotsLeaked(j, n) > 0 {
				return CheckSlotsLeaked, "held for invokes queued behind slots no state machine holds (--paused-slots leaked)"
			}
		}
		if c.leasesHeldForYields(n) {
			return CheckYieldLoop, "held by queues for the invokes of invocations that yield round and round (--yield on)"
		}
		return "", ""
	}
	slices.Sort(holders)
	if check := c.firstCauseOfAll(holders, n); check != "" {
		return check, "all held by the stuck"
	}
	return "", ""
}

// leasesHeldForYields reports whether the queues that hold the node's
// pool's leases each hold one for the invoke of an invocation yielding
// round and round (--yield on): the loop's top of such a queue takes back
// the lease its attempt gave up, in the same step, while another invoke
// comes back from the log, and the other queues never get one.
func (c *checker) leasesHeldForYields(n *invoker.Node) bool {
	if len(c.yielded) == 0 {
		return false
	}
	held := false
	for j := range n.Invokers() {
		if !n.QueueHoldsLease(j) {
			continue
		}
		key := invokerKey{n.Incarnation(), j}
		yielding := false
		for id := range c.yielded { // an any-check: map order cannot show
			yielding = yielding || c.waitsInQueue(id, key) && c.goesRound(id, c.scanAt)
		}
		if !yielding {
			return false
		}
		held = true
	}
	return held
}

// firstCauseOfAll is the check of the first of holders if every one
// stands still for a reason stallCause names, or "".
func (c *checker) firstCauseOfAll(holders []invoker.InvocationID, n *invoker.Node) string {
	first := ""
	for _, id := range holders {
		check, _ := c.stallCause(id, n)
		if check == "" {
			return ""
		}
		if first == "" {
			first = check
		}
	}
	return first
}

// firstAttempt: id's state machine has not retried.
func firstAttempt(n *invoker.Node, id invoker.InvocationID) bool {
	for _, s := range n.InvocationAt(id) {
		if s.State != invoker.ISMNone && s.Attempt > 1 {
			return false
		}
	}
	return true
}

// rankStuck orders stuck invocations as a report names them: those
// nothing explains first; within each, state machines of invocations no
// longer invoked first, then the other state machines (they hold the
// slots the rest may be queued for), then the rest, then by id.
func (c *checker) rankStuck(ids []invoker.InvocationID, n *invoker.Node) {
	rank := make(map[invoker.InvocationID]int, len(ids))
	for _, id := range ids {
		r := 0
		switch {
		case c.liveISMs[id] == 0:
			r = 2
		case c.invoked(id, n):
			r = 1
		}
		if check, _ := c.stallCause(id, n); check != "" {
			r += 3
		}
		rank[id] = r
	}
	slices.SortFunc(ids, func(a, b invoker.InvocationID) int {
		return cmp.Or(cmp.Compare(rank[a], rank[b]), cmp.Compare(a, b))
	})
}

// describeStuck flags ids as reported and says, for up to four of them,
// since when and where each stands. State machines of invocations no
// longer invoked come first, then the other state machines: they hold the
// slots the rest may be queued for.
func (c *checker) describeStuck(ids []invoker.InvocationID, now time.Duration, n *invoker.Node) string {
	c.rankStuck(ids, n)
	items := make([]string, 0, min(len(ids), 5))
	for i, id := range ids {
		m := c.progress[id]
		m.flagged = true
		c.progress[id] = m
		if i < 4 {
			_, why := c.stallCause(id, n)
			items = append(items, fmt.Sprintf("%s, from event #%d (%s) at %v to %v (%s%s)", id, m.seq, m.kind, m.at, now,
				stuckState(n, id), why))
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

// yieldLooping reports whether an invocation the monitor named stuck is
// hot and goes round yielding for memory (Config.Yield on) at now. An
// any-check: the order the map is visited in cannot change it.
func (c *checker) yieldLooping(now time.Duration, n *invoker.Node) bool {
	for id := range c.yielded {
		if c.progress[id].flagged && c.hot(id, n) && c.goesRound(id, now) {
			return true
		}
	}
	return false
}

// goesRound reports whether id yields round and round: its latest yield
// (Config.Yield on) came in the last half of the bound before now. One
// that yielded and then stood still for another reason (its partition
// without a leader, its Yield dropped by the plan) does not.
func (c *checker) goesRound(id invoker.InvocationID, now time.Duration) bool {
	y, ok := c.yielded[id]
	return ok && now-y.at < c.bounds.Progress/2
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

// led: id's partition has a leader.
func (c *checker) led(id invoker.InvocationID, n *invoker.Node) bool {
	leads, _ := n.Leader(c.accepted[id])
	return leads
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
