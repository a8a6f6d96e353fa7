package explore

import (
	"lab/faults"
	"lab/invoker"
)

// The node's settings shrinking simplifies: a failure found under a
// throttle or a memory pool (the swarm draws both) may not need it, or
// may need a smaller pool, or fewer invocations hungry for it, or no
// yield. Each edit
// is a new schedule; the one given is left as it was.

// withoutThrottle is s with its dequeues unthrottled; nil if they are.
func withoutThrottle(s *faults.Schedule) *faults.Schedule {
	if !s.Header.Node.Throttle.On() {
		return nil
	}
	c := &faults.Schedule{Header: s.Header, Entries: s.Entries}
	c.Header.Node.Throttle = invoker.Throttle{}
	return c
}

// withoutPool is s with no memory pool, and so with no invocation hungry
// for it and no yield; nil if it has none.
func withoutPool(s *faults.Schedule) *faults.Schedule {
	if !s.Header.Node.MemoryOn() {
		return nil
	}
	c := withHungry(s, hungryOf(s), nil)
	c.Header.Node.MemoryLimit, c.Header.Node.Yield = 0, invoker.YieldOff
	return c
}

// withoutYield is s with its attempts out of memory retried, not yielded;
// nil if they are.
func withoutYield(s *faults.Schedule) *faults.Schedule {
	if s.Header.Node.Yield == invoker.YieldOff {
		return nil
	}
	c := &faults.Schedule{Header: s.Header, Entries: s.Entries}
	c.Header.Node.Yield = invoker.YieldOff
	return c
}

// withPool sets s's memory pool to limit leases (lowest's set).
func withPool(s *faults.Schedule, limit int) { s.Header.Node.MemoryLimit = limit }

// withQuota sets s's quota (lowest's set).
func withQuota(s *faults.Schedule, quota int) { s.Header.Node.Quota = quota }

// withQueueLimit sets s's in-memory queue limit (lowest's set).
func withQueueLimit(s *faults.Schedule, limit int) { s.Header.Node.QueueLimit = limit }

// hungryOf are the indices of s's submits of hungry invocations.
func hungryOf(s *faults.Schedule) []int {
	var units []int
	for i, e := range s.Entries {
		if e.Op == faults.OpSend && e.Msg.Kind == invoker.MsgSubmit && e.Msg.Hungry {
			units = append(units, i)
		}
	}
	return units
}

// withHungry is s with only keep of its hungry submits (units) still
// hungry, and its header counting them.
func withHungry(s *faults.Schedule, units, keep []int) *faults.Schedule {
	kept := make(map[int]bool, len(keep))
	for _, i := range keep {
		kept[i] = true
	}
	out := &faults.Schedule{Header: s.Header, Entries: make([]faults.Entry, len(s.Entries))}
	copy(out.Entries, s.Entries)
	for _, i := range units {
		if !kept[i] {
			out.Entries[i].Msg.Hungry = false
		}
	}
	out.Header.Workload.Hungry = len(keep)
	return out
}
