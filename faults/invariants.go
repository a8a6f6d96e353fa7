package faults

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"lab/invoker"
)

// The invariants; the README's Invariants section says what each one means.
const (
	NoPanic           = "no-panic"
	TermFencing       = "term-fencing"
	TimerFencing      = "timer-fencing"
	SingleAttempt     = "single-attempt"
	QuotaConservation = "quota-conservation"
	NoLostInvocation  = "no-lost-invocation"
	Progress          = "progress"
	BoundedShutdown   = "bounded-shutdown"
	CleanShutdown     = "clean-shutdown"
	CrashVisibility   = "crash-visibility"
)

// Invariants lists them in the order they are reported.
var Invariants = []string{NoPanic, TermFencing, TimerFencing, SingleAttempt, QuotaConservation,
	NoLostInvocation, Progress, BoundedShutdown, CleanShutdown, CrashVisibility}

// Watched reports whether invariant is among invariants (nil: all are).
func Watched(invariants []string, invariant string) bool {
	return len(invariants) == 0 || slices.Contains(invariants, invariant)
}

// CheckInvariants reports the first name that is not an invariant's.
func CheckInvariants(names []string) error {
	for _, n := range names {
		if !slices.Contains(Invariants, n) {
			return fmt.Errorf("%q is not an invariant (want one of %s)", n, strings.Join(Invariants, ", "))
		}
	}
	return nil
}

// Violation is an invariant that did not hold, and the event that broke it.
type Violation struct {
	Invariant string
	// Check is which of the invariant's checks failed (see the Check
	// constants; for no-panic, the panic message): two violations of one
	// invariant with different checks are different failures, which
	// shrinking keeps apart.
	Check  string
	Detail string
	// Event broke the invariant, unless Between.
	Event invoker.Event
	// Between: no event broke it. It was found between events, after an
	// action, as time passed a bound or at the end of a stage; Event is
	// the last one logged before.
	Between bool
	// At is the virtual time it was found at: Event's, or later for a
	// bound that ran out as time passed.
	At time.Duration
	// Inv is the invocation a violation found between events is about,
	// when it is about one (the first a progress violation names); its
	// event then names that invocation, not the last event's.
	Inv invoker.InvocationID
	// Recent are the events that led to it, oldest first.
	Recent []invoker.Event
}

func (v Violation) String() string { return v.Invariant + ": " + v.Detail }

// Where says when a violation was found and which event broke it, or
// followed it: "at 227ms by event #1549", "at 5m2.9s, after event #2194".
func (v Violation) Where() string {
	if v.Between {
		return fmt.Sprintf("at %v, after event #%d", v.At, v.Event.Seq)
	}
	return fmt.Sprintf("at %v by event #%d", v.At, v.Event.Seq)
}

