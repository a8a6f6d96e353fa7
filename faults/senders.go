package faults

import (
	"time"

	"lab/invoker"
)

// senderKey identifies a sequential sender: its messages arrive in the
// order it sent them, however late.
type senderKey struct {
	kind invoker.MsgKind
	a, b int64
}

func senderOf(m *invoker.Envelope) (senderKey, bool) {
	switch {
	case m.Kind.IsInput():
		return senderKey{invoker.MsgRegister, int64(m.PLE.Partition), int64(m.Incarnation)}, true
	case m.Kind == invoker.MsgTaskOutput:
		return senderKey{m.Kind, int64(m.Task), 0}, true
	case m.Kind == invoker.MsgEffect:
		return senderKey{m.Kind, int64(m.Invoker)<<32 | int64(m.Incarnation), int64(m.PLE.Partition)<<32 | int64(m.PLE.Epoch)}, true
	}
	// Timers, lifecycle signals and arrivals are independent of each other.
	return senderKey{}, false
}

// senders keeps each sequential sender's messages in the order it sent
// them: a message never arrives before an earlier one of its sender, however
// late that one is. Only senders with a message still in the future are
// remembered, and once virtual time passes the latest of those all are
// forgotten at once: a stretch of the run without delays never touches the
// map.
type senders struct {
	lastAt map[senderKey]time.Duration
	// latest is the latest arrival in lastAt.
	latest time.Duration
}

// arrival is when m, sent at now and due at at (no earlier than now), may
// arrive.
func (c *senders) arrival(m *invoker.Envelope, now, at time.Duration) time.Duration {
	key, fifo := senderOf(m)
	if !fifo {
		return at
	}
	if c.latest > now {
		at = max(at, c.lastAt[key])
	} else if len(c.lastAt) > 0 {
		clear(c.lastAt) // every arrival remembered is past
	}
	if at > now {
		c.lastAt[key] = at
		c.latest = max(c.latest, at)
	}
	return at
}
