package invoker

import (
	"errors"
	"fmt"
	"time"
)

// Config fixes the shape of a node: how many partitions, how invokers are
// laid out, and the limits the real invoker has.
type Config struct {
	Partitions int
	// SharedInvoker runs one invoker for all partitions of the node (the
	// pre-2024 shape, where partitions compete for one quota and one queue).
	// The default is one invoker per partition, as in Restate at #2543.
	SharedInvoker bool
	Variant       Variant
	// Quota is each invoker's number of concurrency slots.
	Quota int
	// QueueLimit is the segmented queue's in-memory threshold: a segment is
	// spilled to the store once it holds this many invokes.
	QueueLimit int
	// EffectCapacity bounds each invoker-to-partition effect channel.
	EffectCapacity int
	Retry          RetryPolicy
	// Store opens the spill store of one invoker; nil keeps segments in memory.
	Store StoreFactory
	// SharedTmpDir gives every invoker of an incarnation one spill store,
	// as Restate does when worker.invoker.tmp-dir is set: gen_tmp_dir then
	// returns that path to every per-partition invoker, and each numbers
	// its segment files from 0, so their files collide. Without it each
	// invoker has its own $TMP/invoker-<ULID>, as by default. The graceful
	// variant makes a subdirectory per invoker in it (Variant.OwnSpillDir);
	// the per-term invoker's queue empties it as each term starts.
	SharedTmpDir bool
	// InTmpDir says where an invoker spills given that one tmp-dir: into
	// the directory itself (shared, as Restate) or into a subdirectory of
	// its own in it (subdir, the fix the lab proposes, which graceful
	// always has). Without SharedTmpDir every invoker has a directory of
	// its own anyway, and it changes nothing.
	InTmpDir InTmpDir
	// OnPanic is what follows an invoker's panic: the whole process aborts
	// (the default, as in January 2025), only the invoker dies and nothing
	// notices (August to December 2025, restatedev/restate#4102), or only
	// the invoker dies and its partition processors' watch notices
	// (restatedev/restate#4103).
	OnPanic OnPanic
	// RetryTimers says whether a retry timer is fenced to the wait that
	// set it (keyed, the default, as Restate since f681676dc) or reaches
	// whatever state machine its invocation has when it fires (unkeyed, as
	// before: restatedev/restate#4064).
	RetryTimers RetryTimers
	// PausedSlots says whether pausing a state machine that waits to
	// retry releases its concurrency slot (released, the default, as
	// Restate since 2c8e16c28's RAII slots) or keeps it for ever (leaked,
	// as from 8a932d73e, October 2025, until then: restatedev/restate#4468).
	PausedSlots PausedSlots
	// SpillDirs says whether an invoker's spill directory goes when the
	// invoker ends: kept (the default, as in Restate: SegmentQueue has no
	// Drop and nothing else removes it) or removed (the fix the lab
	// proposes, which graceful always has).
	SpillDirs SpillDirs
	// Throttle is the node's invocation throttling: one token bucket for
	// every invoker of the node; unlimited by default, as in Restate.
	Throttle Throttle
	// MemoryLimit is the node's invoker memory pool in leases of
	// per-invocation initial memory (worker.invoker.memory-limit over
	// per-invocation-initial-memory, Restate since v1.7.0); 0 is
	// unlimited, the lab's default, and the loop has no memory branch.
	MemoryLimit int
	// Yield says what an attempt that runs out of the node's memory pool
	// does: off (Restate's default) retries it like any transient error,
	// its state machine keeping its lease and its slot; on (the
	// experimental invoker-yield) gives both up and yields the invocation
	// back to its partition processor, which invokes it again.
	Yield Yield
	// VQueues says whether the leader starts invocations through the
	// vqueue scheduler (VQInvoke, common.experimental-enable-vqueues,
	// November 2025 on) rather than the invoker's queue, and whether the
	// invoker's legacy quota then takes back slots it never gave them.
	VQueues VQueues
	// YieldThreshold: with vqueues, an attempt whose next retry backoff is
	// at least this long gives its permit back and yields to the scheduler,
	// which runs it again once the backoff is over (RetryViaScheduler,
	// Restate's invocation-yield-threshold, 2s since f186a53bc, May 2026);
	// 0, the default, never does, as before that commit.
	YieldThreshold time.Duration
}

// RemovesSpill reports whether an invoker removes its spill directory
// when it ends: at the node's shutdown, and in Variant Term at the end
// of its leadership term too.
func (c Config) RemovesSpill() bool {
	return c.Variant.RemovesSpill() || c.SpillDirs == SpillDirsRemoved
}

// TmpDirUse is InTmpDir where it changes anything: given one tmp-dir
// (SharedTmpDir), and InTmpDirShared, the default, otherwise.
func (c Config) TmpDirUse() InTmpDir {
	if !c.SharedTmpDir {
		return InTmpDirShared
	}
	return c.InTmpDir
}

