package invoker

import (
	"cmp"
	"slices"
	"time"
)

// Snapshot is a copy of everything a viewer may show: it shares nothing with
// the node, so it can cross to another goroutine.
type Snapshot struct {
	At          time.Duration
	Incarnation int
	Variant     Variant
	IngressOpen bool
	// MemoryInUse of MemoryLimit leases of the invokers' memory pool are
	// held (Config.MemoryLimit; 0 of 0 without one).
	MemoryInUse, MemoryLimit int
	// PermitsInUse of PermitLimit permits of the vqueue scheduler are
	// granted (Config.VQueues; 0 of 0 without vqueues).
	PermitsInUse, PermitLimit int
	Partitions                []PartitionSnapshot
	Invokers                  []InvokerSnapshot
	// Invocations are sorted by partition, then id: with a shared invoker
	// one id can exist on several partitions.
	Invocations []InvocationSnapshot
}

// PartitionSnapshot is one partition processor.
type PartitionSnapshot struct {
	ID      PartitionID
	Leader  bool
	Epoch   Epoch
	Invoker int
	// Registered: the invoker holds the current leader epoch.
	Registered bool
	// ByStatus counts invocations by durable status, indexed by Status.
	ByStatus [numStatuses]int
	// Waiting counts the invocations waiting in its vqueue for a permit
	// (Config.VQueues).
	Waiting int
	Stats   PartitionStats
}

// InvokerSnapshot is one invoker of the current incarnation.
type InvokerSnapshot struct {
	ID         int
	State      InvokerState
	Cancelled  bool
	Panic      string
	Serves     []PartitionID
	Registered []PLE
	// The segmented queue: every queued invoke, how many are in memory and
	// on disk, and in how many segment files.
	QueueLen, QueueInMemory, QueueOnDisk, SegmentsOnDisk int
	// QueueReading counts the invokes of segments read back whose end the
	// loop has not heard yet (in QueueInMemory too); HeadReading says the
	// dequeue arm waits for one of them.
	QueueReading int
	HeadReading  bool
	// Throttled: the queue sleeps for a token of the node's bucket
	// (Config.Throttle); the dequeue arm waits for its wake.
	Throttled bool
	// Leased: the queue's next invoke has its memory from the node's pool;
	// WaitsForMemory: it has none, and the pool none to give
	// (Config.MemoryLimit), so the dequeue arm waits for the memory branch.
	Leased, WaitsForMemory bool
	// Memory is the leases of the pool it holds: one per state machine,
	// one for its queue's next invoke (Leased) and one more per running
	// attempt of a hungry invocation that got its second.
	Memory                 int
	SpillDir               string
	SlotsUsed, SlotLimit   int
	InFlight, WaitingRetry int
	// Permits counts the state machines (in flight or waiting to retry)
	// a VQInvoke made: they hold a vqueue permit, not a slot.
	Permits int
	// Channel backlogs.
	Input, TaskOutputs, Timers int
	Blocked                    bool
	LiveTasks                  int
	Ready                      ArmSet
	Stats                      InvokerStats
}

// InvocationSnapshot is one invocation, as the partition processor and (if
// it has a state machine) the invoker see it.
type InvocationSnapshot struct {
	ID        InvocationID
	Partition PartitionID
	Status    Status
	Journal   int
	// State is the invoker state machine's state, ISMNone when it has none.
	State   ISMState
	PLE     PLE
	Attempt int
}

// Snapshot copies the node's state, every invocation included.
func (n *Node) Snapshot() Snapshot { return n.snapshot(true) }

// Summary copies the node's state but lists no invocations, only their
// counts by status: cheap enough to take many times a second during a run
// of a hundred thousand invocations.
func (n *Node) Summary() Snapshot { return n.snapshot(false) }

