package explore

import (
	"testing"

	"lab/faults"
)

// Two runs of a seed that logged different events are a determinism
// failure, whichever way they differ.
func TestDifferTellsRunsApart(t *testing.T) {
	same := faults.Result{Seed: 7, Events: 10, Digest: "00000000000000aa", Hash: "h"}
	if f := differ(&same, &same); f != nil {
		t.Fatalf("a run differs from itself: %+v", f)
	}
	for _, edit := range []func(*faults.Result){
		func(r *faults.Result) { r.Events++ },
		func(r *faults.Result) { r.Digest = "00000000000000ab" },
		func(r *faults.Result) { r.Hash = "g" },
	} {
		other := same
		edit(&other)
		f := differ(&same, &other)
		if f == nil || f.Invariant != Determinism || f.Seed != 7 {
			t.Errorf("%+v and %+v: failure %+v", same, other, f)
		}
	}
}
