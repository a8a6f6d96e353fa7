package invoker

import "time"

// LogRoundTrip is how long a Yield effect takes to come back to its
// partition processor through the log. The lab applies every other effect
// the moment it arrives, as if the log took no time; a yielded invocation
// is invoked again at once, though, and would loop at one instant
// (dequeued, out of memory, yielded, invoked) with virtual time standing
// still. Restate's loop goes through Bifrost each time around; the lab
// gives that a millisecond. Later effects of the same invoker for the same
// partition wait behind it, as they would in the log.
const LogRoundTrip = time.Millisecond

// yield is handle_invocation_task_should_yield for an exhausted pool with
// the experimental yield on: the state machine goes, and its lease and
// slot with it, and the partition processor is asked to invoke it again.
func (iv *Invoker) yield(m *ism) {
	iv.remove(m, EndYielded)
	iv.releaseCheckedSlot(m)
	iv.propose(m, EffYield, 0, iv.n.now+LogRoundTrip)
}