// The checks of invariants that have more than one way to fail, and of
// those with one, its name. A no-panic violation's check is the panic
// message.
const (
	CheckTaskAfterAbortAll   = "task-after-abort-all"
	CheckEffectAfterAbortAll = "effect-after-abort-all"
	CheckStaleTimerRetried   = "stale-timer-retried"
	CheckStaleTimerInFlight  = "stale-timer-in-flight"
	CheckTwoTasks            = "two-live-tasks"
	CheckTwoStateMachines    = "two-live-state-machines"
	CheckSlots               = "slots-not-state-machines"
	// CheckSlotsInflated: fewer slots in use than state machines holding
	// one, so more free than the limit allows, as when a VQInvoke's state
	// machine gives back a slot it never took (--vqueues unguarded,
	// restatedev/restate#4520).
	CheckSlotsInflated  = "slots-inflated"
	CheckEndedTwice     = "ended-twice"
	CheckNeverEnded     = "never-ended"
	CheckJoinTimeout    = "not-joined-in-time"
	CheckSpillLeft      = "spill-files-left"
	CheckNotFinished    = "invoker-not-finished"
	CheckQueuedLeft     = "queued-invokes-left"
	CheckUnnoticedCrash = "crash-unnoticed"
	// CheckRetryLoop: a state machine of an invocation its partition
	// processor no longer considers invoked (killed, or ended before a
	// duplicated Invoke ran) is retried for ever, holding its slot
	// (restatedev/restate#3217), among or beside the stuck invocations.
	CheckRetryLoop = "retry-loop"
	// CheckOutOfMemory: as retry-loop, but the state machine's attempts
	// fail for memory the node's pool does not have, each before it
	// reaches its service, and are retried while it keeps its first
	// lease (--memory-hungry: Restate's default, the experimental yield
	// off); the leases of such state machines may be what the rest wait
	// for.
	CheckOutOfMemory = "out-of-memory"
	// CheckYieldLoop: as out-of-memory, with the experimental yield on:
	// the attempts fail for memory the pool does not have, the state
	// machine goes, with its lease and its slot, and the invocation is
	// invoked again, queued, dequeued and out of memory again, round and
	// round while the clock moves (--yield on).
	CheckYieldLoop = "yield-loop"
	// CheckNoLeader: invocations made no progress, no such state machine
	// is there, and each stands still for a reason outside the invoker's
	// logic; for the first named, its partition has no leader to drive it
	// (the plan delayed or reordered the elections): nothing moves it
	// until the next leader re-invokes it.
	CheckNoLeader = "no-leader"
	// CheckInvokerDead: as no-leader, but the invoker of some of them
	// died (a panic, under --on-panic watch or unwind): nothing runs them
	// until the node restarts.
	CheckInvokerDead = "invoker-dead"
	// CheckFaulted: as no-leader, but the plan dropped a message of the
	// latest attempt of some of them (an ack or a task output: the model,
	// like Restate, has no timeout that notices, so each waits for ever),
	// or duplicated a message (an invoke, a suspended effect) that started
	// a second state machine after the invocation ended, which then waits
	// for acks the partition processor never sends; or, per term, an
	// Invoke whose copy ran with a stale fencing token in place of the
	// current one.
	CheckFaulted = "faulted"
	// CheckBacklog: as no-leader, but some of them wait in their
	// invoker's queue while it still moves (it dequeued in the last half of
	// the bound, or it sleeps for a token of a throttle and will wake): a
	// queue that takes longer than the bound to drain, which is a load,
	// not a bug (raise the bound for it, or the throttle).
	CheckBacklog = "backlog"
	// CheckSlotsLeaked: as no-leader, but some of them wait in their
	// invoker's queue behind slots that no state machine holds, kept by
	// pauses (--paused-slots leaked, restatedev/restate#4468): nothing
	// gives them back.
	CheckSlotsLeaked = "slots-leaked"
	// CheckStalled: invocations made no progress, and neither such a state
	// machine, nor a missing leader, a dead invoker or a plan's fault
	// explains one of them.
	CheckStalled = "stalled"
)

// LeftoverSpill reports whether the violation is clean-shutdown finding
// spill files on disk at the end: what Restate's buggy and fixed invokers
// leave whenever invokes were still spilled when the node stopped, since
// nothing removes the directory (invoker.Variant.RemovesSpill).
func (v Violation) LeftoverSpill() bool {
	return v.Invariant == CleanShutdown && v.Check == CheckSpillLeft
}

// Failure names the failure: the invariant and, if it has more than one
// check, the check, as "invariant (check)".
func (v Violation) Failure() string {
	if v.Check == "" || v.Check == v.Invariant {
		return v.Invariant
	}
	return v.Invariant + " (" + v.Check + ")"
}

