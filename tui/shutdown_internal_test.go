package tui

import (
	"testing"

	"lab/invoker"
)

// The shutdown strip counts the spill directories removed in the
// shutdown, not those a term's invoker removed at a step-down before it
// (--variant term --spill-dirs removed).
func TestShutdownStripCountsOnlyTheShutdownsRemovals(t *testing.T) {
	var p shutdownPhases
	p.observe(invoker.Event{Kind: invoker.KindTermEnd, Invoker: 0})
	p.observe(invoker.Event{Kind: invoker.KindSpillRemoved, Invoker: 0})
	if p.started() || len(p.spillGone) != 0 {
		t.Fatalf("a mid-run removal counted: started %t, %d removed", p.started(), len(p.spillGone))
	}
	p.observe(invoker.Event{Kind: invoker.KindStopIngress, Invoker: invoker.NoInvoker})
	p.observe(invoker.Event{Kind: invoker.KindTermEnd, Invoker: 1})
	p.observe(invoker.Event{Kind: invoker.KindSpillRemoved, Invoker: 1})
	steps := p.steps(2, 2)
	if last := steps[len(steps)-1]; last.name != "spill-rm" || last.done != 1 || last.total != 2 {
		t.Errorf("the strip's last step: %+v, want spill-rm 1 of 2", last)
	}
}
