package invoker

import (
	"fmt"
	"time"
)

// MsgKind is the kind of a message crossing a channel between the node's
// components. Every message leaves the model as an Envelope and comes back
// through Node.Deliver, so the caller decides when, whether and how often it
// arrives. The names double as fault-plan selectors.
type MsgKind uint8

const (
	MsgNone MsgKind = iota
	// Partition processor -> invoker input channel (unbounded).
	MsgRegister
	MsgInvoke
	MsgAbort
	MsgAbortAll
	MsgAck
	MsgCompletion
	MsgRetryNow
	MsgPause
	// Invocation task -> invoker (unbounded).
	MsgTaskOutput
	// Invoker -> partition processor (bounded by Config.EffectCapacity).
	MsgEffect
	// The invoker's retry timer wheel -> invoker: a timer that is due.
	MsgTimer
	// Invoker -> partition processor's watch on the invoker: it died.
	MsgInvokerExit
	// Lifecycle: from the cluster controller, the ingress and the node's
	// shutdown sequence. They are messages too, so faults can delay, drop,
	// reorder or duplicate them like any other.
	MsgBecomeLeader
	MsgStepDown
	MsgSubmit
	MsgKill
	MsgStopIngress
	MsgCancel
	MsgJoin
	MsgCleanup
	// The user pauses an invocation, or resumes a paused one, at its
	// partition processor (Restate's PauseInvocation and ResumeInvocation).
	MsgUserPause
	MsgResume
	// The user asks the partition processor to retry a waiting invocation
	// now (Restate's RetryNow), which it forwards to the invoker.
	MsgUserRetryNow
	// A segment's background read -> invoker: the read finished (Index
	// names the segment), as its JoinHandle becoming ready.
	MsgSegmentLoaded
	// The invoker's throttled queue -> invoker: its sleep for the next
	// token ended (Config.Throttle), as ThrottledStream's delay firing.
	MsgThrottleWake
	// The vqueue scheduler's timer -> partition processor: the backoff of
	// an invocation that yielded to retry via the scheduler is over
	// (Config.YieldThreshold), and it may wait for a permit again.
	MsgVQWake
	numMsgKinds
)

var msgNames = Names[MsgKind]{
	MsgNone: "none", MsgRegister: "register", MsgInvoke: "invoke", MsgAbort: "abort",
	MsgAbortAll: "abort-all", MsgAck: "ack", MsgCompletion: "completion",
	MsgRetryNow: "retry-now", MsgPause: "pause", MsgTaskOutput: "task-output",
	MsgEffect: "effect", MsgTimer: "timer", MsgInvokerExit: "invoker-exit",
	MsgBecomeLeader: "become-leader", MsgStepDown: "step-down", MsgSubmit: "submit",
	MsgKill: "kill", MsgStopIngress: "stop-ingress", MsgCancel: "cancel-invoker",
	MsgJoin: "join", MsgCleanup: "spill-cleanup", MsgUserPause: "user-pause", MsgResume: "resume",
	MsgUserRetryNow: "user-retry-now", MsgSegmentLoaded: "segment-loaded", MsgThrottleWake: "throttle-wake",
	MsgVQWake: "vqueue-wake",
}

// ParseMsgKind reads a message kind by its name.
func ParseMsgKind(s string) (MsgKind, bool) { return msgNames.Parse(s, MsgRegister) }

func (k MsgKind) String() string { return msgNames.Name(k) }

// IsInput reports whether the message travels on the invoker's input channel.
func (k MsgKind) IsInput() bool { return k >= MsgRegister && k <= MsgPause }

// MsgKinds lists every message kind, for plan validation and help texts.
func MsgKinds() []MsgKind { return msgNames.List(MsgRegister) }

// OutputKind is what an invocation task reports to the invoker. A task
// that fails reports an error, and in January 2025 every error is transient
// (InvocationTaskError::is_transient returns true,
// crates/invoker-impl/src/invocation_task/mod.rs:207): a terminal failure
// is the SDK's output entry followed by Closed, like any other end.
type OutputKind uint8

const (
	OutNone OutputKind = iota
	OutEntry
	OutClosed
	OutSuspended
	OutFailedTransient
	// OutPanicked is no output: the task panics instead of reporting
	// anything, and its invoker's join arm re-raises the panic.
	OutPanicked
	// OutOutOfMemory: the attempt could not grow its budget past its
	// initial lease, the node's memory pool being exhausted (ShouldYield,
	// PoolExhausted). The model sends it itself, at the attempt's start;
	// no task plays it.
	OutOutOfMemory
)

var outputNames = Names[OutputKind]{
	OutNone: "none", OutEntry: "entry", OutClosed: "closed", OutSuspended: "suspended",
	OutFailedTransient: "failed-transient", OutPanicked: "panicked", OutOutOfMemory: "out-of-memory",
}

func (k OutputKind) String() string { return outputNames.Name(k) }

// ParseOutputKind reads an output kind's name.
func ParseOutputKind(s string) (OutputKind, bool) { return outputNames.Parse(s, OutNone) }