func (n *Node) snapshot(invocations bool) Snapshot {
	s := Snapshot{At: n.now, Incarnation: n.incarnation, Variant: n.cfg.Variant, IngressOpen: n.ingressOpen,
		MemoryInUse: n.MemoryInUse(), MemoryLimit: n.cfg.MemoryLimit,
		Partitions: make([]PartitionSnapshot, 0, len(n.pps)), Invokers: make([]InvokerSnapshot, 0, len(n.invokers))}
	s.PermitsInUse, s.PermitLimit = n.Permits()
	records := 0
	for _, pp := range n.pps {
		records += len(pp.records)
	}
	if invocations {
		s.Invocations = make([]InvocationSnapshot, 0, records)
	}
	for _, iv := range n.invokers {
		is := InvokerSnapshot{
			ID: iv.id, State: iv.state, Cancelled: iv.cancelled, Panic: iv.panicMsg,
			Serves: append([]PartitionID(nil), iv.serves...), Registered: iv.sortedPLEs(),
			QueueLen: iv.queue.len, QueueOnDisk: iv.queue.diskLen, SegmentsOnDisk: iv.queue.diskSegs,
			QueueReading: iv.queue.readingLen(), HeadReading: iv.queue.headReading(), Throttled: iv.throttled,
			Leased: iv.lease, WaitsForMemory: iv.waitsForMemory(), Memory: iv.memoryHeld(),
			SpillDir:  iv.queue.store.String(),
			SlotsUsed: iv.quota.used, SlotLimit: iv.quota.limit, Permits: iv.nPermits,
			Input: iv.input.len(), TaskOutputs: iv.taskOut.len(), Timers: iv.timers.len(),
			Blocked: len(iv.pending) > 0, LiveTasks: len(iv.liveTasks), Ready: iv.Ready(), Stats: iv.stats,
		}
		is.QueueInMemory = is.QueueLen - is.QueueOnDisk
		for _, c := range iv.parts {
			for _, m := range c.ms {
				switch m.state {
				case ISMInFlight:
					is.InFlight++
				case ISMWaitingRetry:
					is.WaitingRetry++
				}
			}
		}
		s.Invokers = append(s.Invokers, is)
	}
	for _, pp := range n.pps {
		ps := PartitionSnapshot{ID: pp.id, Leader: pp.leader, Epoch: pp.epoch,
			Invoker: n.invokerFor(pp.id).id, Waiting: pp.vqueue.len(), Stats: pp.stats}
		_, ps.Registered = n.invokerFor(pp.id).parts.get(PLE{pp.id, pp.epoch})
		ps.Registered = ps.Registered && pp.leader
		first := len(s.Invocations)
		for id, r := range pp.records {
			ps.ByStatus[r.status]++
			if !invocations {
				continue
			}
			s.Invocations = append(s.Invocations, n.invocation(pp, id, r))
		}
		// Partitions come in order: sorting each one's invocations by id
		// sorts them all by partition, then id.
		slices.SortFunc(s.Invocations[first:], func(a, b InvocationSnapshot) int { return cmp.Compare(a.ID, b.ID) })
		s.Partitions = append(s.Partitions, ps)
	}
	return s
}

// invocation is id as partition pp and its invoker see it: an
// invocation's state machine is the one in the latest epoch of its
// partition that holds it.
func (n *Node) invocation(pp *partitionProcessor, id InvocationID, r *record) InvocationSnapshot {
	inv := InvocationSnapshot{ID: id, Partition: pp.id, Status: r.status, Journal: r.journal}
	if m := n.invokerFor(pp.id).parts.machine(pp.id, id); m != nil {
		inv.State, inv.PLE, inv.Attempt = m.state, m.ple, m.attempt
	}
	return inv
}

// InvocationAt is invocation id at every partition that knows it (with a
// shared invoker one id can exist on several), as a Snapshot lists it:
// what a report needs of a few invocations, without copying them all.
func (n *Node) InvocationAt(id InvocationID) []InvocationSnapshot {
	var at []InvocationSnapshot
	for _, pp := range n.pps {
		if r := pp.records[id]; r != nil {
			at = append(at, n.invocation(pp, id, r))
		}
	}
	return at
}