// Bounds are the virtual-time limits of the time-bound invariants.
type Bounds struct {
	// Shutdown: from cancellation until the invoker's tasks are joined.
	Shutdown time.Duration
	// Crash: from an invoker's death until its partition processors notice.
	Crash time.Duration
	// Progress: how long an invocation may stay hot without moving forward
	// (progress.go); 0 turns the monitor off, as in schedules recorded
	// before it existed.
	Progress time.Duration
	// ProgressConfirmed, when not 0, is a longer progress bound under
	// which the run fails the same way: that of the run a shrunk schedule
	// came from, whose bound shrinking shortened so that its loop is shown
	// going round a few times rather than for minutes. The run itself does
	// not use it (see Options.JudgeByConfirmedBound).
	ProgressConfirmed time.Duration
}

// DefaultBounds are generous for the lab's millisecond-scale workload; the
// progress bound is the five simulated minutes of the lab's liveness goal.
func DefaultBounds() Bounds {
	return Bounds{Shutdown: 5 * time.Second, Crash: time.Second, Progress: 5 * time.Minute}
}

type invokerKey struct{ incarnation, id int }

type fenceKey struct {
	incarnation, invoker int
	ple                  invoker.PLE
}

type termKey struct {
	incarnation int
	ple         invoker.PLE
}

// checker watches the event stream and the node after every action. It is
// fed by the simulator and never changes the node.
type checker struct {
	bounds    Bounds
	onViolate func(v Violation)

	fenced map[fenceKey]bool
	// fencedTerms are the terms some invoker of an incarnation fenced.
	fencedTerms map[termKey]bool
	liveTasks   map[invoker.InvocationID]int
	liveISMs    map[invoker.InvocationID]int
	accepted    map[invoker.InvocationID]invoker.PartitionID
	terminal    map[invoker.InvocationID]int
	cancelled   map[invokerKey]time.Duration
	dead        map[invokerKey]time.Duration
	servedBy    func(i int) []invoker.PartitionID
	noticed     map[invoker.PartitionID]time.Duration
	leaderAt    map[invoker.PartitionID]bool
	quotaBad    map[int]bool
	quotaViews  []invoker.QuotaView
	keys        []invokerKey
	// progress is when each invocation last moved forward, and
	// progressScan when the monitor looks next (progress.go).
	progress     map[invoker.InvocationID]progressMark
	progressScan time.Duration
	due          stepQueue
	// queued is where each invocation's invoke waits in a queue, and since
	// when; dequeued each invoker's latest dequeue; emptied the latest
	// event that took invokes off an invoker's queue unnamed (the
	// shutdown's discard, a lost segment, a term's end), and purged the
	// latest that took off those of one partition (graceful's abort-all);
	// scanAt the time of the monitor's look. A queue that still moves
	// explains the wait of the invokes in it (progress.go).
	queued   map[invoker.InvocationID]queuedInvoke
	dequeued map[invokerKey]progressMark
	emptied  map[invokerKey]uint64
	purged   map[purgeKey]uint64
	scanAt   time.Duration
	// lost is the latest message of each invocation's latest attempt the
	// plan dropped; duplicated, the latest message of it the plan
	// duplicated; copiedInvoke, the latest Invoke of each invocation the
	// plan duplicated to an invoker still in its term.
	lost         map[invoker.InvocationID]faultedMessage
	duplicated   map[invoker.InvocationID]faultedMessage
	copiedInvoke map[invoker.InvocationID]copiedInvoke
	// starved is the event of each invocation's latest attempt if it
	// failed for memory (invoker.TaskOutOfMemory).
	starved map[invoker.InvocationID]uint64
	// yielded is the event that applied each invocation's latest Yield
	// (invoker.Config.Yield on), until one of its attempts reaches its
	// service: the invokes that yield brings are no progress.
	yielded map[invoker.InvocationID]progressMark
	// lostWakes is, per invoker, the event of the throttled queue's wake
	// the plan dropped: that queue sleeps for a token for good.
	lostWakes map[invokerKey]uint64
	// lastAbort is the latest Abort handled: a purge in its step is of
	// its invocation's invokes.
	lastAbort abortMark
	stalls    stallOrder
	// last is the latest event logged: what a violation found outside an
	// event (after an action, at a time bound, at the end) points at.
	last func() invoker.Event
}

