package tui

import (
	"fmt"
	"slices"

	"lab/faults"
	"lab/invoker"
	"lab/live"
)

// timelineCap bounds the events the timeline keeps for scrolling and
// filtering; counts are kept for every event regardless.
const timelineCap = 4000

// historyCap is how many queue depths each invoker keeps: one per change,
// so the same run draws the same history however fast it is watched.
const historyCap = 48

// faultLogCap bounds the fault log.
const faultLogCap = 200

// recentInvocations is how many recently touched invocations are listed.
const recentInvocations = 64

// state is what the UI derives from the events it has seen: it is fed by
// ingest only, and never points into the runner's views.
type state struct {
	// seen counts the events ingested; kinds counts them by kind. Both
	// must equal the simulator's own counts (Snapshot.Events, .Kinds).
	seen  uint64
	kinds [invoker.NumKinds]int
	// timeline is a ring of the latest events.
	timeline []invoker.Event
	tlNext   uint64
	faults   []invoker.Event
	// touched lists invocations by the sequence number of their latest
	// event, newest last.
	touched  []invoker.InvocationID
	shutdown shutdownPhases
	// invocations is what the events said of each invocation; held and
	// queued count, per invoker and partition, the state machines holding
	// a slot and the invokes in the queue (views list no invocations), and
	// permits the vqueue permits granted (--vqueues).
	invocations map[invoker.InvocationID]*invocation
	held        map[lane]int
	queued      map[lane]int
	permits     map[lane]int
	// history is the queue depth of each invoker after each change, and
	// depth the latest.
	history [][]int
	depth   []int
}

// lane is one invoker's share of one partition.
type lane struct {
	invoker   int
	partition invoker.PartitionID
}

// invocation is one invocation as its events describe it.
type invocation struct {
	id        invoker.InvocationID
	partition invoker.PartitionID
	status    invoker.Status
	// machine is its state machine's latest state, on invoker (none once
	// that invoker dies or restarts).
	machine invoker.ISMState
	invoker int
	ple     invoker.PLE
	attempt int
	journal int
}

func newState() *state {
	return &state{timeline: make([]invoker.Event, timelineCap),
		invocations: map[invoker.InvocationID]*invocation{}, held: map[lane]int{}, queued: map[lane]int{}, permits: map[lane]int{}}
}

// ingest folds one published view's fresh events into the state.
func (s *state) ingest(v *live.View) {
	for i := range v.Fresh {
		s.add(v.Fresh[i])
	}
}

func (s *state) add(e invoker.Event) {
	s.seen++
	s.kinds[e.Kind]++
	s.timeline[s.tlNext%timelineCap] = e
	s.tlNext++
	switch e.Kind {
	case invoker.KindFaultDelay, invoker.KindFaultDrop, invoker.KindFaultDuplicate,
		invoker.KindFaultReorder, invoker.KindControl:
		if len(s.faults) == faultLogCap {
			s.faults = append(s.faults[:0], s.faults[1:]...)
		}
		s.faults = append(s.faults, e)
	}
	if e.Inv != "" {
		s.touch(e.Inv)
	}
	s.shutdown.observe(e)
	s.queueDepth(e)
	s.follow(e)
}

