package invoker

import "time"

// Kind names what happened. KindInfo(k) says what each kind's fields mean;
// the comments here give its name.
type Kind uint8

const (
	KindNone Kind = iota

	// Node and partition processors.
	KindLeader        // pp.leader: became leader at Epoch, registered, re-invoked N
	KindStepDown      // pp.step-down: left leadership of Epoch, sent AbortAllPartition
	KindAccepted      // pp.accepted: a new invocation is durably invoked
	KindRejected      // pp.rejected: the ingress refused an invocation
	KindStatus        // pp.status: durable status From -> To
	KindJournal       // pp.journal: entry Index stored, ack sent
	KindEffectDropped // pp.effect-dropped: an effect the PP must not apply
	KindExitNoticed   // pp.invoker-exit: the PP saw its invoker die
	KindStopIngress   // node.stop-ingress
	KindRestart       // node.restart: a new incarnation of every invoker
	KindNodeAbort     // node.abort: the process aborted on an invoker's panic
	KindSent          // msg.sent: a message left its sender
	KindUndelivered   // msg.undeliverable: its receiver was gone

	// The invoker's main loop, one event per arm taken (Arm is set).
	KindRegister        // invoker.register
	KindEnqueue         // invoker.enqueue: an Invoke went into the segmented queue
	KindAbort           // invoker.abort
	KindAbortAll        // invoker.abort-all: N state machines aborted
	KindAck             // invoker.ack
	KindCompletion      // invoker.completion
	KindRetryNow        // invoker.retry-now
	KindPause           // invoker.pause
	KindDequeue         // invoker.dequeue
	KindStaleInvoke     // invoker.stale-invoke: dequeued for an unregistered partition, dropped
	KindDuplicateInvoke // invoker.duplicate-invoke: the invocation already runs, dropped
	KindTaskOutput      // task.output: the invoker handled a task's output
	KindTimerFired      // timer.fired
	KindShutdown        // invoker.shutdown: the shutdown arm; N aborted, M queued discarded
	KindPanic           // invoker.panic: an assertion failed; the invoker is dead

	// Invoker side effects within an arm, and the shutdown phases after it.
	KindCancel       // invoker.cancel: cancellation signalled
	KindBlocked      // invoker.blocked: an effect send waits for channel capacity
	KindUnblocked    // invoker.unblocked
	KindJoined       // invoker.joined: N tasks aborted and joined
	KindSpillRemoved // invoker.spill-removed: N segment files removed with the directory
	KindSpill        // queue.spill: a segment of N invokes written to the store
	KindLoad         // queue.load: a segment of N invokes taken off the store by a background read
	KindLoaded       // queue.loaded: the loop heard the read of a segment of N invokes finished
	KindSpillFailed  // queue.spill-failed: kept in memory
	KindLoadFailed   // queue.load-failed: N invokes lost
	KindPurge        // queue.purge: N queued invokes of a partition removed
	KindSlotAcquired // slot.acquire: N of M slots in use
	KindSlotReleased // slot.release: N of M slots in use
	KindISM          // ism.state: an invocation state machine went From -> To
	KindTaskStart    // task.start
	KindTaskEnd      // task.end: finished or aborted (Outcome)
	KindTaskJoined   // task.joined: the join arm took an ended task
	KindRetry        // retry.scheduled: attempt Attempt failed, retry at Due

	// The simulator's own decisions, on the same stream.
	KindFaultDelay     // fault.delay
	KindFaultDrop      // fault.drop
	KindFaultDuplicate // fault.duplicate
	KindFaultReorder   // fault.reorder
	KindViolation      // violation: Reason names the invariant
	KindPhase          // sim.phase: Reason names the phase
	KindRun            // sim.run: Reason names the run (seed, variant, plan, workload)
	KindControl        // sim.control: Reason says what was asked from outside the run

	// The per-term invoker (Variant Term), added after the rest.
	KindTermEnd   // invoker.term-end: the term's invoker cancelled and awaited; N aborted, M queued dropped
	KindTermBegin // invoker.term-begin: a new invoker for the term; N segment files of a shared tmp-dir deleted

	// Invocation throttling (Config.Throttle), added after the rest.
	KindThrottled // invoker.throttled: a dequeue left the bucket in debt; the queue sleeps until Due
	KindTokenDue  // invoker.token-due: the queue's sleep ended; the dequeue arm may go on

	// The memory pool (Config.MemoryLimit), added after the rest.
	KindMemoryReserved // invoker.memory-reserved: the queue's next invoke has a lease; N of M in use
	KindMemoryReturned // invoker.memory-returned: the queue emptied, its lease went back; N of M in use

	// Invocations through the vqueue scheduler (Config.VQueues), added after the rest.
	KindVQInvoke // invoker.vqueue-invoke: a VQInvoke, started at once with its scheduler's permit
	KindVQRun    // pp.vqueue-run: the scheduler granted a waiting invocation a permit; N of M in use
	KindVQPermit // pp.vqueue-permit: a permit came back (Outcome: how); N of M in use
	KindVQWait   // pp.vqueue-wait: an invocation began to wait in its partition's vqueue; N waiting
	// NumKinds bounds Kind, for arrays indexed by it.
	NumKinds
)