// reset readies c for a run of about invocations invocations (a hint:
// its maps start at that size rather than grow to it), keeping the storage
// of its maps from the run before.
func (c *checker) reset(b Bounds, invocations int, servedBy func(int) []invoker.PartitionID, last func() invoker.Event,
	onViolate func(Violation)) *checker {
	n := min(invocations, 4096)
	*c = checker{
		bounds: b, servedBy: servedBy, last: last, onViolate: onViolate,
		fenced: emptied(c.fenced, 0), fencedTerms: emptied(c.fencedTerms, 0), liveTasks: emptied(c.liveTasks, n),
		liveISMs: emptied(c.liveISMs, n), accepted: emptied(c.accepted, n), terminal: emptied(c.terminal, n),
		cancelled: emptied(c.cancelled, 0), dead: emptied(c.dead, 0), noticed: emptied(c.noticed, 0),
		leaderAt: emptied(c.leaderAt, 0), quotaBad: emptied(c.quotaBad, 0),
		quotaViews: c.quotaViews[:0], keys: c.keys[:0],
		progress: emptied(c.progress, n), progressScan: never, due: c.due,
		queued: emptied(c.queued, n), dequeued: emptied(c.dequeued, 0), emptied: emptied(c.emptied, 0),
		purged: emptied(c.purged, 0),
		lost:   emptied(c.lost, 0), duplicated: emptied(c.duplicated, 0), copiedInvoke: emptied(c.copiedInvoke, 0),
		starved: emptied(c.starved, 0), yielded: emptied(c.yielded, 0),
		lostWakes: emptied(c.lostWakes, 0), stalls: c.stalls,
	}
	c.due.reset()
	c.stalls.reset()
	return c
}

// emptied is m cleared, or a new map for about hint entries.
func emptied[K comparable, V any](m map[K]V, hint int) map[K]V {
	if m == nil {
		return make(map[K]V, hint)
	}
	clear(m)
	return m
}

func (c *checker) violate(inv, check string, e *invoker.Event, format string, args ...any) {
	c.report(Violation{Invariant: inv, Check: check, Detail: fmt.Sprintf(format, args...), Event: *e})
}

// violateLast reports a violation found between events, after the latest.
func (c *checker) violateLast(inv, check string, format string, args ...any) {
	c.violateAbout("", inv, check, format, args...)
}

// violateAbout reports a violation about invocation id (or none) found
// between events.
func (c *checker) violateAbout(id invoker.InvocationID, inv, check string, format string, args ...any) {
	c.report(Violation{Invariant: inv, Check: check, Detail: fmt.Sprintf(format, args...), Event: c.last(),
		Between: true, Inv: id})
}

func (c *checker) report(v Violation) {
	if c.onViolate != nil {
		c.onViolate(v)
	}
}

