package faults

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"lab/invoker"
)

// The delivery queue (a FIFO of what is due at once, beside a heap) must
// hand out messages exactly in (at, seq) order, as
// one sorted list would, whatever mix of times is pushed and popped: most
// pushes are for the current time, some for earlier or later ones.
func TestDeliveryHeapOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := newDeliveryHeap(rapid.IntRange(0, 8).Draw(t, "capacity"))
		type entry struct {
			at  time.Duration
			seq uint64
		}
		var want []entry
		var seq uint64
		now := time.Duration(0)
		for range rapid.IntRange(1, 200).Draw(t, "ops") {
			if len(want) > 0 && rapid.Bool().Draw(t, "pop") {
				var m invoker.Envelope
				q.pop(&m)
				if m.ID != want[0].seq {
					t.Fatalf("popped seq %d, want %d at %v", m.ID, want[0].seq, want[0].at)
				}
				want = want[1:]
				continue
			}
			now += time.Duration(rapid.IntRange(0, 1).Draw(t, "advance"))
			at := now + time.Duration(rapid.SampledFrom([]int{0, 0, 0, -1, 1, 3}).Draw(t, "offset"))
			seq++
			q.push(now, at, seq, invoker.Envelope{ID: seq})
			want = append(want, entry{at, seq})
			slices.SortFunc(want, func(a, b entry) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
			if q.len() != len(want) {
				t.Fatalf("len %d, want %d", q.len(), len(want))
			}
		}
	})
}