// NoPartition and NoInvoker mark events that are not about one.
const (
	NoPartition PartitionID = -1
	NoInvoker   int         = -1
)

// Event is one thing that happened, as a flat value: fields that do not apply
// to its Kind are zero (or NoPartition / NoInvoker). Events are the only way
// telemetry, the UI and the invariant checker see the model. KindInfo(Kind)
// says what N, M, Index, From and To mean for the event's kind, and which
// enum From and To hold.
type Event struct {
	Seq uint64
	At  time.Duration
	// The one-byte fields come together, so that they share one word:
	// events are copied many times, and this keeps them 32 bytes smaller.
	Kind     Kind
	Arm      Arm
	Msg      MsgKind
	Output   OutputKind
	Effect   EffectKind
	From, To State
	// Outcome is what became of the thing the event is about, when it did
	// not simply happen (ignored, dropped, ...), or why it ended.
	Outcome     Outcome
	Incarnation int
	Invoker     int
	Partition   PartitionID
	Epoch       Epoch
	Inv         InvocationID
	Task        TaskID
	Attempt     int
	MsgID       uint64
	Index       int
	N, M        int
	Due         time.Duration
	// Cause is the id of the message whose handling produced the event: the
	// envelope an arm took (input, task output, timer; the Invoke a dequeue
	// took from the queue; the cancellation the shutdown arm acts on) or
	// that Node.Deliver handed over. It is 0 for what the caller did
	// directly (Send, TaskOutput, Restart) and for the simulator's events.
	Cause uint64
	// Reason is free text for a human: a panic message, an I/O error, a
	// fault's verdict, a simulator phase.
	Reason string
}

// PLE is the partition leader epoch the event is about.
func (e Event) PLE() PLE { return PLE{e.Partition, e.Epoch} }

// MsgEvent is an event about envelope m: its fields are copied over.
func MsgEvent(kind Kind, m Envelope) Event {
	return Event{
		Kind: kind, Incarnation: m.Incarnation, Invoker: m.Invoker,
		Partition: m.PLE.Partition, Epoch: m.PLE.Epoch, Inv: m.Inv, Task: m.Task,
		Attempt: m.Attempt, Msg: m.Kind, MsgID: m.ID, Output: m.Output, Effect: m.Effect,
		Index: m.Index, Due: m.Due,
	}
}

// Envelope rebuilds the message a message event is about.
func (e Event) Envelope() Envelope {
	return Envelope{
		ID: e.MsgID, Kind: e.Msg, Incarnation: e.Incarnation, Invoker: e.Invoker,
		PLE: e.PLE(), Inv: e.Inv, Task: e.Task, Attempt: e.Attempt, Output: e.Output,
		Effect: e.Effect, Index: e.Index, Due: e.Due,
	}
}