// observe checks one event; it must be the latest logged.
func (c *checker) observe(e *invoker.Event) {
	c.noteProgress(e)
	key := invokerKey{e.Incarnation, e.Invoker}
	switch e.Kind {
	case invoker.KindPanic:
		c.violate(NoPanic, e.Reason, e, "invoker%d panicked: %s", e.Invoker, e.Reason)
		c.dead[key] = e.At
	case invoker.KindAbortAll, invoker.KindTermEnd:
		if e.Kind == invoker.KindTermEnd && e.Outcome == invoker.OutcomeNone {
			c.emptied[key] = e.Seq
		}
		c.fenced[fenceKey{e.Incarnation, e.Invoker, e.PLE()}] = true
		c.fencedTerms[termKey{e.Incarnation, e.PLE()}] = true
	case invoker.KindTaskStart:
		if c.fenced[fenceKey{e.Incarnation, e.Invoker, e.PLE()}] {
			c.violate(TermFencing, CheckTaskAfterAbortAll, e, "invoker%d started a task for %s %s after AbortAllPartition(%s)",
				e.Invoker, e.PLE(), e.Inv, e.PLE())
		}
		c.liveTasks[e.Inv]++
		if n := c.liveTasks[e.Inv]; n > 1 {
			c.violate(SingleAttempt, CheckTwoTasks, e, "%s has %d live tasks", e.Inv, n)
		}
		if len(c.lost) > 0 {
			delete(c.lost, e.Inv) // what an earlier attempt lost explains no stall of this one
		}
		if e.Outcome == invoker.TaskOutOfMemory {
			c.starved[e.Inv] = e.Seq
		} else {
			if len(c.starved) > 0 {
				delete(c.starved, e.Inv)
			}
			if len(c.yielded) > 0 && e.Outcome != invoker.TaskNotInvoked {
				delete(c.yielded, e.Inv)
			}
		}
	case invoker.KindTaskEnd:
		c.liveTasks[e.Inv]--
	case invoker.KindTimerFired:
		c.checkTimerFenced(e)
	case invoker.KindISM:
		switch {
		case invoker.ISMState(e.From) == invoker.ISMNone:
			c.liveISMs[e.Inv]++
			if n := c.liveISMs[e.Inv]; n > 1 {
				c.violate(SingleAttempt, CheckTwoStateMachines, e, "%s has %d live state machines", e.Inv, n)
			}
		case invoker.ISMState(e.To) == invoker.ISMGone:
			// Gone ones are forgotten, so that the monitor's look at
			// the state machines holding slots meets only live ones.
			if c.liveISMs[e.Inv]--; c.liveISMs[e.Inv] == 0 {
				delete(c.liveISMs, e.Inv)
			}
		}
	case invoker.KindJournal, invoker.KindStatus:
		if e.Effect != invoker.EffNone {
			c.checkEffectFenced(e)
		}
		if e.Kind == invoker.KindStatus {
			c.checkTerminal(e)
			if e.Effect == invoker.EffYield {
				c.yielded[e.Inv] = progressMark{at: e.At, seq: e.Seq, kind: e.Kind}
			}
		}
	case invoker.KindAccepted:
		c.accepted[e.Inv] = e.Partition
	case invoker.KindEnqueue:
		c.enqueued(e.Inv, key, e.Seq)
	case invoker.KindDequeue:
		c.dequeuedOne(e.Inv)
		c.dequeued[key] = progressMark{at: e.At, seq: e.Seq, kind: e.Kind}
	case invoker.KindAbort:
		c.lastAbort = abortMark{e.Cause, e.Inv}
	case invoker.KindPurge:
		if a := c.lastAbort; e.Cause != 0 && a.cause == e.Cause && a.inv != "" {
			// graceful's abort purging the invokes of the one invocation
			// it found no state machine for
			c.dequeuedSome(a.inv, e.N)
			break
		}
		c.purged[purgeKey{key, e.Partition}] = e.Seq
	case invoker.KindShutdown, invoker.KindLoadFailed:
		c.emptied[key] = e.Seq
	case invoker.KindFaultDrop:
		if e.Inv != "" {
			c.lost[e.Inv] = faultedMessage{e.Seq, e.Msg}
		}
		if e.Msg == invoker.MsgThrottleWake {
			c.lostWakes[key] = e.Seq
		}
	case invoker.KindTermBegin:
		delete(c.lostWakes, key) // a new invoker in the slot, its queue awake
		// and the copies its predecessor ran ended with it
		for id, copied := range c.copiedInvoke {
			if copied.key == key {
				delete(c.copiedInvoke, id)
			}
		}
	case invoker.KindFaultDuplicate:
		if e.Inv != "" {
			c.duplicated[e.Inv] = faultedMessage{e.Seq, e.Msg}
		}
		if e.Msg == invoker.MsgInvoke {
			c.copiedInvoke[e.Inv] = copiedInvoke{e.Seq, key}
		}
	case invoker.KindCancel:
		if _, ok := c.cancelled[key]; !ok && e.Outcome == invoker.OutcomeNone {
			c.cancelled[key] = e.At
		}
	case invoker.KindJoined:
		if e.Outcome == invoker.OutcomeNone {
			delete(c.cancelled, key)
		}
	case invoker.KindExitNoticed:
		c.noticed[e.Partition] = e.At
	case invoker.KindLeader:
		if e.Outcome == invoker.OutcomeNone {
			c.leaderAt[e.Partition] = true
		}
	case invoker.KindStepDown:
		if !e.Outcome.Ignored() {
			c.leaderAt[e.Partition] = false
		}
	case invoker.KindNodeAbort:
		// The process is gone: nothing is left to join, and no partition
		// processor leads to notice anything.
		clear(c.cancelled)
		clear(c.leaderAt)
	case invoker.KindRestart:
		clear(c.cancelled)
		clear(c.dead)
		clear(c.leaderAt)
	}
}

