package invoker

import "slices"

// HasPartitionAssertion is the assertion restatedev/restate#2543 hit.
const HasPartitionAssertion = "assertion failed: self.invocation_state_machine_manager.has_partition(partition)"

// handleInvoke is the dequeue arm's body.
func (iv *Invoker) handleInvoke(c InvokeCmd) {
	e := iv.event(KindDequeue, c.PLE, c.Inv)
	e.N = iv.queue.len
	iv.emit(e)
	// lib.rs handle_invoke before 0945fd155: debug_assert!(has_partition)
	coord, ok := iv.admit(c.PLE, c.Inv, iv.n.cfg.Variant == Buggy)
	if !ok {
		return
	}
	// The state machine is created New and started at once; New is never
	// seen outside this function, so it is not reported.
	m := iv.n.newISM(c.PLE, c.Inv)
	m.journal, m.token = c.Journal, c.Msg
	iv.reserveSlot(m)
	coord[c.Inv] = m
	iv.nISM++
	iv.start(m)
}

// admit is the coordinator an invoke of inv for ple starts a state machine
// in, or false when the invoke is dropped: its partition leader epoch is
// not registered (or, assertRegistered, the invoker panics), or inv
// already has a state machine.
func (iv *Invoker) admit(ple PLE, inv InvocationID, assertRegistered bool) (map[InvocationID]*ism, bool) {
	coord, registered := iv.parts.get(ple)
	if !registered {
		assert(!assertRegistered, HasPartitionAssertion, ple, inv)
		// restate#2547: trace and drop. The durable status still says
		// invoked, so the next leader re-invokes it.
		iv.stats.StaleInvokes++
		s := iv.event(KindStaleInvoke, ple, inv)
		s.Outcome = DroppedUnregistered
		iv.emit(s)
		return nil, false
	}
	if _, dup := coord[inv]; dup {
		// Unreachable from a correct partition processor; only a fault
		// duplicates an Invoke. The lab drops it rather than start a
		// second attempt (see README: what the model leaves out).
		iv.stats.DuplicateInvokes++
		s := iv.event(KindDuplicateInvoke, ple, inv)
		s.Outcome = DroppedDuplicate
		iv.emit(s)
		return nil, false
	}
	return coord, true
}

// handleVQInvoke is handle_vqueue_invoke (lib.rs:596-630 at 2c8e16c28^):
// the invocation bypasses the queue and the quota and starts at once,
// its state machine holding the scheduler's permit instead of a slot. Its
// has_partition check was there from the start: a VQInvoke for a
// partition leader epoch no longer registered is traced and dropped.
func (iv *Invoker) handleVQInvoke(c Envelope) {
	iv.emit(iv.event(KindVQInvoke, c.PLE, c.Inv))
	coord, ok := iv.admit(c.PLE, c.Inv, false)
	if !ok {
		iv.n.permitBack(c.ID, permitInFlight, c.PLE, c.Inv, PermitInvokeDropped)
		return
	}
	iv.n.permitStarted(c.ID)
	m := iv.n.newISM(c.PLE, c.Inv)
	m.journal, m.token, m.permit = c.Journal, c.ID, true
	m.failures = c.Attempt // the failures before a yield, if it yielded
	coord[c.Inv] = m
	iv.nISM++
	iv.nPermits++
	iv.start(m)
}

// start is start_invocation_task: a new attempt with a fresh journal tracker.
func (iv *Invoker) start(m *ism) {
	m.attempt++
	m.sent, m.acked = 0, 0
	m.timerFired, m.timerKey = false, 0
	t := iv.n.newTask(iv, m)
	m.task = t.id
	iv.stats.Started++
	from := m.state
	if m.attempt == 1 {
		from = ISMNone
	}
	iv.transition(m, from, ISMInFlight)
	m.notInvoked = t.notInvoked
	if t.hungry {
		// It asks for its second lease once it runs, after the loop's top
		// took what the queue wanted (growHungry).
		iv.hungryStarts = append(iv.hungryStarts, hungryStart{m, t.id})
		return
	}
	iv.taskStarted(m, t)
}

// taskStarted reports the attempt t of m under way, or failed by itself:
// its invocation no longer invoked, or, hungry, out of memory.
func (iv *Invoker) taskStarted(m *ism, t task) {
	e := iv.event(KindTaskStart, m.ple, m.inv)
	e.Task, e.Attempt, e.Index = t.id, m.attempt, t.base
	if t.notInvoked {
		// The task reads the durable status first; an invocation killed
		// while its Invoke was queued is no longer invoked, and the attempt
		// fails with NotInvoked, a transient error like any other: it is
		// retried, holding its slot, until the partition steps down (the
		// shape of restatedev/restate#3217), except in a variant that gives
		// up on it (handleFailure). Its caller plays nothing.
		e.Outcome = TaskNotInvoked
		iv.emit(e)
		iv.n.TaskOutput(t.id, OutFailedTransient)
		return
	}
	if t.hungry && !t.grown {
		// Its request outgrows the initial lease and the node's pool has
		// no more: the task asks to yield (ShouldYield, PoolExhausted)
		// before it reaches the service. Its caller plays nothing.
		e.Outcome = TaskOutOfMemory
		iv.emit(e)
		iv.n.TaskOutput(t.id, OutOutOfMemory)
		return
	}
	iv.emit(e)
}

// endTask marks a task finished or aborted; it is joined from then on.
func (iv *Invoker) endTask(id TaskID, why Outcome) {
	i, ok := iv.findTask(id)
	if !ok {
		return
	}
	t := iv.liveTasks[i]
	iv.liveTasks = slices.Delete(iv.liveTasks, i, i+1)
	if why == EndAborted {
		iv.joinable.push(joinable{t: t}) // cancelled: join_next yields it
	}
	e := iv.event(KindTaskEnd, t.ple, t.inv)
	e.Task, e.Attempt, e.Outcome = t.id, t.attempt, why
	iv.emit(e)
}
