package invoker

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"time"
)

// ErrNotReady is returned when a caller asks for an arm that is not ready.
var ErrNotReady = errors.New("arm not ready")

// Invoker is one invoker service: its channels, segmented queue, quota and
// the state machines of every partition leader epoch registered with it.
type Invoker struct {
	n           *Node
	id          int
	incarnation int
	serves      []PartitionID
	// term is the leader epoch of the one term a per-term invoker serves
	// (Variant Term), 0 before its partition's leader registers it.
	term      Epoch
	state     InvokerState
	cancelled bool
	// cancelCause is the id of the cancellation message, the shutdown arm's cause.
	cancelCause uint64
	// arm is the arm being taken, stamped on every event of the step.
	arm Arm
	// took is the arm the last step took in the end (see Node.Took).
	took Arm

	input   fifo[Envelope]
	taskOut fifo[Envelope]
	timers  fifo[Envelope]
	// joinable are the tasks that ended and are not joined yet, in the
	// order they ended: the join arm takes them (JoinSet::join_next).
	joinable fifo[joinable]
	// ending are the tasks whose last output is still on its way: they
	// become joinable when it arrives, as a task returns right after its
	// last send.
	ending []task
	queue  segQueue
	quota  quota
	// parts is the InvocationStateMachineManager: one coordinator per
	// registered partition leader epoch.
	parts coordinators
	// spareCoords are emptied maps of unregistered coordinators, for the
	// next registration.
	spareCoords []map[InvocationID]*ism

	// pending holds effects waiting for room in their channel; while it is
	// non-empty the loop is parked inside an arm body.
	pending     []Envelope
	outstanding map[PLE]int
	// unapplied maps each effect in flight to its channel, so a duplicate
	// delivery does not free a second place.
	unapplied map[uint64]PLE
	// liveTasks are the running tasks, in id order.
	liveTasks []task
	nextKey   uint64
	// throttled: the queue sleeps for a token of the node's bucket
	// (Config.Throttle) until the wake keyed throttleKey arrives.
	throttled   bool
	throttleKey uint64
	throttleDue time.Duration
	// lease: the queue's next invoke has its memory from the node's pool
	// (Config.MemoryLimit), pending_memory_lease.
	lease bool
	// hungryStarts are the attempts of hungry invocations this step
	// started, which ask for their second lease at the loop's top.
	hungryStarts []hungryStart
	// nISM counts state machines; each holds one slot from creation to
	// removal, but those of nPermits, which hold a vqueue permit instead.
	nISM, nPermits int
	panicMsg       string
	stats          InvokerStats
}

// InvokerStats counts what the real invoker only traces.
type InvokerStats struct {
	Enqueued, Started, StaleInvokes, DuplicateInvokes, Purged int
	Spilled, Loaded, SpillFailures, LoadFailures              int
}

// init makes iv a running invoker of an incarnation, as the node starts it.
// An invoker Node.Reset reuses keeps only the memory of its buffers and
// maps, emptied; everything else starts from zero.
func (iv *Invoker) init(n *Node, id, incarnation int, serves []PartitionID, store SegmentStore) {
	iv.dropParts()
	old := *iv
	*iv = Invoker{
		n: n, id: id, incarnation: incarnation, serves: serves, state: InvokerRunning,
		quota: quota{limit: n.cfg.Quota},
		// Room for every partition served, and one more epoch.
		parts:       slices.Grow(old.parts, len(serves)+1),
		spareCoords: old.spareCoords,
		// About one task runs per slot (more only while the tasks of state
		// machines a re-registration forgot still run): room for them at once.
		liveTasks:   slices.Grow(emptied(old.liveTasks), min(n.cfg.Quota, 16)),
		pending:     emptied(old.pending),
		outstanding: emptiedMap(old.outstanding),
		unapplied:   emptiedMap(old.unapplied),
		ending:      emptied(old.ending),
		input:       old.input, taskOut: old.taskOut, timers: old.timers, joinable: old.joinable,
	}
	iv.input.clear()
	iv.joinable.clear()
	iv.taskOut.clear()
	iv.timers.clear()
	report, readStarted := old.queue.report, old.queue.readStarted
	if report == nil {
		// Method values allocate: made once per invoker.
		report, readStarted = iv.reportQueue, iv.readStarted
	}
	iv.queue = segQueue{limit: n.cfg.QueueLimit, store: store, report: report, readStarted: readStarted,
		segs: old.queue.segs, written: emptied(old.queue.written), spare: old.queue.spare}
	iv.queue.segs.clear()
	iv.queue.spare.clear()
}