// checkEffectFenced: the partition processor applied an effect of an epoch
// whose AbortAllPartition an invoker of this incarnation already processed.
func (c *checker) checkEffectFenced(e *invoker.Event) {
	if c.fencedTerms[termKey{e.Incarnation, e.PLE()}] {
		c.violate(TermFencing, CheckEffectAfterAbortAll, e, "p%d applied an effect of %s after AbortAllPartition(%s)",
			e.Partition, e.PLE(), e.PLE())
	}
}

// checkTimerFenced: a retry timer acted on a state machine other than the
// wait that set it (unkeyed timers, restatedev/restate#4064).
func (c *checker) checkTimerFenced(e *invoker.Event) {
	switch e.Outcome {
	case invoker.StaleTimerRetried:
		c.violate(TimerFencing, CheckStaleTimerRetried, e, "a retry timer of an earlier wait (attempt %d's, due %v) started %s's retry before its own backoff ended",
			e.Attempt, e.Due, e.Inv)
	case invoker.IgnoredStaleTimerInFlight:
		c.violate(TimerFencing, CheckStaleTimerInFlight, e, "a retry timer of an earlier wait (attempt %d's, due %v) reached %s's attempt in flight: Restate's debug_assert fails here (#4064)",
			e.Attempt, e.Due, e.Inv)
	}
}

func (c *checker) checkTerminal(e *invoker.Event) {
	to, from := invoker.Status(e.To), invoker.Status(e.From)
	if !to.Terminal() {
		return
	}
	c.terminal[e.Inv]++
	if from.Terminal() || c.terminal[e.Inv] > 1 {
		c.violate(NoLostInvocation, CheckEndedTwice, e, "%s ended twice (%s, then %s)", e.Inv, from, to)
	}
}

// afterAction checks the slot bookkeeping once an action has completed:
// of the invokers listed (in order), or of every one if the list is nil.
func (c *checker) afterAction(n *invoker.Node, only []int) {
	if only == nil {
		c.quotaViews = n.AppendQuotas(c.quotaViews[:0])
	} else {
		c.quotaViews = c.quotaViews[:0]
		for _, i := range only {
			if q, ok := n.QuotaOf(i); ok {
				c.quotaViews = append(c.quotaViews, q)
			}
		}
	}
	for _, q := range c.quotaViews {
		bad := q.Used != q.ISMs || q.Used > q.Limit || q.Used < 0
		switch {
		case !bad || c.quotaBad[q.Invoker]:
		case q.Used < q.ISMs:
			c.violateLast(QuotaConservation, CheckSlotsInflated, "invoker%d has %d of %d slots free but %d state machines hold one: it took back %d it never gave",
				q.Invoker, q.Limit-q.Used, q.Limit, q.ISMs, q.ISMs-q.Used)
		default:
			c.violateLast(QuotaConservation, CheckSlots, "invoker%d has %d/%d slots in use but %d state machines",
				q.Invoker, q.Used, q.Limit, q.ISMs)
		}
		if bad != c.quotaBad[q.Invoker] {
			c.quotaBad[q.Invoker] = bad
		}
	}
}

