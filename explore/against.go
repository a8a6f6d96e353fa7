package explore

import (
	"fmt"

	"lab/faults"
	"lab/invoker"
)

// Against is what the other side of a comparison changes: its variant, or,
// in the same variant, what an invoker's panic takes down (--on-panic
// unwind against watch is #4102 against its fix, #4103).
type Against struct {
	Variant invoker.Variant
	// OnPanic, when set, is changed instead of the variant.
	OnPanic *invoker.OnPanic
}

// AgainstVariant compares with variant v.
func AgainstVariant(v invoker.Variant) Against { return Against{Variant: v} }

// AgainstOnPanic compares with the same variant under on-panic p.
func AgainstOnPanic(p invoker.OnPanic) Against { return Against{OnPanic: &p} }

// ParseAgainst reads --against: a variant or an on-panic.
func ParseAgainst(s string) (Against, error) {
	if v, err := invoker.ParseVariant(s); err == nil {
		return AgainstVariant(v), nil
	}
	if p, err := invoker.ParseOnPanic(s); err == nil {
		return AgainstOnPanic(p), nil
	}
	return Against{}, fmt.Errorf("%q is neither a variant (buggy, fixed or graceful) nor an on-panic (abort, unwind or watch)", s)
}

// Apply makes o the other side's run.
func (w Against) Apply(o *faults.Options) {
	if w.OnPanic != nil {
		o.Node.OnPanic = *w.OnPanic
		return
	}
	o.Node.Variant = w.Variant
}

func (w Against) String() string {
	if w.OnPanic != nil {
		return w.OnPanic.String()
	}
	return w.Variant.String()
}

// Flag is the lab run flag that sets what w changes.
func (w Against) Flag() string {
	if w.OnPanic != nil {
		return "on-panic"
	}
	return "variant"
}

// FixFor is what a run that failed invariant first is compared with: for
// a death no partition noticed under on-panic unwind (#4102), the watch
// that fixed it (#4103); otherwise the fix of its variant (FixOf). ok is
// false when there is none (graceful's own failures).
func FixFor(v invoker.Variant, onPanic invoker.OnPanic, invariant string) (Against, bool) {
	if invariant == faults.CrashVisibility && onPanic == invoker.PanicUnwinds {
		return AgainstOnPanic(invoker.PanicWatched), true
	}
	fix, ok := FixOf(v)
	return AgainstVariant(fix), ok
}