// emptied is s with no elements, its memory kept and zeroed.
func emptied[T any](s []T) []T {
	clear(s)
	return s[:0]
}

// emptiedMap is m with no entries, or a new map if m is nil.
func emptiedMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	clear(m)
	return m
}

// Ready computes the arms the select loop could take now, guarded exactly as
// the real select! guards them.
func (iv *Invoker) Ready() ArmSet {
	var s ArmSet
	if iv.state != InvokerRunning {
		return s
	}
	if iv.cancelled && iv.n.cfg.Variant.PerTerm() {
		// Every step runs under run_until_cancelled, biased to the
		// cancellation: a cancelled loop takes no other branch.
		return s.With(ArmShutdown)
	}
	if len(iv.pending) > 0 {
		// Parked on a full effect channel. Only the graceful variant
		// observes cancellation here, as run_until_cancelled later did.
		if iv.n.cfg.Variant == Graceful && iv.cancelled {
			s = s.With(ArmShutdown)
		}
		return s
	}
	if iv.input.len() > 0 {
		s = s.With(ArmInput)
	}
	if iv.queue.len > 0 && iv.quota.available() && !iv.stopsDequeuing() && !iv.queue.headReading() && !iv.throttled && iv.dequeueHasMemory() {
		// Pending while the head segment is read back; a head still on the
		// store is ready: polling the arm starts the read.
		s = s.With(ArmDequeue)
	}
	if iv.leaseReady() {
		s = s.With(ArmMemory)
	}
	if iv.taskOut.len() > 0 {
		s = s.With(ArmTask)
	}
	if iv.timers.len() > 0 {
		s = s.With(ArmTimer)
	}
	if iv.joinable.len() > 0 {
		s = s.With(ArmJoin)
	}
	if iv.cancelled {
		s = s.With(ArmShutdown)
	}
	return s
}

// stopsDequeuing is the graceful variant's first shutdown rule.
func (iv *Invoker) stopsDequeuing() bool {
	return iv.n.cfg.Variant == Graceful && iv.cancelled
}

func (iv *Invoker) step(arm Arm) {
	// Each arm handles one message: its id is the cause of every event
	// the step emits.
	switch arm {
	case ArmInput:
		c := iv.input.pop()
		iv.n.cause = c.ID
		iv.handleInput(c)
	case ArmDequeue:
		c, res := iv.queue.dequeue()
		switch res {
		case dequeueTook:
			iv.n.cause = c.Msg
			iv.lease = false // the invocation's budget from now on
			iv.handleInvoke(c)
			iv.throttleAfterDequeue()
		case dequeuePending:
			// select! goes on polling the branches after this one.
			iv.arm = iv.readyAfter(ArmDequeue)
			if iv.arm != ArmNone {
				iv.step(iv.arm)
			}
		}
	case ArmTask:
		o := iv.taskOut.pop()
		iv.n.cause = o.ID
		iv.handleTaskOutput(o)
	case ArmTimer:
		t := iv.timers.pop()
		iv.n.cause = t.ID
		iv.handleTimer(t)
	case ArmMemory:
		iv.n.cause = 0
		iv.takeLease()
	case ArmShutdown:
		iv.n.cause = iv.cancelCause
		iv.handleShutdown()
	case ArmJoin:
		j := iv.joinable.pop()
		iv.n.cause = 0
		assert(!j.panicked, TaskPanicMessage, j.t.ple, j.t.inv)
		e := iv.event(KindTaskJoined, j.t.ple, j.t.inv)
		e.Task, e.Attempt = j.t.id, j.t.attempt
		iv.emit(e)
	}
}