// HeadReading reports whether invoker i's dequeue waits for its head
// segment's read to end.
func (n *Node) HeadReading(i int) bool { return n.invokers[i].queue.headReading() }

// Throttled reports whether invoker i's queue sleeps for a token of the
// node's bucket (Config.Throttle).
func (n *Node) Throttled(i int) bool { return n.invokers[i].throttled }

// ThrottledUntil is when invoker i's queue's sleep for a token ends, if
// it sleeps (Throttled).
func (n *Node) ThrottledUntil(i int) time.Duration { return n.invokers[i].throttleDue }

// QuotaView is one invoker's slot bookkeeping, for the quota-conservation
// invariant: slots in use must equal the state machines holding one.
type QuotaView struct {
	Invoker     int
	Used, Limit int
	// ISMs counts the state machines that hold a slot: all but those a
	// VQInvoke made (Config.VQueues).
	ISMs int
}

// AppendQuotas appends the view of every invoker whose loop still owns its
// state (running or exited; a dead invoker has none).
func (n *Node) AppendQuotas(buf []QuotaView) []QuotaView {
	for _, iv := range n.invokers {
		if iv.state == InvokerDead {
			continue
		}
		buf = append(buf, QuotaView{Invoker: iv.id, Used: iv.quota.used, Limit: iv.quota.limit, ISMs: iv.slotHolders()})
	}
	return buf
}

// QuotaOf is invoker i's view as AppendQuotas gives it; false for a dead
// invoker (or no such invoker).
func (n *Node) QuotaOf(i int) (QuotaView, bool) {
	if i < 0 || i >= len(n.invokers) || n.invokers[i].state == InvokerDead {
		return QuotaView{}, false
	}
	iv := n.invokers[i]
	return QuotaView{Invoker: iv.id, Used: iv.quota.used, Limit: iv.quota.limit, ISMs: iv.slotHolders()}, true
}

// Status is the durable status of an invocation, if partition p knows it.
func (n *Node) Status(p PartitionID, inv InvocationID) (Status, bool) {
	if p < 0 || int(p) >= len(n.pps) {
		return StatusNone, false
	}
	r := n.pps[p].records[inv]
	if r == nil {
		return StatusNone, false
	}
	return r.status, true
}

// Partitions is the number of partitions.
func (n *Node) Partitions() int { return len(n.pps) }

// InvokerState is invoker i's life stage: running, exited, joined, closed or dead.
func (n *Node) InvokerState(i int) InvokerState { return n.invokers[i].state }

// StuckRetrying reports whether the running invokers hold state machines and
// every one of them waits to retry an invocation that is no longer invoked:
// each attempt will fail with NotInvoked, forever, holding its slot, until
// its partition steps down (the shape of restatedev/restate#3217); or one
// hungry for memory while the memory pool has no lease to give: each
// attempt will fail for memory, holding its first lease. With no arm ready
// and nothing but their timers in flight, nothing else can happen: invokes
// queued behind the held slots or leases starve.
func (n *Node) StuckRetrying() bool {
	stuck := false
	starved := n.cfg.MemoryOn() && !n.memoryFree()
	for _, iv := range n.invokers {
		if iv.state != InvokerRunning {
			continue
		}
		// An all-check: the order the map is visited in cannot change it.
		for _, coord := range iv.parts {
			for _, m := range coord.ms {
				r := n.pps[m.ple.Partition].records[m.inv]
				invoked := r != nil && r.status == StatusInvoked
				if m.state != ISMWaitingRetry || (invoked && !(starved && r.hungry)) {
					return false
				}
				stuck = true
			}
		}
	}
	return stuck
}

// Cancelled reports whether invoker i's cancellation was signalled.
func (n *Node) Cancelled(i int) bool { return n.invokers[i].cancelled }

// QueueLen is the length of the segmented queue of invoker i.
func (n *Node) QueueLen(i int) int { return n.invokers[i].queue.len }

// Leader reports partition p's leadership and epoch.
func (n *Node) Leader(p PartitionID) (bool, Epoch) { return n.pps[p].leader, n.pps[p].epoch }