// SharesSpillStore: every invoker of an incarnation spills into one store.
func (c Config) SharesSpillStore() bool {
	return c.SharedTmpDir && c.TmpDirUse() == InTmpDirShared && !c.Variant.OwnSpillDir()
}

// OnPanic says what an invoker's panic takes down with it.
type OnPanic uint8

const (
	// PanicAbortsNode: Restate's release and dev profiles set panic =
	// "abort" (Cargo.toml:224 and :232 at 0945fd155^), so any panic ends the
	// process at once: every invoker, task and partition processor of the
	// node stops, nothing is cleaned up, and the node must be restarted.
	PanicAbortsNode OnPanic = iota
	// PanicWatched: the invoker dies alone and the partition processors
	// serving it notice and step down, as the watch of #4103 (late 2025) does.
	PanicWatched
	// PanicUnwinds: the invoker's task unwinds alone and nothing watches
	// it. Restate unwinds on panics since 3566aed3d (August 2025, v1.4.4),
	// and the invoker was an unmanaged task whose end the partition
	// processor did not await until #4103 (bdfbdb016, December 2025): its
	// partition processors lead on with a dead invoker, and what they send
	// it is lost (restatedev/restate#4102).
	PanicUnwinds
)

var onPanicNames = Names[OnPanic]{PanicAbortsNode: "abort", PanicWatched: "watch", PanicUnwinds: "unwind"}

func (p OnPanic) String() string { return onPanicNames.Name(p) }

// ParseOnPanic reads an OnPanic by name: abort, watch or unwind.
func ParseOnPanic(s string) (OnPanic, error) {
	return onPanicNames.ParseSetting("on-panic", s, PanicAbortsNode)
}

// RetryTimers says how a due retry timer finds the state machine it acts on.
type RetryTimers uint8

const (
	// RetryTimersKeyed: each wait stores its timer's key, and a timer
	// whose key does not match is ignored (a DelayQueue key since
	// f681676dc, January 2026).
	RetryTimersKeyed RetryTimers = iota
	// RetryTimersUnkeyed: timers sit in a TimerQueue keyed by (leader
	// epoch, invocation) only and are never cancelled (lib.rs:325 at
	// 0945fd155^). A timer left behind by a pause, a retry-now or an abort
	// reaches the invocation's next state machine: one in flight trips
	// notify_retry_timer_fired's debug_assert (invocation_state_machine.rs:324,
	// the panic of restatedev/restate#4064; a release build ignores it),
	// and one waiting for its own timer retries before its backoff ends.
	RetryTimersUnkeyed
)

var retryTimersNames = Names[RetryTimers]{RetryTimersKeyed: "keyed", RetryTimersUnkeyed: "unkeyed"}

func (t RetryTimers) String() string { return retryTimersNames.Name(t) }

// ParseRetryTimers reads a RetryTimers by name: keyed or unkeyed.
func ParseRetryTimers(s string) (RetryTimers, error) {
	return retryTimersNames.ParseSetting("retry-timers", s, RetryTimersKeyed)
}

// PausedSlots says what becomes of the concurrency slot of a state
// machine paused while it waits to retry.
type PausedSlots uint8

const (
	// PausedSlotsReleased: the slot goes with the state machine, as since
	// the RAII ConcurrencySlot the state machine owns (2c8e16c28, March
	// 2026).
	PausedSlotsReleased PausedSlots = iota
	// PausedSlotsLeaked: handle_pause_invocation removed the state
	// machine and sent Paused without unreserve_slot (lib.rs:1272-1310 at
	// 2c8e16c28^, since the manual pause of 8a932d73e): the slot stays in
	// use with no state machine, and idle nodes showed used slots
	// (restatedev/restate#4468). Once every slot leaks, the dequeue arm
	// is never ready again.
	PausedSlotsLeaked
)

var pausedSlotsNames = Names[PausedSlots]{PausedSlotsReleased: "released", PausedSlotsLeaked: "leaked"}

func (p PausedSlots) String() string { return pausedSlotsNames.Name(p) }

// ParsePausedSlots reads a PausedSlots by name: released or leaked.
func ParsePausedSlots(s string) (PausedSlots, error) {
	return pausedSlotsNames.ParseSetting("paused-slots", s, PausedSlotsReleased)
}

// Yield says what becomes of an attempt that runs out of the node's
// memory pool (handle_invocation_task_should_yield, lib.rs:1365-1430 at
// 0c6df0fcc, for an exhausted pool without vqueues).
type Yield uint8