// readyAfter is the arm select! takes when the branch before it was
// pending: the first ready one after it in declaration order, wrapping
// around, or ArmNone.
func (iv *Invoker) readyAfter(pending Arm) Arm {
	ready := iv.Ready()
	order := iv.n.SelectOrder()
	at := 0
	for i, a := range order {
		if a == pending {
			at = i
		}
	}
	for i := 1; i < len(order); i++ {
		if a := order[(at+i)%len(order)]; a != pending && ready.Has(a) {
			return a
		}
	}
	return ArmNone
}

// TaskPanicMessage is what an invoker re-raising a task's panic panics
// with. (Restate re-raises the task's own payload, whatever its code
// panicked with; the lab's tasks have none.)
const TaskPanicMessage = "an invocation task panicked (re-raised by join_next)"

// assertionError is a failed assertion in the modelled Rust code, with what
// the loop was handling when it failed.
type assertionError struct {
	msg string
	ple PLE
	inv InvocationID
}

func assert(cond bool, msg string, ple PLE, inv InvocationID) {
	if !cond {
		panic(assertionError{msg, ple, inv})
	}
}

// event starts an event about this invoker, stamped with the current arm.
func (iv *Invoker) event(k Kind, ple PLE, inv InvocationID) Event {
	return Event{Kind: k, Incarnation: iv.incarnation, Invoker: iv.id, Arm: iv.arm,
		Partition: ple.Partition, Epoch: ple.Epoch, Inv: inv}
}

func (iv *Invoker) plainEvent(k Kind) Event {
	return Event{Kind: k, Incarnation: iv.incarnation, Invoker: iv.id, Arm: iv.arm,
		Partition: NoPartition}
}

func (iv *Invoker) emit(e Event) { iv.n.emit(e) }

func (iv *Invoker) reportQueue(kind Kind, segment uint64, n int, err error) {
	var host *HostError
	if errors.As(err, &host) {
		iv.n.hostFailed(host) // the run ends: nothing of it is the model's
		return
	}
	e := iv.plainEvent(kind)
	e.Index, e.N = int(segment), n
	switch kind {
	case KindSpill:
		iv.stats.Spilled++
	case KindLoad:
		iv.stats.Loaded++
	case KindSpillFailed:
		iv.stats.SpillFailures++
	case KindLoadFailed:
		iv.stats.LoadFailures++
	}
	if err != nil {
		e.Reason = err.Error()
	}
	if kind == KindLoad && iv.n.cause == 0 {
		// A read starts before the loop knows which Invoke it will take:
		// the segment's first one, whose id is the cause.
		iv.n.cause = iv.queue.firstMsg(segment)
	}
	strict := !iv.n.cfg.Variant.SurvivesSpillFailures()
	switch {
	case kind == KindSpillFailed && !strict:
		e.Outcome = KeptInMemory
	case kind == KindLoadFailed && !strict:
		e.Outcome = InvokesLost
	case kind == KindLoad && iv.queue.readingAhead(segment):
		e.Outcome = ReadAhead
	}
	iv.emit(e)
	if strict && kind == KindSpillFailed {
		panic(assertionError{msg: SpillWritePanic, ple: PLE{Partition: NoPartition}})
	}
	if strict && kind == KindLoadFailed {
		panic(assertionError{msg: SpillReadPanic, ple: PLE{Partition: NoPartition}})
	}
}

// readStarted sends the message that tells the loop a background read of
// a segment finished: the read's JoinHandle becoming ready.
func (iv *Invoker) readStarted(segment uint64) {
	iv.n.send(Envelope{Kind: MsgSegmentLoaded, Invoker: iv.id, PLE: PLE{Partition: NoPartition, Epoch: iv.term}, Index: int(segment)})
}

// segmentLoaded is a background read's end reaching the loop: the
// segment is in memory, and the dequeue arm is ready again if it is the
// head.
func (iv *Invoker) segmentLoaded(m Envelope) {
	n, err, ok := iv.queue.readFinished(uint64(m.Index))
	e := iv.plainEvent(KindLoaded)
	e.Index, e.N = m.Index, n
	if !ok { // purged meanwhile, or a copy of the message
		e.Outcome = IgnoredNoRead
		iv.emit(e)
		return
	}
	if err != nil {
		e.Reason = err.Error()
	}
	iv.emit(e)
}

