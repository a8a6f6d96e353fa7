package faults

import (
	"fmt"
	"time"

	"lab/invoker"
)

// Limits of what the lab simulates. Past them a run would take minutes or
// gigabytes, or virtual time would overflow; the lab refuses up front and
// says which limit was hit (exit code 2).
const (
	// MaxPartitions bounds --partitions and `config partitions=`: each
	// invoker makes its spill directory at every start of the node (as
	// Restate does), which is most of a wide run's time (16,384
	// partitions take 3 s, 1,024 a fifth of one).
	MaxPartitions = 1024
	// MaxInvocations bounds the safety phase's invocations.
	MaxInvocations = 1_000_000
	// MaxStepDowns bounds the safety phase's step-downs.
	MaxStepDowns = 100_000
	// MaxDelay bounds one fault delay, so that virtual time cannot wrap.
	MaxDelay = 24 * time.Hour
	// MaxVirtualTime is the horizon no run or script goes past.
	MaxVirtualTime = 1000 * 24 * time.Hour
	// MaxPlannedOutputs bounds the task outputs a script plans (`task
	// entries=`), all scripts' tasks together.
	MaxPlannedOutputs = 100_000
	// MaxScheduleBytes bounds a schedule file: a run of 100,000
	// invocations records about 55 MB, and replaying one takes 25 to 35
	// times its size in memory (an 11 MB schedule, 270 MB; one of picks
	// alone, the most), so a larger file could take gigabytes.
	MaxScheduleBytes = 64 << 20
	// MaxProgressBound bounds Bounds.Progress: a retry loop runs on until
	// the bound, one attempt every 10 s, about 80,000 events a day.
	MaxProgressBound = 24 * time.Hour
)

// LimitError is a setting past one of the lab's limits (exit code 2).
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

func limitError(format string, args ...any) error {
	return &LimitError{Msg: fmt.Sprintf(format, args...)}
}

// ErrHorizon is returned when a run would go past MaxVirtualTime.
var ErrHorizon = fmt.Errorf("virtual time would pass %v: the run did not settle", MaxVirtualTime)

// CheckLimits refuses options the simulator cannot run in reasonable time
// and memory.
func CheckLimits(o Options) error {
	switch {
	case o.Node.Partitions > MaxPartitions:
		return limitError("partitions %d: the lab simulates at most %d", o.Node.Partitions, MaxPartitions)
	case o.Workload.Invocations > MaxInvocations:
		return limitError("invocations %d: the lab simulates at most %d", o.Workload.Invocations, MaxInvocations)
	case o.Workload.StepDowns > MaxStepDowns:
		return limitError("step-downs %d: the lab simulates at most %d", o.Workload.StepDowns, MaxStepDowns)
	}
	return o.Bounds.Validate()
}

// CheckHungry refuses invocations hungry for memory on a node without a
// memory pool, whose memory is unlimited: they would change nothing.
func CheckHungry(n invoker.Config, w Workload) error {
	if w.Hungry > 0 && !n.MemoryOn() {
		return fmt.Errorf("memory-hungry needs a memory pool (memory-limit): without one, memory is unlimited")
	}
	return nil
}

// CheckYield refuses the yield on a node without a memory pool
// (memoryLimit 0): nothing runs out of memory there.
func CheckYield(memoryLimit int, y invoker.Yield) error {
	if y == invoker.YieldOn && memoryLimit == 0 {
		return fmt.Errorf("yield on needs a memory pool (memory-limit): without one, nothing runs out of memory")
	}
	return nil
}

// Validate refuses a progress bound below 0 or past MaxProgressBound.
func (b Bounds) Validate() error {
	if b.Progress < 0 || b.Progress > MaxProgressBound {
		return limitError("progress bound %v: want 0 (off) to %v", b.Progress, MaxProgressBound)
	}
	if b.ProgressConfirmed != 0 && (b.Progress == 0 || b.ProgressConfirmed <= b.Progress || b.ProgressConfirmed > MaxProgressBound) {
		return limitError("confirmed progress bound %v: want one longer than the progress bound %v, up to %v", b.ProgressConfirmed, b.Progress, MaxProgressBound)
	}
	return nil
}

// pickBudget is how many scheduler picks a run may take before it is
// declared stuck: DefaultMaxPicks, plus room for the workload. A run
// takes about 20 picks per invocation and a few per partition and
// leadership change; the budget allows five times that.
func pickBudget(o Options) int {
	w := o.Workload
	perStepDown := w.Invocations/max(o.Node.Partitions, 1) + 1
	return DefaultMaxPicks + 100*w.Invocations + 100*w.StepDowns*perStepDown + 1000*o.Node.Partitions + yieldPicks(o)
}

// yieldPicks is room for the invocations hungry for memory to yield for
// the whole progress bound, each time round (about seven picks) a log's
// round trip apart, before the monitor names the loop; at most
// maxYieldPicks, hours of CPU, past which the budget is what stops a run.
func yieldPicks(o Options) int {
	if o.Node.Yield != invoker.YieldOn || o.Bounds.Progress <= 0 {
		return 0
	}
	rounds := int(o.Bounds.Progress / invoker.LogRoundTrip)
	return min(o.Workload.Hungry*rounds, maxYieldPicks/10) * 10
}

// maxYieldPicks bounds yieldPicks.
const maxYieldPicks = 1 << 31

// checkHorizon stops a run whose next event lies past MaxVirtualTime.
func checkHorizon(next time.Duration) error {
	if next > MaxVirtualTime || next < 0 {
		return ErrHorizon
	}
	return nil
}

// laterBy is t+d, or an error when that is past MaxVirtualTime.
func laterBy(t, d time.Duration) (time.Duration, error) {
	if d < 0 || d > MaxVirtualTime-t {
		return t, limitError("virtual time %v + %v would pass the horizon of %v", t, d, MaxVirtualTime)
	}
	return t + d, nil
}
