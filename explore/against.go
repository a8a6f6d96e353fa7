package explore

import (
	"fmt"
	"strings"

	"lab/faults"
	"lab/invoker"
)

// Against is what the other side of a comparison changes: its variant,
// or, in the same variant, what an invoker's panic takes down (--on-panic
// unwind against watch is #4102 against its fix, #4103) or how retry timers
// are found (--retry-timers unkeyed against keyed is #4064 against its fix),
// what becomes of a paused invocation's slot (--paused-slots leaked
// against released is #4468 against its fix), what becomes of spill
// directories, where invokers spill in one tmp-dir, or how vqueue
// invocations' state machines end (--vqueues unguarded against on is
// #4520 against its fix).
type Against struct {
	Variant invoker.Variant
	// OnPanic, RetryTimers, PausedSlots, SpillDirs, InTmpDir or VQueues,
	// when set, is changed instead of the variant.
	OnPanic     *invoker.OnPanic
	RetryTimers *invoker.RetryTimers
	PausedSlots *invoker.PausedSlots
	SpillDirs   *invoker.SpillDirs
	InTmpDir    *invoker.InTmpDir
	VQueues     *invoker.VQueues
}

// AgainstVariant compares with variant v.
func AgainstVariant(v invoker.Variant) Against { return Against{Variant: v} }

// AgainstOnPanic compares with the same variant under on-panic p.
func AgainstOnPanic(p invoker.OnPanic) Against { return Against{OnPanic: &p} }

// AgainstRetryTimers compares with the same variant under retry timers t.
func AgainstRetryTimers(t invoker.RetryTimers) Against { return Against{RetryTimers: &t} }

// AgainstPausedSlots compares with the same variant whose pauses do p
// with the slots of state machines waiting to retry.
func AgainstPausedSlots(p invoker.PausedSlots) Against { return Against{PausedSlots: &p} }

// AgainstSpillDirs compares with the same variant whose invokers do d with
// their spill directories.
func AgainstSpillDirs(d invoker.SpillDirs) Against { return Against{SpillDirs: &d} }

// AgainstInTmpDir compares with the same variant whose invokers spill
// where d says in the node's one tmp-dir.
func AgainstInTmpDir(d invoker.InTmpDir) Against { return Against{InTmpDir: &d} }

// AgainstVQueues compares with the same variant whose invocations come
// through vqueues as q says.
func AgainstVQueues(q invoker.VQueues) Against { return Against{VQueues: &q} }

// ParseAgainst reads --against: a variant, an on-panic, a retry-timers, a
// paused-slots, a spill-dirs, an in-tmp-dir or a vqueues.
func ParseAgainst(s string) (Against, error) {
	if v, err := invoker.ParseVariant(s); err == nil {
		return AgainstVariant(v), nil
	}
	if p, err := invoker.ParseOnPanic(s); err == nil {
		return AgainstOnPanic(p), nil
	}
	if t, err := invoker.ParseRetryTimers(s); err == nil {
		return AgainstRetryTimers(t), nil
	}
	if p, err := invoker.ParsePausedSlots(s); err == nil {
		return AgainstPausedSlots(p), nil
	}
	if d, err := invoker.ParseSpillDirs(s); err == nil {
		return AgainstSpillDirs(d), nil
	}
	if d, err := invoker.ParseInTmpDir(s); err == nil {
		return AgainstInTmpDir(d), nil
	}
	if q, err := invoker.ParseVQueues(s); err == nil {
		return AgainstVQueues(q), nil
	}
	return Against{}, fmt.Errorf("%q is neither a variant (buggy, fixed, graceful or term), an on-panic (abort, unwind or watch), a retry-timers (keyed or unkeyed), a paused-slots (released or leaked), a spill-dirs (kept or removed), an in-tmp-dir (shared or subdir) nor a vqueues (off, on or unguarded)", s)
}

// Same reports whether w changes nothing of a run of variant v on node.
func (w Against) Same(v invoker.Variant, node invoker.Config) bool {
	node.Variant = v
	other := faults.Options{Node: node}
	w.Apply(&other)
	return OneRun(node, other.Node)
}

// OneRun reports whether nodes a and b run alike as far as a comparison's
// sides can differ: variant, what a panic takes down, retry timers,
// paused slots, vqueues, whether spill is removed (graceful removes its own whatever spill-dirs
// says) and whether the invokers share one spill store (in-tmp-dir
// matters only given one tmp-dir, and not for graceful's subdirectories).
func OneRun(a, b invoker.Config) bool {
	return a.Variant == b.Variant && a.OnPanic == b.OnPanic && a.RetryTimers == b.RetryTimers && a.PausedSlots == b.PausedSlots &&
		a.VQueues == b.VQueues && a.RemovesSpill() == b.RemovesSpill() && a.SharesSpillStore() == b.SharesSpillStore()
}