// The panics of a failed spill write and read: the segment store runs in a
// task the invoker awaits with `expect` (crates/queue/src/segmented_queue.rs:263
// and :290 at 0945fd155^), and the task's own file operations `expect` too
// (crates/queue/src/io.rs).
const (
	SpillWritePanic = "Unable to store a segment."
	SpillReadPanic  = "Unable to load a segment"
)

// lookup resolves an invocation under a partition leader epoch.
func (iv *Invoker) lookup(ple PLE, inv InvocationID) *ism {
	coord, _ := iv.parts.get(ple)
	return coord[inv]
}

// transition moves an ISM and reports it.
func (iv *Invoker) transition(m *ism, from, to ISMState) {
	m.state = to
	e := iv.event(KindISM, m.ple, m.inv)
	e.From, e.To, e.Attempt = State(from), State(to), m.attempt
	iv.emit(e)
}

// remove takes an ISM out of its coordinator and reports it gone.
func (iv *Invoker) remove(m *ism, why Outcome) {
	coord, _ := iv.parts.get(m.ple)
	delete(coord, m.inv)
	iv.nISM--
	e := iv.event(KindISM, m.ple, m.inv)
	e.From, e.To, e.Attempt, e.Outcome = State(m.state), State(ISMGone), m.attempt, why
	iv.emit(e)
	if m.permit {
		iv.nPermits--
		iv.n.permitBack(m.token, permitHeld, m.ple, m.inv, OutcomeNone)
	}
}

func (iv *Invoker) reserveSlot(m *ism) {
	assert(iv.quota.available(), "assertion failed: self.is_slot_available()", m.ple, m.inv)
	iv.quota.used++
	iv.slotEvent(KindSlotAcquired, m)
}

// releaseSlot is the unreserve_slot of a path that ends a state machine:
// suspended, aborted, paused or given up. Before #4522 those paths called
// it unconditionally, so a VQInvoke's state machine, which never reserved
// a slot, freed one (Config.VQueues unguarded, #4520).
func (iv *Invoker) releaseSlot(m *ism) {
	if m.permit && iv.n.cfg.VQueues != VQueuesUnguarded {
		return
	}
	iv.quota.used--
	iv.slotEvent(KindSlotReleased, m)
}

// releaseCheckedSlot is the unreserve_slot of the paths that checked the
// state machine's permit all along (closed, yield): only a slot it
// reserved goes back.
func (iv *Invoker) releaseCheckedSlot(m *ism) {
	if !m.permit {
		iv.releaseSlot(m)
	}
}

// slotHolders counts the state machines that reserved a slot.
func (iv *Invoker) slotHolders() int { return iv.nISM - iv.nPermits }

func (iv *Invoker) slotEvent(k Kind, m *ism) {
	e := iv.event(k, m.ple, m.inv)
	e.N, e.M = iv.quota.used, iv.quota.limit
	iv.emit(e)
}

// Map iteration order is random: everything the model does for each of a
// set of things, it does in a sorted order, so every run is the same.

// sortedPLEs lists the registered partition leader epochs in order.
func (iv *Invoker) sortedPLEs() []PLE { return iv.parts.ples() }

func sortedISMs(coord map[InvocationID]*ism) []*ism {
	if len(coord) == 0 {
		return nil
	}
	ms := make([]*ism, 0, len(coord))
	ms = slices.AppendSeq(ms, maps.Values(coord))
	slices.SortFunc(ms, func(a, b *ism) int { return cmp.Compare(a.inv, b.inv) })
	return ms
}

// findTask is the index of running task id in liveTasks: a binary search
// by hand, as slices.BinarySearchFunc would copy each task it compares.
func (iv *Invoker) findTask(id TaskID) (int, bool) {
	lo, hi := 0, len(iv.liveTasks)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if iv.liveTasks[mid].id < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(iv.liveTasks) && iv.liveTasks[lo].id == id
}
