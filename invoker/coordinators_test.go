package invoker

import (
	"cmp"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCoordinatorsKeepPLEOrder registers and unregisters partition leader
// epochs in a shuffled order and checks the slice against a plain set.
func TestCoordinatorsKeepPLEOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cs coordinators
	want := map[PLE]bool{}
	for range 2000 {
		ple := PLE{PartitionID(r.IntN(6)), Epoch(r.IntN(4))}
		if r.IntN(3) == 0 {
			cs.unregister(ple)
			delete(want, ple)
		} else {
			cs.register(ple, map[InvocationID]*ism{})
			want[ple] = true
		}
		got := cs.ples()
		sorted := slices.SortedFunc(maps.Keys(want), func(a, b PLE) int {
			return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Epoch, b.Epoch))
		})
		if !slices.Equal(got, sorted) {
			t.Fatalf("after %v: %v, want %v", ple, got, sorted)
		}
		for p := range 6 {
			for e := range 4 {
				ple := PLE{PartitionID(p), Epoch(e)}
				if _, ok := cs.get(ple); ok != want[ple] {
					t.Fatalf("get(%v) = %v, want %v", ple, ok, want[ple])
				}
			}
		}
	}
}
