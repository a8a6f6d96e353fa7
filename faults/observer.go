package faults

import (
	"fmt"

	"lab/invoker"
)

// An Observer watches a run. It implements one or more of StartObserver,
// EventObserver, StepObserver, PickObserver and EndObserver, and the simulator calls
// only the hooks it has, so a hook nobody uses costs nothing. Observers run
// on the goroutine that steps the simulator and must not keep pointers into
// what they are handed beyond the call, except for the Result.
type Observer any

// StartObserver learns what the run is before its first event.
type StartObserver interface{ OnStart(RunInfo) }

// EventObserver sees every event of the log, numbered, in order.
type EventObserver interface{ OnEvent(invoker.Event) }

// StepObserver sees every step the simulator takes.
type StepObserver interface{ OnStep(StepInfo) }

// PickObserver sees every pick as it is taken: what was ready, which of
// them was taken, and describe (Sim.Describe), which says what each would
// do. ready is the simulator's, and describe holds only during the call.
type PickObserver interface {
	OnPick(ready []Choice, taken int, describe func(Choice) string)
}

// EndObserver sees the run's result once it is over.
type EndObserver interface{ OnEnd(*Result) }

// EventFunc makes a function an EventObserver.
type EventFunc func(invoker.Event)

func (f EventFunc) OnEvent(e invoker.Event) { f(e) }

// StepFunc makes a function a StepObserver.
type StepFunc func(StepInfo)

func (f StepFunc) OnStep(d StepInfo) { f(d) }

// PickFunc makes a function a PickObserver.
type PickFunc func(ready []Choice, taken int, describe func(Choice) string)

func (f PickFunc) OnPick(ready []Choice, taken int, describe func(Choice) string) {
	f(ready, taken, describe)
}

// RunInfo is everything that determines a run, as typed fields.
type RunInfo struct {
	Seed    uint64
	Variant invoker.Variant
	Plan    string
	// Rules are the plan's: what faults the run can inject.
	Rules    []Rule
	Strategy string
	Node     invoker.Config
	// Workload is what the run sends: a replay's, what its schedule's
	// sends add up to (Schedule.Sent).
	Workload Workload
}

// hooks holds the observers by the hooks they implement.
type hooks struct {
	start []StartObserver
	event []EventObserver
	step  []StepObserver
	pick  []PickObserver
	end   []EndObserver
}

func newHooks(observers []Observer) (hooks, error) {
	var h hooks
	for i, o := range observers {
		found := false
		if x, ok := o.(StartObserver); ok {
			h.start, found = append(h.start, x), true
		}
		if x, ok := o.(EventObserver); ok {
			h.event, found = append(h.event, x), true
		}
		if x, ok := o.(StepObserver); ok {
			h.step, found = append(h.step, x), true
		}
		if x, ok := o.(PickObserver); ok {
			h.pick, found = append(h.pick, x), true
		}
		if x, ok := o.(EndObserver); ok {
			h.end, found = append(h.end, x), true
		}
		if !found {
			return h, fmt.Errorf("observer %d (%T) implements none of the observer hooks", i, o)
		}
	}
	return h, nil
}
