package invoker

// Actor is who an event is about, the first word of its description.
type Actor uint8

const (
	ActorNone Actor = iota
	// ActorPartition: a partition processor (p3).
	ActorPartition
	// ActorNode: the node as a whole.
	ActorNode
	// ActorMessage: a message on a channel.
	ActorMessage
	// ActorInvoker: an invoker, its queue, slots, state machines and tasks.
	ActorInvoker
	// ActorFault, ActorChecker, ActorSim: the simulator's own events.
	ActorFault
	ActorChecker
	ActorSim
)

var actorNames = Names[Actor]{ActorNone: "none", ActorPartition: "partition", ActorNode: "node",
	ActorMessage: "message", ActorInvoker: "invoker", ActorFault: "fault", ActorChecker: "checker", ActorSim: "sim"}

func (a Actor) String() string { return actorNames.Name(a) }

// KindSpec says what an event of one kind means: its name, who it is about,
// and what its N, M, Index, From and To fields hold ("" when unused). It is
// the one place telemetry, the UI and the describer learn it from.
type KindSpec struct {
	// Name is low-cardinality and dotted by component; the JSON log and
	// telemetry use it as the event's name.
	Name  string
	Actor Actor
	// Doc says what happened, in a few words.
	Doc         string
	N, M, Index string
	// States is the enum From and To hold; From and To say what they are.
	States   StateEnum
	From, To string
}