// tick checks the time bounds at virtual time now. At the end of a phase
// nothing more will happen, so whatever is still waiting has failed.
func (c *checker) tick(now time.Duration, final bool) {
	if len(c.cancelled) == 0 && len(c.dead) == 0 {
		return // the common case: nothing is waiting on a bound
	}
	c.keys = sortedKeys(c.keys[:0], c.cancelled)
	for _, k := range c.keys {
		at := c.cancelled[k]
		if _, isDead := c.dead[k]; isDead {
			delete(c.cancelled, k)
			continue
		}
		if final || now-at > c.bounds.Shutdown {
			c.violateLast(BoundedShutdown, CheckJoinTimeout, "invoker%d was cancelled at %v and had not joined its tasks by %v",
				k.id, at, now)
			delete(c.cancelled, k)
		}
	}
	c.keys = sortedKeys(c.keys[:0], c.dead)
	for _, k := range c.keys {
		at := c.dead[k]
		if !final && now-at <= c.bounds.Crash {
			continue
		}
		for _, p := range c.servedBy(k.id) {
			if seen, ok := c.noticed[p]; c.leaderAt[p] && (!ok || seen < at) {
				c.violateLast(CrashVisibility, CheckUnnoticedCrash, "invoker%d died at %v and p%d, still leader, had not noticed by %v",
					k.id, at, p, now)
			}
		}
		delete(c.dead, k)
	}
}

// finish runs the end-of-run checks.
func (c *checker) finish(n *invoker.Node) {
	var lost []string
	for _, id := range slices.Sorted(maps.Keys(c.accepted)) {
		s, _ := n.Status(c.accepted[id], id)
		if !s.Terminal() && s != invoker.StatusPaused {
			lost = append(lost, fmt.Sprintf("%s (%s)", id, s))
		}
	}
	if len(lost) > 0 {
		c.violateLast(NoLostInvocation, CheckNeverEnded, "%d accepted invocations never ended: %s", len(lost), abbreviate(lost, 8))
	}
	// Restate's invoker ends joined: nothing removes its spill directory.
	// The graceful one, and any with spill directories removed, ends closed.
	done := invoker.InvokerJoined
	if n.Config().RemovesSpill() {
		done = invoker.InvokerClosed
	}
	for i := range n.Invokers() {
		if st := n.InvokerState(i); st != done && st != invoker.InvokerDead {
			c.violateLast(CleanShutdown, CheckNotFinished, "invoker%d ended %s, not %s", i, st, done)
		}
		if q := n.QueueLen(i); q > 0 {
			c.violateLast(CleanShutdown, CheckQueuedLeft, "invoker%d still holds %s", i, Plural(q, "queued invoke"))
		}
	}
	// Last: files left by an invoker that never finished are no news, and
	// a shrunk run must not find them that way (it would keep the first
	// violation by cutting the shutdown short).
	if files, where := n.LeftoverSpill(); files > 0 {
		c.violateLast(CleanShutdown, CheckSpillLeft, "%d spill segment files left by %s", files, abbreviate(where, 8))
	}
}

// sortedKeys appends m's keys to buf in order, so that checks never depend
// on map order; tick reuses one buffer.
func sortedKeys(buf []invokerKey, m map[invokerKey]time.Duration) []invokerKey {
	buf = slices.AppendSeq(buf, maps.Keys(m))
	slices.SortFunc(buf, func(a, b invokerKey) int {
		return cmp.Or(cmp.Compare(a.incarnation, b.incarnation), cmp.Compare(a.id, b.id))
	})
	return buf
}

func abbreviate(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}