// follow keeps the invocations and the per-partition counts up to date.
func (s *state) follow(e invoker.Event) {
	l := lane{e.Invoker, e.Partition}
	switch e.Kind {
	case invoker.KindAccepted:
		s.invocations[e.Inv] = &invocation{id: e.Inv, partition: e.Partition, status: invoker.StatusInvoked}
	case invoker.KindStatus:
		if inv := s.invocations[e.Inv]; inv != nil {
			inv.status = invoker.Status(e.To)
		}
	case invoker.KindJournal:
		if inv := s.invocations[e.Inv]; inv != nil {
			inv.journal = max(inv.journal, e.Index)
		}
	case invoker.KindISM:
		if inv := s.invocations[e.Inv]; inv != nil {
			inv.machine, inv.invoker, inv.ple, inv.attempt = invoker.ISMState(e.To), e.Invoker, e.PLE(), e.Attempt
		}
	case invoker.KindSlotAcquired:
		s.held[l]++
	case invoker.KindSlotReleased:
		s.held[l] = max(0, s.held[l]-1)
	case invoker.KindVQRun:
		s.permits[l]++
	case invoker.KindVQPermit:
		s.permits[l] = max(0, s.permits[l]-1)
	case invoker.KindEnqueue:
		s.queued[l]++
	case invoker.KindDequeue:
		s.queued[l] = max(0, s.queued[l]-1)
	case invoker.KindPurge:
		s.queued[l] = max(0, s.queued[l]-e.N)
	case invoker.KindShutdown, invoker.KindTermEnd:
		// The shutdown arm, and a term's end, discard what is queued.
		s.forget(e.Invoker, false, true)
	case invoker.KindPanic:
		// A dying invoker drops its state machines, slots and queue.
		s.forget(e.Invoker, true, true)
	case invoker.KindRestart, invoker.KindNodeAbort:
		// A new incarnation starts empty; an aborted process kept nothing.
		// The permits went with the process.
		s.held, s.queued, s.permits = map[lane]int{}, map[lane]int{}, map[lane]int{}
		for _, inv := range s.invocations {
			inv.machine = invoker.ISMNone
		}
	}
}

func (s *state) forget(invokerID int, machines, queue bool) {
	for l := range s.held {
		if l.invoker == invokerID && machines {
			delete(s.held, l)
		}
	}
	for l := range s.queued {
		if l.invoker == invokerID && queue {
			delete(s.queued, l)
		}
	}
	if machines {
		for _, inv := range s.invocations {
			if inv.invoker == invokerID {
				inv.machine = invoker.ISMNone
			}
		}
	}
}

// partitionCounts sums held and queued by partition: with vqueues, the
// permits granted are what is held.
func (s *state) partitionCounts(vqueues bool) (held, queued map[invoker.PartitionID]int) {
	held, queued = map[invoker.PartitionID]int{}, map[invoker.PartitionID]int{}
	holders := s.held
	if vqueues {
		holders = s.permits
	}
	for l, n := range holders {
		held[l.partition] += n
	}
	for l, n := range s.queued {
		queued[l.partition] += n
	}
	return held, queued
}

// queueDepth follows the length of each invoker's segmented queue (what N
// means for each kind is invoker.KindInfo's): an enqueue and a dequeue say
// the length after them, a purge removes N, the shutdown arm, a term's end
// and a panic discard what is left, a node's abort every invoker's, and a
// restart starts empty queues.
func (s *state) queueDepth(e invoker.Event) {
	switch e.Kind {
	case invoker.KindEnqueue, invoker.KindDequeue:
		s.setDepth(e.Invoker, e.N)
	case invoker.KindPurge:
		if e.Invoker >= 0 && e.Invoker < len(s.depth) {
			s.setDepth(e.Invoker, max(0, s.depth[e.Invoker]-e.N))
		}
	case invoker.KindShutdown, invoker.KindPanic, invoker.KindTermEnd:
		s.setDepth(e.Invoker, 0)
	case invoker.KindNodeAbort:
		for i, d := range s.depth {
			if d != 0 {
				s.setDepth(i, 0)
			}
		}
	case invoker.KindRestart:
		s.history, s.depth = nil, nil
	}
}

// setDepth records invoker i's queue length d.
func (s *state) setDepth(i, d int) {
	if i < 0 {
		return
	}
	for len(s.history) <= i {
		s.history = append(s.history, nil)
		s.depth = append(s.depth, 0)
	}
	h := s.history[i]
	if len(h) == historyCap {
		h = append(h[:0], h[1:]...)
	}
	s.history[i] = append(h, d)
	s.depth[i] = d
}

// touch moves an invocation to the end of the recently touched list.
func (s *state) touch(id invoker.InvocationID) {
	n := len(s.touched)
	if n > 0 && s.touched[n-1] == id {
		return
	}
	for i := n - 1; i >= 0 && i >= n-recentInvocations; i-- {
		if s.touched[i] == id {
			copy(s.touched[i:], s.touched[i+1:])
			s.touched[n-1] = id
			return
		}
	}
	if n == recentInvocations {
		copy(s.touched, s.touched[1:])
		s.touched[n-1] = id
		return
	}
	s.touched = append(s.touched, id)
}