// Apply makes o the other side's run.
func (w Against) Apply(o *faults.Options) {
	switch {
	case w.OnPanic != nil:
		o.Node.OnPanic = *w.OnPanic
	case w.RetryTimers != nil:
		o.Node.RetryTimers = *w.RetryTimers
	case w.PausedSlots != nil:
		o.Node.PausedSlots = *w.PausedSlots
	case w.SpillDirs != nil:
		o.Node.SpillDirs = *w.SpillDirs
	case w.InTmpDir != nil:
		o.Node.InTmpDir = *w.InTmpDir
	case w.VQueues != nil:
		o.Node.VQueues = *w.VQueues
	default:
		o.Node.Variant = w.Variant
	}
}

// name is w's name, or "" for none.
func (w *Against) name() string {
	if w == nil {
		return ""
	}
	return w.String()
}

func (w Against) String() string {
	switch {
	case w.OnPanic != nil:
		return w.OnPanic.String()
	case w.RetryTimers != nil:
		return w.RetryTimers.String()
	case w.PausedSlots != nil:
		return w.PausedSlots.String()
	case w.SpillDirs != nil:
		return w.SpillDirs.String()
	case w.InTmpDir != nil:
		return w.InTmpDir.String()
	case w.VQueues != nil:
		return w.VQueues.String()
	}
	return w.Variant.String()
}

// Flag is the lab run flag that sets what w changes.
func (w Against) Flag() string {
	switch {
	case w.OnPanic != nil:
		return "on-panic"
	case w.RetryTimers != nil:
		return "retry-timers"
	case w.PausedSlots != nil:
		return "paused-slots"
	case w.SpillDirs != nil:
		return "spill-dirs"
	case w.InTmpDir != nil:
		return "in-tmp-dir"
	case w.VQueues != nil:
		return "vqueues"
	}
	return "variant"
}

// DefaultAgainst is what lab compare runs variant v against when nothing
// is named: its fix, and for graceful, which has none, fixed (what
// graceful changes beyond the minimal fix).
func DefaultAgainst(v invoker.Variant) Against {
	fix, ok := FixOf(v)
	if !ok {
		fix = invoker.Fixed
	}
	return AgainstVariant(fix)
}

// FixFor is what a run of node that failed invariant first, by check (a
// panic's message; "" when not known), is compared with: for a stale
// retry timer (#4064), keyed timers, which fixed it (f681676dc); for slots
// leaked by pauses (#4468), slots released with their state machines
// (2c8e16c28); for slots a vqueue invocation gave back without taking
// them (#4520), the guarded release of #4522; for a death no partition
// noticed under on-panic unwind (#4102), the watch that fixed it (#4103);
// for spill left behind, invokers that remove their spill directories as
// they end; for a segment that could not be stored or loaded in a tmp-dir
// every invoker spills into, invokers that spill into a subdirectory of it
// each; otherwise the fix of its variant (FixOf). ok is false when there
// is none (graceful's own failures, and invocations out of memory, retried
// or yielding).
func FixFor(node invoker.Config, invariant, check string) (Against, bool) {
	v := node.Variant
	switch {
	case invariant == faults.CleanShutdown && !v.RemovesSpill():
		return AgainstSpillDirs(invoker.SpillDirsRemoved), true
	case invariant == faults.TimerFencing:
		return AgainstRetryTimers(invoker.RetryTimersKeyed), true
	case node.VQueues == invoker.VQueuesUnguarded && check == faults.CheckSlotsInflated:
		return AgainstVQueues(invoker.VQueuesOn), true
	case node.PausedSlots == invoker.PausedSlotsLeaked && (invariant == faults.QuotaConservation || check == faults.CheckSlotsLeaked):
		return AgainstPausedSlots(invoker.PausedSlotsReleased), true
	case invariant == faults.CrashVisibility && node.OnPanic == invoker.PanicUnwinds:
		return AgainstOnPanic(invoker.PanicWatched), true
	case invariant == faults.NoPanic && node.SharesSpillStore() && spillPanic(check):
		return AgainstInTmpDir(invoker.InTmpDirSubdir), true
	case invariant == faults.Progress && (check == faults.CheckOutOfMemory || check == faults.CheckYieldLoop):
		// No variant frees what hungry attempts hold, or takes the turn a
		// yield loop goes round; Restate's experimental yield (--yield
		// on) undoes the first only where no throttle times the loop's
		// lease against it, and is a setting, not a fix.
		return Against{}, false
	}
	fix, ok := FixOf(v)
	return AgainstVariant(fix), ok
}

// spillPanic reports whether a panic's message is the segmented queue's,
// failing to store or load a segment.
func spillPanic(message string) bool {
	return strings.HasPrefix(message, invoker.SpillWritePanic) || strings.HasPrefix(message, invoker.SpillReadPanic)
}
