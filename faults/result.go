package faults

import (
	"fmt"
	"time"

	"lab/invoker"
)

// Result is what a run found.
type Result struct {
	Seed    uint64
	Variant invoker.Variant
	OnPanic invoker.OnPanic
	// RetryTimers is how the run's retry timers were found.
	RetryTimers invoker.RetryTimers
	// PausedSlots is what became of the slot of a state machine paused
	// while it waited to retry.
	PausedSlots invoker.PausedSlots
	// Yield is what an attempt out of the memory pool did.
	Yield invoker.Yield
	// VQueues is how invocations reached the invoker: through its queue,
	// or with a vqueue scheduler's permit.
	VQueues invoker.VQueues
	// YieldThreshold is the backoff from which an attempt through
	// vqueues yields to the scheduler (0: never).
	YieldThreshold time.Duration
	// SpillDirs is what became of an invoker's spill directory as it ended.
	SpillDirs invoker.SpillDirs
	// SharedTmpDir: the node gave its invokers one tmp-dir, and InTmpDir
	// is where they spilled in it (invoker.Config.TmpDirUse).
	SharedTmpDir bool
	InTmpDir     invoker.InTmpDir
	// Throttle is the node's invocation throttling.
	Throttle invoker.Throttle
	// MemoryLimit is the node's invoker memory pool in leases (0: none).
	MemoryLimit int
	Plan        string
	Strategy    string
	// Workload is what the run's workload was drawn from (a replay's
	// header's, which reruns its seed); Sent, what its sends add up to:
	// the same, but in a shrunk schedule's replay (Schedule.Sent).
	Workload Workload
	Sent     Workload
	// Violations in the order they were found.
	Violations []Violation
	// Hash is the SHA-256 of the event log's JSON Lines.
	Hash   string
	Events uint64
	// Digest is the events' fingerprint, when Options.Digest asked for
	// it: runs with equal Digest and Events logged the same events.
	Digest string
	// Decisions the run took, as its schedule records them; of its
	// picks, Steps were invoker loop steps and Deliveries messages
	// delivered.
	Decisions         DecisionCount
	Steps, Deliveries int
	// Choices are the picks that had more than one thing ready, the only
	// ones a strategy decides; at the others it was forced. A schedule
	// does not say which is which: a replay counts them again.
	Choices int
	// Faults injected, indexed by Action.
	Faults [Duplicate + 1]int
	// Kinds counts the events of each kind.
	Kinds [invoker.NumKinds]int
	// Purged counts queued invokes purged (graceful variant).
	Purged int
	// Yields counts the attempts that yielded for memory the pool did
	// not have (invoker.Config.Yield on).
	Yields int
	// Refused counts the user's requests (kill, pause, resume) a partition
	// refused, as the invocation was not in a state to take them; the
	// other rejections refused an invocation.
	Refused int
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

// DecisionCount counts a run's decisions: what its schedule records, and
// what a replay of it, or shrinking, takes again. (A step of the
// simulator, which the terminal UI counts, also moves time on or enters a
// stage; those follow from the decisions.)
type DecisionCount struct {
	// Picks are what the scheduler took next, one at a time: an invoker
	// loop step or a message delivered.
	Picks int `json:"picks"`
	// Sends are what the outside world sent (arrivals, step-downs, kills,
	// shutdown phases), Faults the fault verdicts that hit a message, Tasks
	// the outcomes drawn for task attempts, Controls the controls applied.
	Sends    int `json:"sends"`
	Faults   int `json:"faults"`
	Tasks    int `json:"tasks"`
	Controls int `json:"controls"`
}

// Total is the number of decisions.
func (c DecisionCount) Total() int { return c.Picks + c.Sends + c.Faults + c.Tasks + c.Controls }

// String gives the count as every report does.
func (c DecisionCount) String() string { return c.describe(Plural(c.Picks, "pick")) }

// WithChoices gives the count as String does, saying how many of the
// picks had a choice (Result.Choices).
func (c DecisionCount) WithChoices(choices int) string {
	return c.describe(fmt.Sprintf("%s (%d with a choice)", Plural(c.Picks, "pick"), choices))
}

func (c DecisionCount) describe(picks string) string {
	return fmt.Sprintf("%s: %s, %s, %s, %s, %s", Plural(c.Total(), "decision"), picks,
		Plural(c.Sends, "send"), Plural(c.Faults, "fault"), Plural(c.Tasks, "task"), Plural(c.Controls, "control"))
}

// What followed an invoker's panic in a run, as AfterPanic reports it.
const (
	// PanicAbortedNode: the whole process aborted (invoker.PanicAbortsNode).
	PanicAbortedNode = "node-aborted"
	// PanicInvokerOnly: the invoker died alone, and the partition
	// processors it served were told (invoker.PanicWatched).
	PanicInvokerOnly = "invoker-only"
	// PanicUnnoticed: the invoker died alone, and no one was told
	// (invoker.PanicUnwinds).
	PanicUnnoticed = "invoker-unnoticed"
)

// AfterPanic says what an invoker's panic took down: PanicAbortedNode,
// PanicInvokerOnly, PanicUnnoticed, or "" when no invoker panicked.
func (r *Result) AfterPanic() string {
	switch {
	case r.Kinds[invoker.KindPanic] == 0:
		return ""
	case r.Kinds[invoker.KindNodeAbort] > 0:
		return PanicAbortedNode
	case r.OnPanic == invoker.PanicUnwinds:
		return PanicUnnoticed
	}
	return PanicInvokerOnly
}

// FirstViolationOf is the first violation of one of invariants (nil:
// of any), if the run found one.
func (r *Result) FirstViolationOf(invariants []string) (Violation, bool) {
	for _, v := range r.Violations {
		if Watched(invariants, v.Invariant) {
			return v, true
		}
	}
	return Violation{}, false
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

// Settings is the run's node as far as r names it: its variant and what
// an invoker's panic takes down, how retry timers are found and where
// spill goes, not the node's size or store (what explore.FixFor reads).
func (r *Result) Settings() invoker.Config {
	return invoker.Config{Variant: r.Variant, OnPanic: r.OnPanic, RetryTimers: r.RetryTimers, PausedSlots: r.PausedSlots, Yield: r.Yield, SpillDirs: r.SpillDirs,
		SharedTmpDir: r.SharedTmpDir, InTmpDir: r.InTmpDir, Throttle: r.Throttle, MemoryLimit: r.MemoryLimit, VQueues: r.VQueues, YieldThreshold: r.YieldThreshold}
}