var kindSpecs = [NumKinds]KindSpec{
	KindNone: {Name: "none"},

	KindLeader: {Name: "pp.leader", Actor: ActorPartition, Doc: "became leader at Epoch, registered with its invoker",
		N: "invocations re-invoked"},
	KindStepDown: {Name: "pp.step-down", Actor: ActorPartition, Doc: "left leadership of Epoch, sent AbortAllPartition"},
	KindAccepted: {Name: "pp.accepted", Actor: ActorPartition, Doc: "a new invocation is durably invoked"},
	KindRejected: {Name: "pp.rejected", Actor: ActorPartition, Doc: "the ingress or the partition refused an invocation, a kill, a pause, a resume or a retry-now"},
	KindStatus: {Name: "pp.status", Actor: ActorPartition, Doc: "durable status changed, by an effect (Effect, MsgID) or the Outcome",
		States: StatusState, From: "status before", To: "status after"},
	KindJournal: {Name: "pp.journal", Actor: ActorPartition, Doc: "journal entry stored, ack sent",
		Index: "journal entry stored"},
	KindEffectDropped: {Name: "pp.effect-dropped", Actor: ActorPartition, Doc: "an effect the partition must not apply",
		Index: "journal entry of the effect", States: StatusState, From: "the invocation's status (dropped-not-invoked)"},
	KindExitNoticed: {Name: "pp.invoker-exit", Actor: ActorPartition, Doc: "the partition saw its invoker die"},
	KindStopIngress: {Name: "node.stop-ingress", Actor: ActorNode, Doc: "the ingress stopped accepting invocations"},
	KindRestart:     {Name: "node.restart", Actor: ActorNode, Doc: "a new incarnation of every invoker (N: the files a shared tmp-dir held, deleted)"},
	KindNodeAbort: {Name: "node.abort", Actor: ActorNode,
		Doc: "the process aborted on the panic of invoker Invoker: every invoker, task and partition processor stopped",
		N:   "other invokers stopped with it"},
	KindSent: {Name: "msg.sent", Actor: ActorMessage, Doc: "a message left its sender",
		Index: "journal entry of the message"},
	KindUndelivered: {Name: "msg.undeliverable", Actor: ActorMessage, Doc: "the message's receiver was gone",
		Index: "journal entry of the message", States: InvokerStateEnum, From: "the receiving invoker's state (undeliverable-invoker-stopped)"},

	KindRegister: {Name: "invoker.register", Actor: ActorInvoker, Doc: "RegisterPartition: a coordinator for the partition leader epoch",
		N: "state machines lost to an overwritten registration"},
	KindEnqueue: {Name: "invoker.enqueue", Actor: ActorInvoker, Doc: "an Invoke went into the segmented queue",
		N: "queue length after"},
	KindAbort:    {Name: "invoker.abort", Actor: ActorInvoker, Doc: "Abort of one invocation"},
	KindAbortAll: {Name: "invoker.abort-all", Actor: ActorInvoker, Doc: "AbortAllPartition", N: "state machines aborted"},
	KindAck:      {Name: "invoker.ack", Actor: ActorInvoker, Doc: "a stored entry acknowledged", Index: "journal entry acknowledged"},
	KindCompletion: {Name: "invoker.completion", Actor: ActorInvoker, Doc: "a completion for a running attempt",
		Index: "journal entry completed"},
	KindRetryNow: {Name: "invoker.retry-now", Actor: ActorInvoker, Doc: "retry now, as if the timer fired"},
	KindPause:    {Name: "invoker.pause", Actor: ActorInvoker, Doc: "pause requested"},
	KindDequeue: {Name: "invoker.dequeue", Actor: ActorInvoker, Doc: "the dequeue arm took the queue's head",
		N: "queue length after"},
	KindStaleInvoke:     {Name: "invoker.stale-invoke", Actor: ActorInvoker, Doc: "dequeued for an unregistered partition leader epoch, dropped"},
	KindDuplicateInvoke: {Name: "invoker.duplicate-invoke", Actor: ActorInvoker, Doc: "the invocation already has a state machine, dropped"},
	KindTaskOutput: {Name: "task.output", Actor: ActorInvoker, Doc: "the invoker handled a task's output",
		Index: "journal entry (entry outputs)"},
	KindTimerFired: {Name: "timer.fired", Actor: ActorInvoker, Doc: "a retry timer fired"},
	KindShutdown: {Name: "invoker.shutdown", Actor: ActorInvoker, Doc: "the shutdown arm: the loop exited",
		N: "state machines aborted", M: "queued invokes discarded",
		States: InvokerStateEnum, From: "invoker state before", To: "invoker state after"},
	KindPanic: {Name: "invoker.panic", Actor: ActorInvoker, Doc: "the invoker panicked (Reason) and is dead",
		N: "state machines lost", M: "queued invokes discarded",
		States: InvokerStateEnum, From: "invoker state before", To: "invoker state after"},

	KindCancel: {Name: "invoker.cancel", Actor: ActorInvoker, Doc: "cancellation signalled",
		States: InvokerStateEnum, From: "invoker state"},
	KindBlocked: {Name: "invoker.blocked", Actor: ActorInvoker, Doc: "an effect send waits for channel capacity",
		N: "effects outstanding on the channel"},
	KindUnblocked: {Name: "invoker.unblocked", Actor: ActorInvoker, Doc: "parked effects were sent"},
	KindJoined: {Name: "invoker.joined", Actor: ActorInvoker, Doc: "tasks aborted and joined",
		N: "tasks aborted", States: InvokerStateEnum, From: "invoker state before", To: "invoker state after"},
	KindSpillRemoved: {Name: "invoker.spill-removed", Actor: ActorInvoker, Doc: "the spill directory was removed",
		N: "segment files removed", States: InvokerStateEnum, From: "invoker state before", To: "invoker state after"},
	KindSpill: {Name: "queue.spill", Actor: ActorInvoker, Doc: "a segment written to the store",
		N: "invokes", Index: "segment"},
	KindLoad: {Name: "queue.load", Actor: ActorInvoker, Doc: "a background read took a segment off the store",
		N: "invokes", Index: "segment"},
	KindLoaded: {Name: "queue.loaded", Actor: ActorInvoker, Doc: "the loop heard a segment's read finished (failed: Reason); the dequeue arm can take it",
		N: "invokes", Index: "segment"},
	KindSpillFailed: {Name: "queue.spill-failed", Actor: ActorInvoker, Doc: "writing a segment failed (Reason)",
		N: "invokes", Index: "segment"},
	KindLoadFailed: {Name: "queue.load-failed", Actor: ActorInvoker, Doc: "reading a segment failed (Reason)",
		N: "invokes", Index: "segment"},
	KindPurge: {Name: "queue.purge", Actor: ActorInvoker, Doc: "queued invokes of a partition leader epoch removed",
		N: "queued invokes removed"},
	KindSlotAcquired: {Name: "slot.acquire", Actor: ActorInvoker, Doc: "a concurrency slot reserved",
		N: "slots in use", M: "slot limit"},
	KindSlotReleased: {Name: "slot.release", Actor: ActorInvoker, Doc: "a concurrency slot released",
		N: "slots in use", M: "slot limit"},
	KindISM: {Name: "ism.state", Actor: ActorInvoker, Doc: "an invocation state machine changed state",
		States: ISMStateEnum, From: "state before", To: "state after"},
	KindTaskStart: {Name: "task.start", Actor: ActorInvoker, Doc: "an attempt's task started",
		Index: "journal length the attempt read"},
	KindTaskEnd: {Name: "task.end", Actor: ActorInvoker, Doc: "a task finished or was aborted (Outcome)"},
	KindTaskJoined: {Name: "task.joined", Actor: ActorInvoker,
		Doc: "the join arm took a task that returned or was cancelled (join_next, a no-op)"},
	KindRetry: {Name: "retry.scheduled", Actor: ActorInvoker, Doc: "attempt Attempt failed, retry at Due"},

	KindFaultDelay:     {Name: "fault.delay", Actor: ActorFault, Doc: "a message held back", Index: "journal entry of the message"},
	KindFaultDrop:      {Name: "fault.drop", Actor: ActorFault, Doc: "a message lost", Index: "journal entry of the message"},
	KindFaultDuplicate: {Name: "fault.duplicate", Actor: ActorFault, Doc: "a message sent twice", Index: "journal entry of the message"},
	KindFaultReorder:   {Name: "fault.reorder", Actor: ActorFault, Doc: "a message held aside", Index: "journal entry of the message"},
	KindViolation: {Name: "violation", Actor: ActorChecker, Doc: "an invariant broke (Reason)",
		N: "sequence number of the breaking event", Index: "the breaking event's journal entry, if it has one"},
	KindPhase:   {Name: "sim.phase", Actor: ActorSim, Doc: "a phase of the run began (Reason)"},
	KindRun:     {Name: "sim.run", Actor: ActorSim, Doc: "the run and what determines it (Reason)"},
	KindControl: {Name: "sim.control", Actor: ActorSim, Doc: "a control applied from outside the run (Reason)"},
	KindTermEnd: {Name: "invoker.term-end", Actor: ActorInvoker,
		Doc: "the partition left its leadership term: the term's invoker was cancelled and awaited (variant term)",
		N:   "state machines aborted", M: "queued invokes dropped", Index: "commands left on its input channel, lost",
		States: InvokerStateEnum, From: "invoker state before", To: "invoker state after"},
	KindTermBegin: {Name: "invoker.term-begin", Actor: ActorInvoker,
		Doc:    "the partition began a leadership term: a new invoker for it, with its own queue, quota and spill directory (variant term)",
		N:      "segment files of the shared tmp-dir its queue deleted as it started",
		States: InvokerStateEnum, From: "the slot's invoker state, when the node's shutdown refused the term (ignored-shutting-down)"},
	KindThrottled: {Name: "invoker.throttled", Actor: ActorInvoker,
		Doc: "a dequeue took a token the node's bucket did not have: the queue sleeps until Due before its next invoke (--throttle)"},
	KindTokenDue: {Name: "invoker.token-due", Actor: ActorInvoker,
		Doc: "the queue's sleep for a token ended: the dequeue arm may take the next invoke"},
	KindMemoryReserved: {Name: "invoker.memory-reserved", Actor: ActorInvoker,
		Doc: "the queue's next invoke has its initial memory, a lease of the node's pool, taken at the loop's top or by its memory branch (--memory-limit)",
		N:   "leases of the pool in use", M: "leases the pool holds"},
	KindMemoryReturned: {Name: "invoker.memory-returned", Actor: ActorInvoker,
		Doc: "the queue emptied (or graceful's shutdown stopped it) with a lease for its next invoke: the lease went back to the pool",
		N:   "leases of the pool in use", M: "leases the pool holds"},
	KindVQInvoke: {Name: "invoker.vqueue-invoke", Actor: ActorInvoker,
		Doc: "a VQInvoke: the invocation bypasses the queue and the quota and starts at once, holding the permit its vqueue scheduler granted (--vqueues)"},
	KindVQRun: {Name: "pp.vqueue-run", Actor: ActorPartition,
		Doc: "the vqueue scheduler granted an invocation waiting in its partition's vqueue a permit of the node's limit, and the leader sent its VQInvoke (--vqueues)",
		N:   "permits in use", M: "the node's permit limit"},
	KindVQWait: {Name: "pp.vqueue-wait", Actor: ActorPartition,
		Doc: "an invocation the partition invoked began to wait in its vqueue for a permit of the node's limit (--vqueues)",
		N:   "invocations waiting in the partition's vqueue"},
	KindVQPermit: {Name: "pp.vqueue-permit", Actor: ActorPartition,
		Doc: "an invocation's vqueue permit came back to the scheduler: its state machine ended, or its VQInvoke started none (Outcome says how) (--vqueues)",
		N:   "permits in use", M: "the node's permit limit"},
}

// KindInfo is what events of kind k mean.
func KindInfo(k Kind) KindSpec {
	if k < NumKinds {
		return kindSpecs[k]
	}
	return KindSpec{Name: Names[Kind]{}.Name(k)}
}

// Kinds lists every kind but KindNone, in order.
func Kinds() []Kind {
	ks := make([]Kind, 0, NumKinds-1)
	for k := KindNone + 1; k < NumKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

var kindNames = func() Names[Kind] {
	ns := make(Names[Kind], NumKinds)
	for k, s := range kindSpecs {
		ns[k] = s.Name
	}
	return ns
}()

func (k Kind) String() string { return kindNames.Name(k) }

// ParseKind reads a kind by name.
func ParseKind(s string) (Kind, bool) { return kindNames.Parse(s, KindNone+1) }
