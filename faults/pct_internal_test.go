package faults

import (
	"slices"
	"testing"
)

// A depth beyond a run's choices makes every choice a change point: drawn
// until distinct, checked against what was drawn so far, 200,000 of them
// took minutes (lab explore --strategy pct --depth 99999999 on a large
// workload hung, deaf to Ctrl-C).
func TestPCTAsDeepAsItsChoices(t *testing.T) {
	const steps = 200_000
	p, err := NewPCT(7, 1<<30, steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.changes) != steps || p.changes[0] != 1 || p.changes[steps-1] != steps || !slices.IsSorted(p.changes) ||
		len(slices.Compact(slices.Clone(p.changes))) != steps {
		t.Fatalf("%d change points, from %d to %d: want every choice 1..%d once", len(p.changes), p.changes[0], p.changes[len(p.changes)-1], steps)
	}
	// Depth 3 draws two distinct points, as it always did (the revision
	// pins hold the runs they give).
	if p, _ := NewPCT(7, 3, steps); len(p.changes) != 2 || p.changes[0] == p.changes[1] {
		t.Fatalf("depth 3: change points %v", p.changes)
	}
}
