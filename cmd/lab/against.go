package main

import (
	"fmt"

	"lab/faults"
	"lab/invoker"
)

// against is what the other side of a comparison changes: its variant,
// or, in the same variant, what an invoker's panic takes down (--on-panic
// unwind against watch is #4102 against its fix, #4103).
type against struct {
	variant invoker.Variant
	onPanic *invoker.OnPanic
}

// parseAgainst reads --against: a variant or an on-panic.
func parseAgainst(s string) (against, error) {
	if v, err := invoker.ParseVariant(s); err == nil {
		return against{variant: v}, nil
	}
	if p, err := invoker.ParseOnPanic(s); err == nil {
		return against{onPanic: &p}, nil
	}
	return against{}, fmt.Errorf("%q is neither a variant (buggy, fixed or graceful) nor an on-panic (abort, unwind or watch)", s)
}

func againstVariant(v invoker.Variant) against { return against{variant: v} }

// apply makes o the other side's run.
func (w against) apply(o *faults.Options) {
	if w.onPanic != nil {
		o.Node.OnPanic = *w.onPanic
		return
	}
	o.Node.Variant = w.variant
}

func (w against) String() string {
	if w.onPanic != nil {
		return w.onPanic.String()
	}
	return w.variant.String()
}

// flag is the flag the other side's rerun command sets to w.
func (w against) flag() string {
	if w.onPanic != nil {
		return "on-panic"
	}
	return "variant"
}
