package invoker

// Outcome says what became of the thing an event is about when it did not
// simply happen: a command ignored, a message dropped or undeliverable, an
// invocation rejected; and why a task ended, a state machine was removed, a
// partition stepped down or a status changed. It is an enum so that checkers
// and telemetry compare values, not text; free text (a panic message, an I/O
// error) stays in Event.Reason.
type Outcome uint8

const (
	OutcomeNone Outcome = iota

	// Ignored: the command found nothing to act on and changed nothing.
	IgnoredNotNewerEpoch
	IgnoredNotLeader
	IgnoredNoStateMachine
	IgnoredNotInFlight
	IgnoredNoPartition
	IgnoredNotWaitingRetry
	IgnoredStaleTimer
	// IgnoredNoRead: the end of a segment's read, but no read of it is
	// awaited (the segment was purged, or the message is a copy).
	IgnoredNoRead
	IgnoredAlreadyCancelled
	// IgnoredInvokerState: the invoker is not in a state that takes the
	// command; the event's From says which state it is in.
	IgnoredInvokerState

	// Dropped: a message was thrown away on purpose and counted.
	DroppedUnregistered
	DroppedDuplicate
	DroppedNoTaskInFlight
	DroppedStaleEpoch
	DroppedUnknownInvocation
	// DroppedNotInvoked: the event's From is the invocation's status.
	DroppedNotInvoked

	// Rejected by the ingress or the partition processor.
	RejectedIngressStopped
	RejectedDuplicateID
	RejectedNotRunning

	// Undeliverable: the receiver does not exist (any more).
	UndeliverableEarlierIncarnation
	// UndeliverableInvokerStopped: the event's From is the invoker's state.
	UndeliverableInvokerStopped
	UndeliverableNoPartition
	UndeliverableReceiverGone
	UndeliverableNodeDown
	IgnoredNoSpillCleanup

	// Happened, with a consequence worth naming.
	RegistrationOverwrote
	PauseDeferred
	ChannelFull

	// Why a task ended or a state machine was removed.
	EndFinished
	EndAborted
	EndJoined
	EndInvokerDied
	EndNodeRestart
	EndClosed
	EndSuspended
	EndPaused
	EndRetriesExhausted
	EndShutdown
	EndPartitionAborted
	EndRegistrationOverwritten
	EndNodeAborted

	// TaskNotInvoked: the attempt read the durable status, found the
	// invocation no longer invoked, and fails (a transient error, retried).
	TaskNotInvoked
	// The graceful variant's answers to spill I/O failures.
	KeptInMemory
	InvokesLost
	// ReadAhead: a segment read back before it is the head, once the head
	// holds fewer than half the limit (should_preload).
	ReadAhead

	// Why a partition stepped down.
	StepDownRequested
	StepDownNewerEpoch
	StepDownInvokerStopped

	// Why a status changed without an effect.
	StatusByKill
	StatusByResume

	// EndNotInvoked: the graceful variant gave up on an attempt that found
	// its invocation no longer invoked (as Restate since #3221).
	EndNotInvoked
	// EndPanicked: the task panicked; the invoker's join arm re-raises it.
	EndPanicked
	// A stale retry timer reached a newer state machine of its invocation
	// (unkeyed timers, restatedev/restate#4064): one waiting for its own
	// timer retries now, before its backoff ends; one in flight trips
	// Restate's debug_assert (ignored by a release build).
	StaleTimerRetried
	IgnoredStaleTimerInFlight
	// A user's pause or retry-now of an invocation not invoked at a
	// leader, or resume of one not paused.
	RejectedNotInvoked
	RejectedNotPaused
	// StatusByUserResume: the user resumed a paused invocation.
	StatusByUserResume

	// The per-term invoker's (Variant Term): a state machine or task ended
	// with its leadership term; a message for an earlier term's invoker;
	// no invoker built for a term on a node that is shutting down.
	EndTermEnded
	UndeliverableEarlierTerm
	IgnoredShuttingDown
	// The fencing tokens of 7e2507c34 (Variant Term): a task output of an
	// earlier invoke, and an effect whose token is not its invocation's
	// current one.
	IgnoredStaleToken
	DroppedStaleToken
	// IgnoredStaleWake: the end of a throttled stream's sleep that is not
	// the one it sleeps (a copy of an earlier wake).
	IgnoredStaleWake
	// TaskOutOfMemory: the attempt needed more memory than the node's
	// pool had (Config.MemoryLimit), and fails.
	TaskOutOfMemory
	// PauseSlotLeaked: a pause removed a state machine waiting to retry
	// and kept its slot in use (Config.PausedSlots leaked, #4468).
	PauseSlotLeaked
	// EndYielded: an attempt out of the node's memory pool gave up its
	// state machine, lease and slot, and yielded (Config.Yield on).
	EndYielded
	// A vqueue permit came back with no state machine to hold it
	// (Config.VQueues): its VQInvoke was lost on the way, left on the
	// input channel of an invoker that ended, or dropped as stale.
	PermitInvokeLost
	PermitInvokeUnread
	PermitInvokeDropped
	// EndRetryViaScheduler: an attempt failed with a backoff of at least
	// Config.YieldThreshold; its state machine gave its permit back and
	// yielded to the scheduler until the backoff is over.
	EndRetryViaScheduler

	numOutcomes
)