const (
	// YieldOff: a transient error like any other, retried while the state
	// machine keeps its lease and its slot (Restate's default).
	YieldOff Yield = iota
	// YieldOn: with common.experimental.invoker-yield set, the invoker
	// removes the state machine, which returns its lease and its slot, and
	// proposes a Yield effect; the partition processor's leader applies it
	// by invoking the invocation again (state_machine/mod.rs:2619-2637), so
	// its Invoke queues behind the others.
	YieldOn
)

var yieldNames = Names[Yield]{YieldOff: "off", YieldOn: "on"}

func (y Yield) String() string { return yieldNames.Name(y) }

// ParseYield reads a Yield by name: off or on.
func ParseYield(s string) (Yield, error) { return yieldNames.ParseSetting("yield", s, YieldOff) }

// VQueues says how invocations reach the invoker: through its segmented
// queue and concurrency quota (Invoke), or started at once with a permit
// the partition's vqueue scheduler granted (VQInvoke, handle_vqueue_invoke,
// lib.rs:596-630 at 2c8e16c28^). The lab's scheduler is its permits alone
// (vqueues.go): the node's limit is Quota, for the whole node; its memory
// and throttling are left out (Validate refuses a memory pool or a
// throttle).
type VQueues uint8

const (
	// VQueuesOff: every invocation is an Invoke, as Restate's default.
	VQueuesOff VQueues = iota
	// VQueuesOn: every invocation is a VQInvoke, and the invoker's legacy
	// quota is left alone on every path its state machine ends by, as
	// since 318bffc7d (#4522) and the RAII slots of 2c8e16c28 (#4477),
	// March 2026.
	VQueuesOn
	// VQueuesUnguarded: as on, with the invoker before those: the
	// suspend, abort, abort-all, pause and give-up paths called
	// unreserve_slot whether or not the state machine had reserved one
	// (only close and yield checked its permit), so every VQInvoke that
	// ends by them frees a legacy slot nobody held and the quota's
	// available slots climb past its limit (restatedev/restate#4520).
	VQueuesUnguarded
)

var vqueuesNames = Names[VQueues]{VQueuesOff: "off", VQueuesOn: "on", VQueuesUnguarded: "unguarded"}

func (v VQueues) String() string { return vqueuesNames.Name(v) }

// ParseVQueues reads a VQueues by name: off, on or unguarded.
func ParseVQueues(s string) (VQueues, error) {
	return vqueuesNames.ParseSetting("vqueues", s, VQueuesOff)
}

// SpillDirs says what becomes of an invoker's spill directory when the
// invoker ends.
type SpillDirs uint8

const (
	// SpillDirsKept: nothing removes it. Restate's invoker never did
	// (lib.rs:300-302 at 0945fd155^), nor its per-term invoker of 2026
	// (still so at 0c6df0fcc), and each start names a new directory
	// (invoker-<ULID>), so the files of invokes still spilled stay forever.
	SpillDirsKept SpillDirs = iota
	// SpillDirsRemoved: the invoker removes its directory as it ends, as
	// a Drop for SegmentQueue would (remove_dir_all of its path). Given one
	// tmp-dir for all (Config.SharedTmpDir), that path is every invoker's.
	SpillDirsRemoved
)

var spillDirsNames = Names[SpillDirs]{SpillDirsKept: "kept", SpillDirsRemoved: "removed"}

func (d SpillDirs) String() string { return spillDirsNames.Name(d) }

// ParseSpillDirs reads a SpillDirs by name: kept or removed.
func ParseSpillDirs(s string) (SpillDirs, error) {
	return spillDirsNames.ParseSetting("spill-dirs", s, SpillDirsKept)
}

// InTmpDir says where an invoker spills when the node is given one
// tmp-dir (Config.SharedTmpDir).
type InTmpDir uint8

const (
	// InTmpDirShared: into the configured directory itself. Restate's
	// gen_tmp_dir hands that path to every invoker (crates/types/src/
	// config/worker.rs:197-200, still so at 0c6df0fcc), each numbers its
	// segment files from 0 and empties the directory as it starts.
	InTmpDirShared InTmpDir = iota
	// InTmpDirSubdir: into a subdirectory of its own in it, named afresh
	// at each start as the default $TMP/invoker-<ULID> is, so invokers
	// neither collide nor empty each other's.
	InTmpDirSubdir
)

var inTmpDirNames = Names[InTmpDir]{InTmpDirShared: "shared", InTmpDirSubdir: "subdir"}

func (d InTmpDir) String() string { return inTmpDirNames.Name(d) }

// ParseInTmpDir reads an InTmpDir by name: shared or subdir.
func ParseInTmpDir(s string) (InTmpDir, error) {
	return inTmpDirNames.ParseSetting("in-tmp-dir", s, InTmpDirShared)
}

