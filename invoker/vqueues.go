package invoker

import "time"

// The vqueue scheduler, as far as the lab models it (Config.VQueues). With
// vqueues a partition's leader does not send an invocation to the invoker
// when it is invoked: the invocation waits in its partition's vqueue
// until the scheduler grants it a permit of the node's concurrency limit
// (with vqueues, concurrent-invocations-limit holds per node, not per
// invoker: the lab's Config.Quota), and the leader then sends VQInvoke.
// The permit goes with the invocation's state machine, or with the
// VQInvoke itself if that never starts one: dropped as stale, lost on the
// way or left on a channel nobody reads. The real scheduler's fairness
// (deficit round robin over vqueues, through the log), memory and
// throttling are left out: it takes one invocation of each leading
// partition in turn, in the order they were invoked.

// permitState is where a granted permit is.
type permitState uint8

const (
	permitNone permitState = iota
	// permitInFlight: its VQInvoke is on the way, or on the invoker's
	// input channel.
	permitInFlight
	// permitHeld: the state machine the VQInvoke started holds it.
	permitHeld
)

// vqScheduler is the node's permits.
type vqScheduler struct {
	limit, inUse int
	// permits are those granted, by their VQInvoke's message id (which
	// is also the state machine's token).
	permits map[uint64]permitState
	// next is the partition whose turn is next.
	next int
	// due: a permit came back or an invocation began to wait since the
	// scheduler last ran.
	due bool
}

func (n *Node) vqueuesOn() bool { return n.cfg.VQueues != VQueuesOff }

// resetPermits empties the scheduler for a node of n.cfg, as a process
// starts (New, Restart): no permit granted.
func (n *Node) resetPermits() {
	permits := n.vq.permits
	clear(permits)
	if permits == nil && n.vqueuesOn() {
		permits = map[uint64]permitState{}
	}
	n.vq = vqScheduler{limit: n.cfg.Quota, permits: permits}
}

// wait puts inv in its partition's vqueue, once, for the scheduler to
// run: in place of an Invoke. Its current invoke is over, so its
// fencing token is none until it runs again.
func (pp *partitionProcessor) wait(inv InvocationID, r *record, journal bool) {
	// A wake for a park that ends here would put it in the vqueue again;
	// one that came before its Yield (woken) still waits for it.
	r.token = 0
	if len(pp.parked) > 0 {
		delete(pp.parked, inv)
	}
	// Waiting already (since before a step-down, say), it may run now.
	pp.n.vq.due = true
	if r.waiting {
		r.vqJournal = r.vqJournal || journal
		return
	}
	r.waiting, r.vqJournal = true, journal
	pp.vqueue.push(inv)
	e := pp.event(KindVQWait, inv)
	e.N = pp.vqueue.len()
	pp.n.emit(e)
}

// runScheduler grants what permits are free, if one came back or an
// invocation began to wait since it last ran. The node's entry points run
// it last, so that a permit freed or an invocation invoked in a step is
// granted within it.
func (n *Node) runScheduler() {
	if n.vq.due {
		n.grantPermits()
	}
}

// grantPermits grants what permits are free, round robin over the
// partitions that lead, to the invocations that have waited longest in
// each; those no longer invoked (killed, paused) leave the vqueue without
// one.
func (n *Node) grantPermits() {
	if n.down {
		return
	}
	n.vq.due = false
	for n.vq.inUse < n.vq.limit {
		pp := n.nextWaiting()
		if pp == nil {
			return
		}
		inv := pp.vqueue.pop()
		r := pp.records[inv]
		r.waiting = false
		if r.status != StatusInvoked {
			continue
		}
		n.vq.inUse++
		e := pp.event(KindVQRun, inv)
		e.N, e.M = n.vq.inUse, n.vq.limit
		n.emit(e)
		m := pp.toInvoker(MsgInvoke, inv)
		m.Journal, m.Permit = r.vqJournal, true
		if len(pp.retried) > 0 {
			// The failures before a yield, which its next attempt's retry
			// policy goes on from (the permit's retry_attempts).
			m.Attempt = pp.retried[inv]
			delete(pp.retried, inv)
		}
		m = n.send(m)
		r.token = m.ID
		n.vq.permits[m.ID] = permitInFlight
	}
}

// nextWaiting is the leading partition whose turn it is and that has an
// invocation waiting, or nil.
func (n *Node) nextWaiting() *partitionProcessor {
	for range n.pps {
		pp := n.pps[n.vq.next]
		n.vq.next = (n.vq.next + 1) % len(n.pps)
		if pp.leader && pp.vqueue.len() > 0 {
			return pp
		}
	}
	return nil
}