// Final reports whether the task ends after producing this output.
func (k OutputKind) Final() bool { return k != OutEntry && k != OutNone }

// EffectKind is what the invoker proposes to the partition processor.
type EffectKind uint8

const (
	EffNone EffectKind = iota
	EffJournalEntry
	EffEnd
	EffSuspended
	EffFailed
	EffPaused
	// EffYield: the attempt ran out of the node's memory pool and gave up
	// its state machine (Config.Yield on); the leader invokes it again.
	EffYield
)

var effectNames = Names[EffectKind]{
	EffNone: "none", EffJournalEntry: "journal-entry", EffEnd: "end",
	EffSuspended: "suspended", EffFailed: "failed", EffPaused: "paused", EffYield: "yield",
}

func (k EffectKind) String() string { return effectNames.Name(k) }

// Envelope is one message in flight. It is a flat value: fields that do not
// apply to its kind are zero.
type Envelope struct {
	ID   uint64
	Kind MsgKind
	// Output, Effect, Journal, Hungry and Permit sit next to Kind, so the
	// six share one word. Journal: an Invoke that carries its invocation's
	// journal (CachedJournal), as a new invocation's does. Hungry: a
	// submitted invocation whose attempts need more memory than their
	// initial lease (Config.MemoryLimit). Permit: the Invoke is a VQInvoke,
	// holding the permit its vqueue scheduler granted (Config.VQueues).
	Output      OutputKind
	Effect      EffectKind
	Journal     bool
	Hungry      bool
	Permit      bool
	Incarnation int
	// Invoker is the invoker end of the channel (sender or receiver).
	Invoker int
	PLE     PLE
	Inv     InvocationID
	Task    TaskID
	Attempt int
	// Index is a journal entry index (entries, acks, completions), the
	// segment of a MsgSegmentLoaded, or, on the Yield of an attempt that
	// retries via the scheduler, the token of its invoke (Config.VQueues);
	// Attempt, on that Yield and on the VQInvoke that runs it again, its
	// failures so far.
	Index int
	// Due is when a timer fires; Key fences it to one WaitingRetry. A
	// per-term invoker's task outputs and effects carry their invoke's
	// fencing token in Key (Node.fence).
	Due time.Duration
	Key uint64
}

// String describes the message the same way in logs, tests and the UI.
func (e Envelope) String() string {
	switch e.Kind {
	case MsgRegister, MsgAbortAll:
		return fmt.Sprintf("%s %s", e.Kind, e.PLE)
	case MsgInvoke, MsgAbort, MsgRetryNow, MsgPause:
		return fmt.Sprintf("%s %s %s", e.Kind, e.PLE, e.Inv)
	case MsgAck, MsgCompletion:
		return fmt.Sprintf("%s %s %s #%d", e.Kind, e.PLE, e.Inv, e.Index)
	case MsgTaskOutput:
		if e.Output == OutEntry {
			return fmt.Sprintf("%s %s attempt %d entry #%d", e.Kind, e.Inv, e.Attempt, e.Index)
		}
		return fmt.Sprintf("%s %s attempt %d %s", e.Kind, e.Inv, e.Attempt, e.Output)
	case MsgEffect:
		if e.Effect == EffJournalEntry {
			return fmt.Sprintf("%s %s %s journal-entry #%d", e.Kind, e.PLE, e.Inv, e.Index)
		}
		if e.Due > 0 {
			return fmt.Sprintf("%s %s %s %s due %v", e.Kind, e.PLE, e.Inv, e.Effect, e.Due)
		}
		return fmt.Sprintf("%s %s %s %s", e.Kind, e.PLE, e.Inv, e.Effect)
	case MsgTimer:
		return fmt.Sprintf("%s %s %s due %v", e.Kind, e.PLE, e.Inv, e.Due)
	case MsgInvokerExit:
		return e.Kind.String()
	case MsgCancel, MsgJoin, MsgCleanup:
		return fmt.Sprintf("%s invoker%d", e.Kind, e.Invoker)
	case MsgSegmentLoaded:
		return fmt.Sprintf("%s invoker%d segment %d", e.Kind, e.Invoker, e.Index)
	case MsgVQWake:
		return fmt.Sprintf("%s %s %s due %v", e.Kind, e.PLE, e.Inv, e.Due)
	case MsgThrottleWake:
		return fmt.Sprintf("%s invoker%d due %v", e.Kind, e.Invoker, e.Due)
	case MsgBecomeLeader:
		return fmt.Sprintf("%s %s", e.Kind, e.PLE)
	case MsgStepDown:
		return fmt.Sprintf("%s p%d", e.Kind, e.PLE.Partition)
	case MsgSubmit, MsgKill, MsgUserPause, MsgResume, MsgUserRetryNow:
		if e.Hungry {
			return fmt.Sprintf("%s p%d %s (hungry)", e.Kind, e.PLE.Partition, e.Inv)
		}
		return fmt.Sprintf("%s p%d %s", e.Kind, e.PLE.Partition, e.Inv)
	}
	return e.Kind.String()
}
