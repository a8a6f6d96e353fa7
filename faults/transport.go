package faults

import (
	"time"

	"lab/invoker"
)

// deliveryHeap is a binary min-heap of deliveries, messages waiting for
// their virtual time, ordered by (at, seq): equal times keep the order they
// were scheduled in. Its
// entries hold no pointers (the messages wait in a slab beside it), so
// moving them costs no write barriers, and nothing is boxed into an
// interface as container/heap would.
type deliveryHeap struct {
	h    []heapEntry
	msgs []invoker.Envelope
	free []int32
}

type heapEntry struct {
	at  time.Duration
	seq uint64
	msg int32 // index in msgs
}

func newDeliveryHeap(capacity int) deliveryHeap {
	return deliveryHeap{h: make([]heapEntry, 0, capacity), msgs: make([]invoker.Envelope, 0, capacity)}
}

// reset empties q for a new run, growing it to capacity if it is smaller.
func (q *deliveryHeap) reset(capacity int) deliveryHeap {
	if cap(q.h) < capacity || cap(q.msgs) < capacity {
		return newDeliveryHeap(capacity)
	}
	return deliveryHeap{h: q.h[:0], msgs: q.msgs[:0], free: q.free[:0]}
}

func (q *deliveryHeap) len() int { return len(q.h) }

func (q *deliveryHeap) less(i, j int) bool {
	if q.h[i].at != q.h[j].at {
		return q.h[i].at < q.h[j].at
	}
	return q.h[i].seq < q.h[j].seq
}

func (q *deliveryHeap) push(at time.Duration, seq uint64, m invoker.Envelope) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.msgs[slot] = m
	} else {
		slot = int32(len(q.msgs))
		q.msgs = append(q.msgs, m)
	}
	q.h = append(q.h, heapEntry{at: at, seq: seq, msg: slot})
	for i := len(q.h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

// pop removes the earliest delivery and copies its message into m. The
// message's slot is not cleared: the next push overwrites it.
func (q *deliveryHeap) pop(m *invoker.Envelope) {
	top := q.h[0]
	*m = q.msgs[top.msg]
	q.free = append(q.free, top.msg)
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(q.h) && q.less(l, small) {
			small = l
		}
		if r := l + 1; r < len(q.h) && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q.h[i], q.h[small] = q.h[small], q.h[i]
		i = small
	}
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
	t.q.push(at, t.seq, m)
}

// due reports whether a delivery is ready at now.
func (t *transport) due(now time.Duration) bool {
	return len(t.q.h) > 0 && t.q.h[0].at <= now
}

// pop takes the earliest delivery's message into m.
func (t *transport) pop(m *invoker.Envelope) { t.q.pop(m) }

// next is the time of the earliest delivery, if any.
func (t *transport) next() (time.Duration, bool) {
	if len(t.q.h) == 0 {
		return 0, false
	}
	return t.q.h[0].at, true
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
	for _, e := range t.q.h {
		if t.q.msgs[e.msg].Kind != invoker.MsgTimer {
			return false
		}
	}
	return true
}

// len is the number of messages scheduled (not counting held ones).
func (t *transport) len() int { return t.q.len() }
