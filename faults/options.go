package faults

import (
	"fmt"
	"io"

	"lab/invoker"
)

// Options describe one run. The same options give the same event log, byte
// for byte.
type Options struct {
	Seed     uint64
	Node     invoker.Config
	Plan     *Plan
	Workload Workload
	// Strategy picks among the ready choices; nil is the seeded random
	// strategy (see NewStrategy). A strict Replay does not consult it; a
	// Lenient one does where the schedule's picks run out or do not fit.
	Strategy Strategy
	Bounds   Bounds
	// Events receives the run's log as JSON Lines, one event per line.
	Events io.Writer
	// Observers watch the run (see Observer).
	Observers []Observer
	// MaxPicks bounds a run's scheduler picks (0: a budget that grows
	// with the workload, see pickBudget).
	MaxPicks int
	// Record receives the run's schedule: every decision, in the format
	// ReadSchedule reads.
	Record io.Writer
	// Replay, when set, makes every decision of the run as the schedule
	// recorded it, with no random draw at all. Seed, Strategy and the
	// plan's rules are then not consulted.
	Replay *Schedule
	// Lenient makes a Replay best-effort, for shrinking: an entry that no
	// longer fits is skipped or replaced by a default (see Lenient replay
	// in replay_lenient.go) instead of stopping the run, and the end hash
	// is not checked.
	Lenient bool
	// DrawAfterPicks makes a Lenient replay, from the first pick after
	// its schedule's picks, go on as a seeded run would: task outcomes drawn
	// from Seed, fault verdicts from Plan's rules and Seed, picks from
	// Strategy. What the outside world sends stays as recorded. Cutting a
	// schedule's picks at K and replaying it so asks what else could have
	// happened after its K-th pick.
	DrawAfterPicks bool
	// SkipHash leaves the event log unhashed (Result.Hash is empty) unless
	// Events, Record or a strict Replay need it: hunting for violations
	// does not read the hash, and encoding every event is a third of a run.
	SkipHash bool
	// Digest fingerprints the events (Result.Digest) without encoding
	// them: a cheap way to compare two runs, with or without the hash.
	Digest bool
	// StopAtViolation ends the run at the first step after an
	// invariant is violated, without the end-of-run checks: for hunting
	// and shrinking, where the first violation is all that is wanted. The
	// schedule it records ends there too, and a strict replay of it stops
	// at its `end` entry (and checks the hash there).
	StopAtViolation bool
	// Invariants are those whose violation StopAtViolation stops at, and
	// those the recorded schedule says its run is about, for shrinking
	// (nil: every invariant): to hunt one invariant past violations of
	// the others (crash-visibility past the panic that comes first).
	Invariants []string
	// Command is the command line that reproduces the run, for reports.
	Command string
}

// describe names everything that determines a run, for its first event.
func (o Options) describe(strategy string) string {
	return fmt.Sprintf("run seed=%d variant=%s plan=%s scheduler=%s %s",
		o.Seed, o.Node.Variant, o.Plan.Name, strategy, DescribeShape(o.Node, o.Workload))
}

// DescribeShape names a node's and workload's settings as a run's first
// event does: partitions, layout, quota, queue limit, effect capacity,
// on-panic, invocations, step-downs, kills, and a shared tmp-dir, task
// panics, unkeyed retry timers, pauses and retry-nows if there are any.
func DescribeShape(n invoker.Config, w Workload) string {
	layout := "per-partition"
	if n.SharedInvoker {
		layout = "shared"
	}
	return fmt.Sprintf("partitions=%d invokers=%s quota=%d queue-limit=%d effect-capacity=%d on-panic=%s "+
		"invocations=%d step-downs=%d kills=%d%s",
		n.Partitions, layout, n.Quota, n.QueueLimit, n.EffectCapacity, n.OnPanic,
		w.Invocations, w.StepDowns, w.Kills, SharedTmpDirArg(n)) + SettingArgs(n, w)
}

// RunSettings names, each after a space, every setting of a run of node n
// and workload w that is not the default and that its shape's counts do
// not say: a tmp-dir every invoker shares, what a panic takes down, and
// SettingArgs. A run's root span (lab.workload), lab_run_info's settings
// label and lab run's JSON report name its settings so.
func RunSettings(n invoker.Config, w Workload) string {
	return SharedTmpDirArg(n) + OnPanicArg(n) + SettingArgs(n, w)
}

// OnPanicArg is ` on-panic=P` for a node whose invokers' panics do not
// abort the process, the default.
func OnPanicArg(n invoker.Config) string {
	if n.OnPanic != invoker.PanicAbortsNode {
		return " on-panic=" + n.OnPanic.String()
	}
	return ""
}

// SettingArgs names, each after a space, the settings of a node and its
// workload that are off by default and said only when set: task panics,
// unkeyed retry timers, paused slots leaked, spill directories removed, subdirectories of one
// tmp-dir, a throttle, a memory pool and its yield, vqueues, invocations hungry
// for memory, pauses and retry-nows.
func SettingArgs(n invoker.Config, w Workload) string {
	return taskPanicsArg(w) + retryTimersArg(n) + pausedSlotsArg(n) + spillDirsArg(n) + inTmpDirArg(n) + throttleArg(n) + memoryLimitArg(n) + yieldArg(n) + vqueuesArg(n) +
		hungryArg(w) + pausesArg(w) + retryNowsArg(w)
}

// JudgeByConfirmedBound has a run that goes its own way from a shrunk
// schedule (a comparison with a fix, a person taking over, the suffixes
// of lab inevitable) judged by the progress bound that confirmed the
// schedule's shortened one (Bounds.ProgressConfirmed), with the pick
// budget a run under that bound gets: the shortened bound held for the
// schedule's own road only, and a slower one is not stuck for missing it.
func (o *Options) JudgeByConfirmedBound() {
	if b := &o.Bounds; b.ProgressConfirmed > 0 {
		b.Progress, b.ProgressConfirmed, o.MaxPicks = b.ProgressConfirmed, 0, 0
	}
}
