package faults

import (
	"slices"
	"time"

	"lab/invoker"
)

// Snapshot is the state of a run at one step: the node's snapshot and
// the simulator's own state. It shares nothing with the simulator, so it
// can be handed to another goroutine.
type Snapshot struct {
	Info  RunInfo
	Node  invoker.Snapshot
	Phase Phase
	Stage Stage
	At    time.Duration
	// Steps taken so far, and of them the scheduler's picks.
	Steps, Picks int
	Events       uint64
	// InFlight messages are on the network; Held were set aside by a
	// reorder fault; Timeline are due from the outside world (arrivals,
	// task outputs, shutdown phases).
	InFlight, Held, Timeline int
	// NextDue is the virtual time of the next scheduled message, if HasNext.
	NextDue    time.Duration
	HasNext    bool
	Violations []Violation
	// Faults injected so far, indexed by Action.
	Faults [Duplicate + 1]int
	// Kinds counts the events of each kind so far.
	Kinds [invoker.NumKinds]int
	// Stall is the invocation longest without a step forward, by the
	// progress monitor.
	Stall Stall
	Done  bool
}

// Snapshot copies the run's state now, every invocation included.
func (s *Sim) Snapshot() Snapshot { return s.snapshot(s.node.Snapshot()) }

// Summary is a Snapshot that lists no invocations, only their counts: cheap
// enough to take 30 times a second during a run of 100,000 invocations.
func (s *Sim) Summary() Snapshot { return s.snapshot(s.node.Summary()) }

func (s *Sim) snapshot(node invoker.Snapshot) Snapshot {
	next, ok := s.nextTime()
	snap := Snapshot{
		Info: s.info, Node: node, Phase: s.stage.phase(), Stage: s.stage, At: s.now,
		Steps: s.steps, Picks: s.res.Decisions.Picks, Events: s.log.seq,
		InFlight: s.net.len(), Held: len(s.net.held), Timeline: s.timeline.len(),
		NextDue: next, HasNext: ok, Violations: slices.Clone(s.res.Violations),
		Faults: s.res.Faults, Kinds: s.res.Kinds, Stall: s.check.oldestStall(s.node), Done: s.done,
	}
	return snap
}
