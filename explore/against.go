package explore

import (
	"fmt"

	"lab/faults"
	"lab/invoker"
)

// Against is what the other side of a comparison changes: its variant,
// or, in the same variant, what an invoker's panic takes down (--on-panic
// unwind against watch is #4102 against its fix, #4103) or how retry timers
// are found (--retry-timers unkeyed against keyed is #4064 against its fix).
type Against struct {
	Variant invoker.Variant
	// OnPanic, RetryTimers or SpillDirs, when set, is changed instead of
	// the variant.
	OnPanic     *invoker.OnPanic
	RetryTimers *invoker.RetryTimers
	SpillDirs   *invoker.SpillDirs
}

// AgainstVariant compares with variant v.
func AgainstVariant(v invoker.Variant) Against { return Against{Variant: v} }

// AgainstOnPanic compares with the same variant under on-panic p.
func AgainstOnPanic(p invoker.OnPanic) Against { return Against{OnPanic: &p} }

// AgainstRetryTimers compares with the same variant under retry timers t.
func AgainstRetryTimers(t invoker.RetryTimers) Against { return Against{RetryTimers: &t} }

// AgainstSpillDirs compares with the same variant whose invokers do d with
// their spill directories.
func AgainstSpillDirs(d invoker.SpillDirs) Against { return Against{SpillDirs: &d} }

// ParseAgainst reads --against: a variant, an on-panic, a retry-timers or
// a spill-dirs.
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
	if d, err := invoker.ParseSpillDirs(s); err == nil {
		return AgainstSpillDirs(d), nil
	}
	return Against{}, fmt.Errorf("%q is neither a variant (buggy, fixed, graceful or term), an on-panic (abort, unwind or watch), a retry-timers (keyed or unkeyed) nor a spill-dirs (kept or removed)", s)
}

// Same reports whether w changes nothing of a run of variant v on node.
func (w Against) Same(v invoker.Variant, node invoker.Config) bool {
	switch {
	case w.OnPanic != nil:
		return *w.OnPanic == node.OnPanic
	case w.RetryTimers != nil:
		return *w.RetryTimers == node.RetryTimers
	case w.SpillDirs != nil:
		// graceful removes its spill whatever the setting says
		return *w.SpillDirs == node.SpillDirs || v.RemovesSpill()
	}
	return w.Variant == v
}

// Apply makes o the other side's run.
func (w Against) Apply(o *faults.Options) {
	switch {
	case w.OnPanic != nil:
		o.Node.OnPanic = *w.OnPanic
	case w.RetryTimers != nil:
		o.Node.RetryTimers = *w.RetryTimers
	case w.SpillDirs != nil:
		o.Node.SpillDirs = *w.SpillDirs
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
	case w.SpillDirs != nil:
		return w.SpillDirs.String()
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
	case w.SpillDirs != nil:
		return "spill-dirs"
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

// FixFor is what a run that failed invariant first is compared with: for
// a stale retry timer (#4064), keyed timers, which fixed it (f681676dc);
// for a death no partition noticed under on-panic unwind (#4102), the watch
// that fixed it (#4103); for spill left behind, invokers that remove their
// spill directories as they end; otherwise the fix of its variant (FixOf).
// ok is false when there is none (graceful's own failures).
func FixFor(v invoker.Variant, onPanic invoker.OnPanic, invariant string) (Against, bool) {
	switch {
	case invariant == faults.CleanShutdown && !v.RemovesSpill():
		return AgainstSpillDirs(invoker.SpillDirsRemoved), true
	case invariant == faults.TimerFencing:
		return AgainstRetryTimers(invoker.RetryTimersKeyed), true
	case invariant == faults.CrashVisibility && onPanic == invoker.PanicUnwinds:
		return AgainstOnPanic(invoker.PanicWatched), true
	}
	fix, ok := FixOf(v)
	return AgainstVariant(fix), ok
}
