package invoker

import "testing"

// TestSlabReusesKeptBlocks: values stay where they were handed out, past
// the kept blocks too; after reset the kept blocks are handed out again,
// zeroed, and the blocks past them are not kept.
func TestSlabReusesKeptBlocks(t *testing.T) {
	s := slab[record]{size: 4}
	total := (keptBlocks + 3) * s.size
	var first []*record
	for k := range total {
		first = append(first, s.alloc(record{journal: k}))
	}
	for k, r := range first {
		if r.journal != k {
			t.Fatalf("value %d holds %d: a later alloc overwrote it", k, r.journal)
		}
	}
	if len(s.kept) != keptBlocks {
		t.Fatalf("%d blocks kept, want %d", len(s.kept), keptBlocks)
	}
	s.reset()
	for k := range total {
		r := s.alloc(record{status: StatusInvoked})
		if k < keptBlocks*s.size && r != first[k] {
			t.Fatalf("value %d after reset is not in the kept block", k)
		}
		if k >= keptBlocks*s.size && r == first[k] {
			t.Fatalf("value %d after reset reuses a block that was not kept", k)
		}
		if r.journal != 0 || r.status != StatusInvoked {
			t.Fatalf("value %d after reset is %+v, want a new record", k, *r)
		}
	}
}
