package faults

import (
	"time"

	"lab/invoker"
)

// deliveryHeap hands out deliveries, messages waiting for their virtual
// time, in (at, seq) order: equal times keep the order they were scheduled
// in. Most are due the moment they are scheduled; those wait in a FIFO,
// which is in that order already (time only moves forward, seq only up).
// The others wait in a binary min-heap, and pop takes the earlier of the
// two heads. Entries hold no pointers (the messages wait in a slab beside
// them), so moving them costs no write barriers, and nothing is boxed into
// an interface as container/heap would.
type deliveryHeap struct {
	h    []heapEntry
	now  []heapEntry // due when scheduled, from now[head] on
	head int
	msgs []invoker.Envelope
	free []int32
}

type heapEntry struct {
	at  time.Duration
	seq uint64
	msg int32 // index in msgs
}

func (e heapEntry) before(o heapEntry) bool {
	return e.at < o.at || e.at == o.at && e.seq < o.seq
}

func newDeliveryHeap(capacity int) deliveryHeap {
	return deliveryHeap{h: make([]heapEntry, 0, capacity), now: make([]heapEntry, 0, capacity),
		msgs: make([]invoker.Envelope, 0, capacity)}
}

// reset empties q for a new run, growing it to capacity if it is smaller.
func (q *deliveryHeap) reset(capacity int) deliveryHeap {
	if cap(q.h) < capacity || cap(q.now) < capacity || cap(q.msgs) < capacity {
		return newDeliveryHeap(capacity)
	}
	return deliveryHeap{h: q.h[:0], now: q.now[:0], msgs: q.msgs[:0], free: q.free[:0]}
}

func (q *deliveryHeap) len() int { return len(q.h) + len(q.now) - q.head }

// nowFirst: the earliest delivery is the FIFO's head, not the heap's.
func (q *deliveryHeap) nowFirst() bool {
	return q.head < len(q.now) && (len(q.h) == 0 || q.now[q.head].before(q.h[0]))
}

// first is the earliest delivery, if any.
func (q *deliveryHeap) first() (heapEntry, bool) {
	switch {
	case q.nowFirst():
		return q.now[q.head], true
	case len(q.h) > 0:
		return q.h[0], true
	}
	return heapEntry{}, false
}

func (q *deliveryHeap) less(i, j int) bool { return q.h[i].before(q.h[j]) }

// push schedules m for at; now is the virtual time it is scheduled at.
func (q *deliveryHeap) push(now, at time.Duration, seq uint64, m invoker.Envelope) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.msgs[slot] = m
	} else {
		slot = int32(len(q.msgs))
		q.msgs = append(q.msgs, m)
	}
	e := heapEntry{at: at, seq: seq, msg: slot}
	if at == now && (q.head == len(q.now) || !e.before(q.now[len(q.now)-1])) {
		if q.head == len(q.now) {
			q.now, q.head = q.now[:0], 0
		}
		q.now = append(q.now, e)
		return
	}
	q.h = append(q.h, e)
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
	if q.nowFirst() {
		top := q.now[q.head]
		q.head++
		*m = q.msgs[top.msg]
		q.free = append(q.free, top.msg)
		return
	}
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

// each calls f with every message waiting, in no particular order.
func (q *deliveryHeap) each(f func(m *invoker.Envelope) bool) bool {
	for _, e := range q.h {
		if !f(&q.msgs[e.msg]) {
			return false
		}
	}
	for _, e := range q.now[q.head:] {
		if !f(&q.msgs[e.msg]) {
			return false
		}
	}
	return true
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

// schedule puts m on its way at now, to be delivered at at.
func (t *transport) schedule(now, at time.Duration, m invoker.Envelope) {
	t.seq++
	t.q.push(now, at, t.seq, m)
}

// due reports whether a delivery is ready at now.
func (t *transport) due(now time.Duration) bool {
	e, ok := t.q.first()
	return ok && e.at <= now
}

// pop takes the earliest delivery's message into m.
func (t *transport) pop(m *invoker.Envelope) { t.q.pop(m) }

// peek is the earliest delivery's message, which pop would take.
func (t *transport) peek() (invoker.Envelope, bool) {
	e, ok := t.q.first()
	if !ok {
		return invoker.Envelope{}, false
	}
	return t.q.msgs[e.msg], true
}

// next is the time of the earliest delivery, if any.
func (t *transport) next() (time.Duration, bool) {
	e, ok := t.q.first()
	return e.at, ok
}

// nextBut is the earliest delivery but of the messages skip names: it
// looks at every message, so only a run that has such messages asks.
func (t *transport) nextBut(skip func(*invoker.Envelope) bool) (time.Duration, bool) {
	var at time.Duration
	found := false
	for _, es := range [2][]heapEntry{t.q.h, t.q.now[t.q.head:]} {
		for _, e := range es {
			if (!found || e.at < at) && !skip(&t.q.msgs[e.msg]) {
				at, found = e.at, true
			}
		}
	}
	return at, found
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
			t.schedule(now, now, h.msg)
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
		t.schedule(now, now, h.msg)
	}
	t.held = t.held[:0]
	return true
}

// onlyTimers reports whether every message in flight is a retry timer.
func (t *transport) onlyTimers() bool {
	if len(t.held) > 0 {
		return false
	}
	return t.q.each(func(m *invoker.Envelope) bool { return m.Kind == invoker.MsgTimer })
}

// len is the number of messages scheduled (not counting held ones).
func (t *transport) len() int { return t.q.len() }