// permitStarted: the VQInvoke id started a state machine, which holds its
// permit from now on (unless a copy of it already did).
func (n *Node) permitStarted(id uint64) {
	if n.vq.permits[id] == permitInFlight {
		n.vq.permits[id] = permitHeld
	}
}

// permitBack returns permit id of inv at ple if it is where from says: a
// state machine that held it ended (why none), or a VQInvoke that
// carried it started none (why says how).
func (n *Node) permitBack(id uint64, from permitState, ple PLE, inv InvocationID, why Outcome) {
	if n.vq.permits[id] != from || from == permitNone {
		return
	}
	delete(n.vq.permits, id)
	n.vq.inUse--
	n.vq.due = true
	e := n.pps[ple.Partition].event(KindVQPermit, inv)
	e.Epoch, e.MsgID, e.Outcome, e.N, e.M = ple.Epoch, id, why, n.vq.inUse, n.vq.limit
	n.emit(e)
}

// invokeLost returns the permit of a VQInvoke m that will never be read:
// lost on the way (PermitInvokeLost), or left on a channel (unread).
func (n *Node) invokeLost(m Envelope, why Outcome) {
	if m.Kind == MsgInvoke && m.Permit {
		n.permitBack(m.ID, permitInFlight, m.PLE, m.Inv, why)
	}
}

// dropInput returns the permits of the VQInvokes left on iv's input
// channel, which its loop will never read: it exited, died or ended with
// its term.
func (iv *Invoker) dropInput() {
	for i := range iv.input.len() {
		iv.n.invokeLost(iv.input.at(i), PermitInvokeUnread)
	}
}

// retryViaScheduler is OnTaskError::RetryViaScheduler (f186a53bc): the
// attempt's next backoff is at least Config.YieldThreshold, so its state
// machine goes, its permit back to the scheduler, and a Yield effect
// tells the leader, whose scheduler runs the invocation again once the
// backoff is over. The Yield carries the failures so far (retry_attempts)
// for the next state machine to go on from (retry_iter.fast_forward), and
// the token of the invoke that yielded. The lab plays the scheduler's
// timer as a message, a vqueue-wake due then, keyed by that invoke.
func (iv *Invoker) retryViaScheduler(m *ism, backoff time.Duration) {
	iv.remove(m, EndRetryViaScheduler)
	y := iv.effect(m, EffYield, int(m.token), iv.n.now+LogRoundTrip)
	y.Attempt = m.failures
	iv.proposeEffect(m, y)
	iv.n.send(Envelope{Kind: MsgVQWake, Invoker: iv.id, PLE: m.ple, Inv: m.inv, Due: iv.n.now + backoff, Key: m.token})
}

// park holds inv, whose invoke token yielded to retry via the scheduler,
// out of its vqueue until the scheduler's wake for that invoke; a wake
// that came first puts it back at once. The token is the Yield's own, not
// the partition's current one, which a plan's duplicated effect may have
// moved on to a copy dropped as a duplicate.
func (pp *partitionProcessor) park(inv InvocationID, r *record, token uint64, failures int) {
	if pp.retried == nil {
		pp.retried = map[InvocationID]int{}
	}
	pp.retried[inv] = failures
	if token != 0 && pp.woken[inv] == token {
		delete(pp.woken, inv)
		pp.wait(inv, r, false)
		return
	}
	if pp.parked == nil {
		pp.parked = map[InvocationID]uint64{}
	}
	pp.parked[inv] = token
}

// woke is the scheduler's wake for invoke token of inv: its backoff is
// over, and it waits for a permit again. A wake before its Yield is kept
// for it; one whose invoke yielded long ago matches no Yield, and stays
// without effect.
func (pp *partitionProcessor) woke(inv InvocationID, token uint64) {
	r := pp.records[inv]
	switch {
	case r == nil || token == 0:
	case pp.parked[inv] == token:
		delete(pp.parked, inv)
		if r.status == StatusInvoked && pp.leader {
			pp.wait(inv, r, false)
		}
	default:
		if pp.woken == nil {
			pp.woken = map[InvocationID]uint64{}
		}
		pp.woken[inv] = token
	}
}

// WaitsForPermit reports whether invocation inv of partition p waits in
// its vqueue for a permit.
func (n *Node) WaitsForPermit(p PartitionID, inv InvocationID) bool {
	if p < 0 || int(p) >= len(n.pps) {
		return false
	}
	r := n.pps[p].records[inv]
	return r != nil && r.waiting
}

// Permits is the node's vqueue permits in use and its limit (both 0
// without vqueues).
func (n *Node) Permits() (inUse, limit int) {
	if !n.vqueuesOn() {
		return 0, 0
	}
	return n.vq.inUse, n.vq.limit
}
