package faults

import (
	"container/heap"
	"time"

	"lab/invoker"
)

// delivery is a message waiting for its virtual time. Deliveries are ordered
// by (at, seq): equal times keep the order they were scheduled in.
type delivery struct {
	at  time.Duration
	seq uint64
	msg invoker.Envelope
}

type deliveryHeap []delivery

func (h deliveryHeap) Len() int { return len(h) }
func (h deliveryHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h deliveryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *deliveryHeap) Push(x any)   { *h = append(*h, x.(delivery)) }
func (h *deliveryHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}

// transport holds every message in flight: the simulator's only queue of
// future work. A reordered message is held aside until `overtakes` later
// deliveries have passed it.
type transport struct {
	q    deliveryHeap
	seq  uint64
	held []heldDelivery
}

type heldDelivery struct {
	msg       invoker.Envelope
	overtakes int
}

func (t *transport) schedule(at time.Duration, m invoker.Envelope) {
	t.seq++
	heap.Push(&t.q, delivery{at: at, seq: t.seq, msg: m})
}

// due reports whether a delivery is ready at now.
func (t *transport) due(now time.Duration) bool {
	return len(t.q) > 0 && t.q[0].at <= now
}

func (t *transport) pop() delivery { return heap.Pop(&t.q).(delivery) }

// next is the time of the earliest delivery, if any.
func (t *transport) next() (time.Duration, bool) {
	if len(t.q) == 0 {
		return 0, false
	}
	return t.q[0].at, true
}

func (t *transport) hold(m invoker.Envelope, overtakes int) {
	t.held = append(t.held, heldDelivery{msg: m, overtakes: overtakes})
}

// passed counts one delivery against every held message and puts back
// those that have been overtaken enough, at now, behind what is due.
func (t *transport) passed(now time.Duration) {
	kept := t.held[:0]
	for _, h := range t.held {
		h.overtakes--
		if h.overtakes <= 0 {
			t.schedule(now, h.msg)
			continue
		}
		kept = append(kept, h)
	}
	t.held = kept
}

// releaseHeld puts every held message back: nothing is left to overtake them.
func (t *transport) releaseHeld(now time.Duration) bool {
	if len(t.held) == 0 {
		return false
	}
	for _, h := range t.held {
		t.schedule(now, h.msg)
	}
	t.held = t.held[:0]
	return true
}

// onlyTimers reports whether every message in flight is a retry timer.
func (t *transport) onlyTimers() bool {
	if len(t.held) > 0 {
		return false
	}
	for _, d := range t.q {
		if d.msg.Kind != invoker.MsgTimer {
			return false
		}
	}
	return true
}

// len is the number of messages scheduled (not counting held ones).
func (t *transport) len() int { return len(t.q) }