// latest returns the newest events that f selects, oldest first: at most
// n of them after skipping the skip newest, and how many f selects in all.
// It copies only what it returns, however long the timeline is.
func (s *state) latest(f *filter, n, skip int) ([]invoker.Event, int) {
	kept := min(s.tlNext, timelineCap)
	var out []invoker.Event
	total := 0
	for i := s.tlNext; i > s.tlNext-kept; i-- {
		e := &s.timeline[(i-1)%timelineCap]
		if !f.match(e) {
			continue
		}
		total++
		if total > skip && len(out) < n {
			out = append(out, *e)
		}
		if f.empty() && len(out) == n {
			total = int(kept)
			break
		}
	}
	slices.Reverse(out)
	return out, total
}

// kept is how many events the timeline holds.
func (s *state) kept() int { return int(min(s.tlNext, timelineCap)) }

// missing is how many of the run's events the UI has not seen: zero unless
// the UI fell behind the views it follows.
func (s *state) missing(snap *faults.Snapshot) uint64 {
	if snap.Events < s.seen {
		return 0
	}
	return snap.Events - s.seen
}

// shutdownPhases follows the node's shutdown of the current incarnation:
// each phase is a message the fault injector may order, delay or drop, so
// the strip shows how far each has got.
type shutdownPhases struct {
	ingressStopped bool
	// Per partition or invoker, since ingress stopped.
	steppedDown map[invoker.PartitionID]bool
	cancelled   map[int]bool
	armTaken    map[int]bool
	joined      map[int]bool
	spillGone   map[int]bool
}

func (p *shutdownPhases) observe(e invoker.Event) {
	switch e.Kind {
	case invoker.KindRestart:
		*p = shutdownPhases{}
	case invoker.KindStopIngress:
		p.ingressStopped = true
	case invoker.KindStepDown:
		if p.ingressStopped {
			p.steppedDown = mark(p.steppedDown, e.Partition)
		}
	case invoker.KindCancel:
		p.cancelled = mark(p.cancelled, e.Invoker)
	case invoker.KindShutdown:
		p.armTaken = mark(p.armTaken, e.Invoker)
	case invoker.KindJoined:
		p.joined = mark(p.joined, e.Invoker)
	case invoker.KindTermEnd:
		// A per-term invoker stepped down in the shutdown was cancelled,
		// exited and joined there and then.
		if p.ingressStopped && e.Outcome == invoker.OutcomeNone {
			p.cancelled = mark(p.cancelled, e.Invoker)
			p.armTaken = mark(p.armTaken, e.Invoker)
			p.joined = mark(p.joined, e.Invoker)
		}
	case invoker.KindSpillRemoved:
		// With --spill-dirs removed a term's invoker removes its directory
		// at every step-down: only the shutdown's removals are its phase.
		if p.started() {
			p.spillGone = mark(p.spillGone, e.Invoker)
		}
	}
}

func (p *shutdownPhases) started() bool { return p.ingressStopped || len(p.cancelled) > 0 }

func mark[K comparable](m map[K]bool, k K) map[K]bool {
	if m == nil {
		m = map[K]bool{}
	}
	m[k] = true
	return m
}

// phaseStep is one phase of the strip: done of total.
type phaseStep struct {
	name        string
	done, total int
}

func (s phaseStep) String() string {
	switch {
	case s.done >= s.total:
		return s.name + " ✓"
	case s.done == 0:
		return s.name + " ·"
	}
	return fmt.Sprintf("%s %d/%d", s.name, s.done, s.total)
}

func (p *shutdownPhases) steps(partitions, invokers int) []phaseStep {
	ingress := 0
	if p.ingressStopped {
		ingress = 1
	}
	return []phaseStep{{"ingress", ingress, 1}, {"step-down", len(p.steppedDown), partitions},
		{"cancel", len(p.cancelled), invokers}, {"arm", len(p.armTaken), invokers},
		{"joined", len(p.joined), invokers}, {"spill-rm", len(p.spillGone), invokers}}
}

// current names the furthest phase reached.
func (p *shutdownPhases) current(partitions, invokers int) string {
	cur := "started"
	for _, s := range p.steps(partitions, invokers) {
		if s.done > 0 {
			cur = s.name
			if s.done < s.total {
				cur = fmt.Sprintf("%s %d/%d", s.name, s.done, s.total)
			}
		}
	}
	return cur
}
