package invoker

// ismState is the invocation state machine's AttemptState
// (crates/invoker-impl/src/invocation_state_machine.rs). New is never seen
// outside handle_invoke: the first attempt starts at once.
type ismState uint8

const (
	ismNew ismState = iota
	ismInFlight
	ismWaitingRetry
)

var ismNames = [...]string{ismNew: "new", ismInFlight: "in-flight", ismWaitingRetry: "waiting-retry"}

func (s ismState) String() string { return enumName(ismNames[:], int(s)) }

// Pseudo-states for ism.state events: before creation and after removal.
const (
	ismAbsent = "none"
	ismGone   = "gone"
)

// ism is one invocation's state machine on one invoker. It holds a
// concurrency slot from its first start until it is removed.
type ism struct {
	ple      PLE
	inv      InvocationID
	state    ismState
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
}

// canRetry is JournalTracker::can_retry: nothing sent, or everything acked.
func (m *ism) canRetry() bool { return m.sent == 0 || m.acked >= m.sent }

// readyToRetry is is_ready_to_retry.
func (m *ism) readyToRetry() bool {
	return m.state == ismWaitingRetry && m.timerFired && m.canRetry()
}

// quota is InvokerConcurrencyQuota as it was in January 2025: a counter the
// invoker reserves and releases by hand on every path (the bookkeeping that
// later leaked in #4468 and #4520, and became RAII slots in #4477).
type quota struct{ limit, used int }

func (q *quota) available() bool { return q.used < q.limit }