type outcomeSpec struct {
	name    string // for JSON and telemetry
	text    string // for the describer
	ignored bool
}

var outcomes = [numOutcomes]outcomeSpec{
	OutcomeNone:                     {"none", "", false},
	IgnoredNotNewerEpoch:            {"ignored-not-newer-epoch", "not newer than the current epoch: ignored", true},
	IgnoredNotLeader:                {"ignored-not-leader", "not leader: ignored", true},
	IgnoredNoStateMachine:           {"ignored-no-state-machine", "no state machine: ignored", true},
	IgnoredNotInFlight:              {"ignored-not-in-flight", "state machine not in flight: ignored", true},
	IgnoredNoPartition:              {"ignored-no-partition", "no matching partition: ignored", true},
	IgnoredNotWaitingRetry:          {"ignored-not-waiting-retry", "not waiting to retry: ignored", true},
	IgnoredStaleTimer:               {"ignored-stale-timer", "stale timer: ignored", true},
	IgnoredNoRead:                   {"ignored-no-read", "no read of it awaited: ignored", true},
	IgnoredAlreadyCancelled:         {"ignored-already-cancelled", "already cancelled", true},
	IgnoredInvokerState:             {"ignored-invoker-state", "invoker is %s: ignored", true},
	DroppedUnregistered:             {"dropped-unregistered", "no registered partition: dropped", true},
	DroppedDuplicate:                {"dropped-duplicate", "already has a state machine: dropped", true},
	DroppedNoTaskInFlight:           {"dropped-no-task-in-flight", "no task in flight: dropped", true},
	DroppedStaleEpoch:               {"dropped-stale-epoch", "stale leader epoch", true},
	DroppedUnknownInvocation:        {"dropped-unknown-invocation", "unknown invocation", true},
	DroppedNotInvoked:               {"dropped-not-invoked", "invocation is %s", true},
	RejectedIngressStopped:          {"rejected-ingress-stopped", "ingress stopped", true},
	RejectedDuplicateID:             {"rejected-duplicate-id", "duplicate invocation id", true},
	RejectedNotRunning:              {"rejected-not-running", "kill: no running invocation", true},
	UndeliverableEarlierIncarnation: {"undeliverable-earlier-incarnation", "earlier incarnation", true},
	UndeliverableInvokerStopped:     {"undeliverable-invoker-stopped", "invoker %s", true},
	UndeliverableNoPartition:        {"undeliverable-no-partition", "no such partition", true},
	UndeliverableReceiverGone:       {"undeliverable-receiver-gone", "effect receiver gone: send failed", true},
	UndeliverableNodeDown:           {"undeliverable-node-down", "the node aborted", true},
	IgnoredNoSpillCleanup:           {"ignored-no-spill-cleanup", "this variant does not remove its spill directory: ignored", true},
	RegistrationOverwrote:           {"overwrote-registration", "overwrote a registration: its state machines are lost", false},
	PauseDeferred:                   {"pause-deferred", "requested: the attempt pauses when it stops", false},
	PauseSlotLeaked:                 {"pause-slot-leaked", "paused at once: its slot is never released (restatedev/restate#4468)", false},
	ChannelFull:                     {"channel-full", "effect channel full", false},
	EndFinished:                     {"finished", "finished", false},
	EndAborted:                      {"aborted", "aborted", false},
	EndJoined:                       {"joined-at-shutdown", "joined at shutdown", false},
	EndInvokerDied:                  {"invoker-died", "invoker died", false},
	EndNodeRestart:                  {"node-restart", "node restart", false},
	EndClosed:                       {"closed", "closed", false},
	EndSuspended:                    {"suspended", "suspended", false},
	EndPaused:                       {"paused", "paused", false},
	EndRetriesExhausted:             {"retries-exhausted", "retries exhausted", false},
	EndShutdown:                     {"shutdown", "shutdown", false},
	EndPartitionAborted:             {"partition-aborted", "partition aborted", false},
	EndRegistrationOverwritten:      {"registration-overwritten", "registration overwritten", false},
	EndNodeAborted:                  {"node-aborted", "node aborted", false},
	TaskNotInvoked:                  {"not-invoked", "not invoked: the attempt fails", false},
	KeptInMemory:                    {"kept-in-memory", "kept in memory", false},
	InvokesLost:                     {"invokes-lost", "invokes lost", false},
	ReadAhead:                       {"read-ahead", "read ahead", false},
	StepDownRequested:               {"step-down", "step-down", false},
	StepDownNewerEpoch:              {"newer-leader-epoch", "a newer leader epoch", false},
	StepDownInvokerStopped:          {"invoker-stopped", "invoker stopped unexpectedly", false},
	StatusByKill:                    {"killed", "killed", false},
	StatusByResume:                  {"resumed", "resumed", false},
	EndNotInvoked:                   {"gave-up-not-invoked", "not invoked: given up", false},
	EndPanicked:                     {"panicked", "panicked", false},
	StaleTimerRetried:               {"stale-timer-retried", "stale timer of an earlier wait: retried before this wait's backoff ended", false},
	IgnoredStaleTimerInFlight:       {"ignored-stale-timer-in-flight", "stale timer reached an attempt in flight: a debug build's assertion fails, a release build ignores it", true},
	RejectedNotInvoked:              {"rejected-not-invoked", "not invoked at a leader", true},
	RejectedNotPaused:               {"rejected-not-paused", "resume: not paused", true},
	StatusByUserResume:              {"resumed-by-user", "resumed by the user", false},
	EndTermEnded:                    {"term-ended", "its leadership term ended", false},
	UndeliverableEarlierTerm:        {"undeliverable-earlier-term", "for an earlier term's invoker", true},
	IgnoredStaleToken:               {"ignored-stale-token", "an earlier invoke's output (stale fencing token): ignored", true},
	DroppedStaleToken:               {"dropped-stale-token", "stale fencing token", true},
	IgnoredShuttingDown:             {"ignored-shutting-down", "no invoker started: the node is shutting down", true},
	IgnoredStaleWake:                {"ignored-stale-wake", "not the sleep it is in: ignored", true},
	TaskOutOfMemory:                 {"out-of-memory", "out of memory: the attempt fails", false},
	PermitInvokeLost:                {"permit-invoke-lost", "its VQInvoke was lost on the way", false},
	PermitInvokeUnread:              {"permit-invoke-unread", "its VQInvoke was left unread on the channel of an invoker that ended", false},
	PermitInvokeDropped:             {"permit-invoke-dropped", "its VQInvoke started no state machine", false},
	EndRetryViaScheduler:            {"retry-via-scheduler", "yielded to the scheduler until its backoff ends", false},
	EndYielded:                      {"yielded", "yielded for memory", false},
}

var outcomeNames = func() Names[Outcome] {
	ns := make(Names[Outcome], numOutcomes)
	for o, s := range outcomes {
		ns[o] = s.name
	}
	return ns
}()

func (o Outcome) String() string { return outcomeNames.Name(o) }

// ParseOutcome reads an outcome by name.
func ParseOutcome(s string) (Outcome, bool) { return outcomeNames.Parse(s, IgnoredNotNewerEpoch) }

// Ignored reports whether the event records something that had no effect:
// a command ignored, a message dropped or undeliverable, a request rejected.
func (o Outcome) Ignored() bool { return int(o) < len(outcomes) && outcomes[o].ignored }

// RefusesRequest reports whether a rejection refused the user's request
// about an invocation (a kill, pause or resume), not an invocation.
func (o Outcome) RefusesRequest() bool {
	return o == RejectedNotRunning || o == RejectedNotInvoked || o == RejectedNotPaused
}

// text is the describer's words for the outcome; %s, where the text has
// one, is the event's From (a state or status).
func (o Outcome) text() string {
	if int(o) < len(outcomes) {
		return outcomes[o].text
	}
	return o.String()
}
