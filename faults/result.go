package faults

import (
	"time"

	"lab/invoker"
)

// Result is what a run found.
type Result struct {
	Seed     uint64
	Variant  invoker.Variant
	Plan     string
	Strategy string
	Workload Workload
	// Violations in the order they were found.
	Violations []Violation
	// Hash is the SHA-256 of the event log's JSON Lines.
	Hash   string
	Events uint64
	// Digest is the events' fingerprint, when Options.Digest asked for
	// it: runs with equal Digest and Events logged the same events.
	Digest string
	// Decisions the scheduler took; of them, invoker Steps and message
	// Deliveries.
	Decisions, Steps, Deliveries int
	// Faults injected, indexed by Action.
	Faults [Duplicate + 1]int
	// Kinds counts the events of each kind.
	Kinds [invoker.NumKinds]int
	// Purged counts queued invokes purged (graceful variant).
	Purged int
	// End is the virtual time the run ended at.
	End time.Duration
	// Final is the node's state at the end, and Stall its longest stall
	// (an invocation left hot, as a lost one is).
	Final invoker.Snapshot
	Stall Stall
	// Replay is the command line that reruns the run from its seed, and
	// ReplaySchedule the one that replays its recorded schedule, if any.
	Replay, ReplaySchedule string
	// TraceID is the run's OpenTelemetry trace, when it was traced, and
	// TraceURL where to see it.
	TraceID, TraceURL string
}

// What followed an invoker's panic in a run, as AfterPanic reports it.
const (
	// PanicAbortedNode: the whole process aborted (invoker.PanicAbortsNode).
	PanicAbortedNode = "node-aborted"
	// PanicInvokerOnly: the invoker died alone (invoker.PanicWatched).
	PanicInvokerOnly = "invoker-only"
)

// AfterPanic says what an invoker's panic took down: PanicAbortedNode,
// PanicInvokerOnly, or "" when no invoker panicked.
func (r *Result) AfterPanic() string {
	switch {
	case r.Kinds[invoker.KindPanic] == 0:
		return ""
	case r.Kinds[invoker.KindNodeAbort] > 0:
		return PanicAbortedNode
	}
	return PanicInvokerOnly
}

// OK reports whether every invariant held.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

// Violated reports whether the invariant was violated.
func (r *Result) Violated(invariant string) bool {
	for _, v := range r.Violations {
		if v.Invariant == invariant {
			return true
		}
	}
	return false
}

// FaultsInjected is the total of injected faults.
func (r *Result) FaultsInjected() int {
	n := 0
	for _, f := range r.Faults {
		n += f
	}
	return n
}

// ViolationCount is how many violations the run has found so far: cheap
// enough to ask after every Step, unlike Result, which copies the node.
func (s *Sim) ViolationCount() int { return len(s.res.Violations) }

// Result is the run so far: at the end of the run, its result.
func (s *Sim) Result() *Result {
	r := s.res
	r.Hash = s.log.sum()
	if s.log.digested {
		r.Digest = s.log.digest.sum()
	}
	r.Events = s.log.seq
	r.End = s.now
	r.Final = s.node.Snapshot()
	r.Stall = s.check.stallIn(r.Final)
	return &r
}
