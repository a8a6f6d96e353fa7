package invoker

// ism is one invocation's state machine on one invoker. It holds a
// concurrency slot from its first start until it is removed.
type ism struct {
	ple      PLE
	inv      InvocationID
	state    ISMState
	attempt  int
	task     TaskID
	failures int
	// The journal tracker: the highest entry index sent to the partition
	// processor and the highest it acknowledged. A retry waits until every
	// entry sent by the previous attempt is stored (can_retry).
	sent, acked int
	// timerFired and timerKey belong to WaitingRetry. The key fences the
	// timer, as Restate's DelayQueue key does since f681676dc.
	timerFired     bool
	timerKey       uint64
	pauseRequested bool
	// notInvoked: the current attempt found the invocation no longer
	// invoked (its failure is NotInvoked).
	notInvoked bool
	// journal: its Invoke carried the journal (CachedJournal), which
	// its first attempt uses instead of reading the status.
	journal bool
	// permit: a VQInvoke made it, and it holds its scheduler's permit in
	// place of a slot of the invoker's quota (Config.VQueues).
	permit bool
	// token is the fencing token of the Invoke that made it: that
	// message's id, which the partition processor minted it with (the
	// per-term invoker's fence, 7e2507c34).
	token uint64
}

// canRetry is JournalTracker::can_retry: nothing sent, or everything acked.
func (m *ism) canRetry() bool { return m.sent == 0 || m.acked >= m.sent }

// readyToRetry is is_ready_to_retry.
func (m *ism) readyToRetry() bool {
	return m.state == ISMWaitingRetry && m.timerFired && m.canRetry()
}

// quota is InvokerConcurrencyQuota as it was in January 2025: a counter the
// invoker reserves and releases by hand on every path (the bookkeeping that
// later leaked in #4468 and #4520, and became RAII slots in #4477).
type quota struct{ limit, used int }

func (q *quota) available() bool { return q.used < q.limit }
