package faults

import (
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

// deliveryHeap is a binary min-heap of deliveries by (at, seq), typed so
// that no delivery is boxed into an interface (container/heap would
// allocate one per message in flight).
type deliveryHeap []delivery

func (h deliveryHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *deliveryHeap) push(d delivery) {
	*h = append(*h, d)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *deliveryHeap) pop() delivery {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = delivery{}
	q = q[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(q) && q.less(l, small) {
			small = l
		}
		if r := l + 1; r < len(q) && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
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
	t.q.push(delivery{at: at, seq: t.seq, msg: m})
}

// due reports whether a delivery is ready at now.
func (t *transport) due(now time.Duration) bool {
	return len(t.q) > 0 && t.q[0].at <= now
}

func (t *transport) pop() delivery { return t.q.pop() }

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