// RetryPolicy is an exponential backoff, as Restate's default policy.
type RetryPolicy struct {
	Initial time.Duration
	Factor  float64
	Max     time.Duration
	// MaxAttempts bounds attempts; 0 retries forever, as Restate's default.
	MaxAttempts int
}

// Backoff is the delay before attempt number failed+1, or false once the
// policy is exhausted.
func (r RetryPolicy) Backoff(failed int) (time.Duration, bool) {
	if r.MaxAttempts > 0 && failed >= r.MaxAttempts {
		return 0, false
	}
	d := float64(r.Initial)
	for i := 1; i < failed && d < float64(r.Max); i++ {
		d *= r.Factor
	}
	if d > float64(r.Max) {
		d = float64(r.Max)
	}
	return time.Duration(d), true
}

// DefaultConfig is the reference shape (README, Measurements) with Restate's
// default retry policy (50ms, x2, capped at 10s, unlimited attempts).
func DefaultConfig() Config {
	return Config{
		Partitions:     4,
		Variant:        Fixed,
		Quota:          8,
		QueueLimit:     4,
		EffectCapacity: 64,
		Retry:          RetryPolicy{Initial: 50 * time.Millisecond, Factor: 2, Max: 10 * time.Second},
	}
}

// ErrConfig marks an invalid configuration.
var ErrConfig = errors.New("invalid config")

// Validate reports the first setting a node cannot run with.
func (c Config) Validate() error {
	switch {
	case c.Partitions < 1:
		return fmt.Errorf("%w: partitions must be at least 1, got %d", ErrConfig, c.Partitions)
	case c.Quota < 1:
		return fmt.Errorf("%w: quota must be at least 1, got %d", ErrConfig, c.Quota)
	case c.QueueLimit < 1:
		return fmt.Errorf("%w: queue-limit must be at least 1, got %d", ErrConfig, c.QueueLimit)
	case c.EffectCapacity < 1:
		return fmt.Errorf("%w: effect-capacity must be at least 1, got %d", ErrConfig, c.EffectCapacity)
	case c.Retry.Initial <= 0:
		return fmt.Errorf("%w: retry-initial must be positive, got %v", ErrConfig, c.Retry.Initial)
	case !(c.Retry.Factor >= 1): // NaN too
		return fmt.Errorf("%w: retry-factor must be at least 1, got %v", ErrConfig, c.Retry.Factor)
	case c.Retry.Max < c.Retry.Initial:
		return fmt.Errorf("%w: retry-max must be at least retry-initial (%v), got %v", ErrConfig, c.Retry.Initial, c.Retry.Max)
	case int(c.Variant) >= len(variantNames):
		return fmt.Errorf("%w: %v", ErrConfig, c.Variant)
	case c.Variant.PerTerm() && c.SharedInvoker:
		return fmt.Errorf("%w: variant %v runs an invoker per partition's leadership term; it has no shared invoker", ErrConfig, c.Variant)
	case int(c.OnPanic) >= len(onPanicNames):
		return fmt.Errorf("%w: on-panic %v", ErrConfig, c.OnPanic)
	case int(c.RetryTimers) >= len(retryTimersNames):
		return fmt.Errorf("%w: retry-timers %v", ErrConfig, c.RetryTimers)
	case int(c.PausedSlots) >= len(pausedSlotsNames):
		return fmt.Errorf("%w: paused-slots %v", ErrConfig, c.PausedSlots)
	case int(c.Yield) >= len(yieldNames):
		return fmt.Errorf("%w: yield %v", ErrConfig, c.Yield)
	case int(c.SpillDirs) >= len(spillDirsNames):
		return fmt.Errorf("%w: spill-dirs %v", ErrConfig, c.SpillDirs)
	case int(c.InTmpDir) >= len(inTmpDirNames):
		return fmt.Errorf("%w: in-tmp-dir %v", ErrConfig, c.InTmpDir)
	case int(c.VQueues) >= len(vqueuesNames):
		return fmt.Errorf("%w: vqueues %v", ErrConfig, c.VQueues)
	case c.YieldThreshold < 0:
		return fmt.Errorf("%w: yield-threshold must not be negative, got %v", ErrConfig, c.YieldThreshold)
	case c.YieldThreshold > 0 && c.VQueues == VQueuesOff:
		return fmt.Errorf("%w: yield-threshold %v yields to the vqueue scheduler: give vqueues too", ErrConfig, c.YieldThreshold)
	case c.VQueues != VQueuesOff && (c.MemoryLimit != 0 || c.Throttle.On()):
		return fmt.Errorf("%w: vqueues %v: their memory and throttling are the vqueue scheduler's, which the lab does not model; give no memory-limit or throttle", ErrConfig, c.VQueues)
	}
	if err := ValidateMemoryLimit(c.MemoryLimit); err != nil {
		return err
	}
	return c.Throttle.Validate()
}
