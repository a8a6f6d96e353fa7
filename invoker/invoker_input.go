package invoker

// handleInput is the input arm: Invoke goes into the segmented queue (the
// reordering point); every other command is handled at once.
func (iv *Invoker) handleInput(c Envelope) {
	switch c.Kind {
	case MsgRegister:
		iv.handleRegister(c)
	case MsgInvoke:
		if c.Permit {
			iv.handleVQInvoke(c)
			return
		}
		iv.stats.Enqueued++
		e := iv.event(KindEnqueue, c.PLE, c.Inv)
		e.N = iv.queue.len + 1
		iv.emit(e)
		iv.queue.enqueue(InvokeCmd{PLE: c.PLE, Inv: c.Inv, Msg: c.ID, Journal: c.Journal})
	case MsgAbort:
		iv.handleAbort(c)
	case MsgAbortAll:
		iv.handleAbortAll(c.PLE)
	case MsgAck:
		iv.handleAck(c)
	case MsgCompletion:
		e := iv.event(KindCompletion, c.PLE, c.Inv)
		e.Index = c.Index
		if m := iv.lookup(c.PLE, c.Inv); m == nil || m.state != ISMInFlight {
			e.Outcome = DroppedNoTaskInFlight
		}
		iv.emit(e)
	case MsgRetryNow:
		iv.handleRetryNow(c)
	case MsgPause:
		iv.handlePause(c)
	}
}

// handleRegister inserts the coordinator for a partition leader epoch. Like
// register_partition it overwrites an existing one: the state machines it held
// are forgotten, their tasks keep running and their slots stay reserved.
func (iv *Invoker) handleRegister(c Envelope) {
	old, _ := iv.parts.get(c.PLE)
	e := iv.event(KindRegister, c.PLE, "")
	if len(old) > 0 {
		e.N = len(old)
		e.Outcome = RegistrationOverwrote
		for _, m := range sortedISMs(old) {
			iv.remove(m, EndRegistrationOverwritten)
		}
	}
	iv.register(c.PLE)
	iv.emit(e)
}

func (iv *Invoker) handleAbort(c Envelope) {
	e := iv.event(KindAbort, c.PLE, c.Inv)
	m := iv.lookup(c.PLE, c.Inv)
	if m == nil {
		// The known gap of restate#411: an abort finds nothing while the
		// Invoke still waits in the queue.
		e.Outcome = IgnoredNoStateMachine
		iv.emit(e)
		if iv.n.cfg.Variant == Graceful {
			iv.purge(c.PLE, func(q InvokeCmd) bool { return q.PLE == c.PLE && q.Inv == c.Inv })
		}
		return
	}
	iv.emit(e)
	iv.abortISM(m, EndAborted)
}

// handleAbortAll is handle_abort_partition: remove the partition leader
// epoch and abort its state machines, freeing their slots. Queued invokes of
// that epoch stay queued, except in the graceful variant.
func (iv *Invoker) handleAbortAll(ple PLE) {
	e := iv.event(KindAbortAll, ple, "")
	coord, ok := iv.parts.get(ple)
	if !ok {
		e.Outcome = IgnoredNoPartition
	}
	e.N = len(coord)
	iv.emit(e)
	for _, m := range sortedISMs(coord) {
		iv.abortISM(m, EndPartitionAborted)
	}
	iv.unregister(ple)
	if iv.n.cfg.Variant == Graceful {
		iv.purge(ple, func(q InvokeCmd) bool { return q.PLE == ple })
	}
}

// abortISM removes a state machine, aborts its task and frees its slot.
func (iv *Invoker) abortISM(m *ism, why Outcome) {
	if m.state == ISMInFlight {
		iv.endTask(m.task, EndAborted)
	}
	iv.remove(m, why)
	iv.releaseSlot(m)
}

func (iv *Invoker) purge(ple PLE, drop func(InvokeCmd) bool) {
	n := iv.queue.purge(drop)
	if n == 0 {
		return
	}
	iv.stats.Purged += n
	e := iv.event(KindPurge, ple, "")
	e.N = n
	iv.emit(e)
}

func (iv *Invoker) handleAck(c Envelope) {
	e := iv.event(KindAck, c.PLE, c.Inv)
	e.Index = c.Index
	m := iv.lookup(c.PLE, c.Inv)
	if m == nil {
		e.Outcome = IgnoredNoStateMachine
		iv.emit(e)
		return
	}
	m.acked = max(m.acked, c.Index)
	iv.emit(e)
	iv.maybeRetry(m)
}

// handleRetryNow acts as if the retry timer fired.
func (iv *Invoker) handleRetryNow(c Envelope) {
	e := iv.event(KindRetryNow, c.PLE, c.Inv)
	m := iv.lookup(c.PLE, c.Inv)
	if m == nil || m.state != ISMWaitingRetry {
		e.Outcome = IgnoredNotWaitingRetry
		iv.emit(e)
		return
	}
	m.timerFired = true
	m.timerKey = 0 // the pending timer is cancelled
	iv.emit(e)
	iv.maybeRetry(m)
}

// handlePause pauses at once when no attempt is in flight; otherwise the
// attempt's next failure or suspension becomes a pause. A pause at once
// keeps the slot for ever where the node leaks paused slots (#4468). A
// VQInvoke's state machine has no slot to keep or give back: #4520's
// unguarded release was on the other paths, not this one.
func (iv *Invoker) handlePause(c Envelope) {
	e := iv.event(KindPause, c.PLE, c.Inv)
	m := iv.lookup(c.PLE, c.Inv)
	switch {
	case m == nil:
		e.Outcome = IgnoredNoStateMachine
		iv.emit(e)
	case m.state == ISMInFlight:
		m.pauseRequested = true
		e.Outcome = PauseDeferred
		iv.emit(e)
	default:
		leak := iv.n.cfg.PausedSlots == PausedSlotsLeaked && !m.permit
		if leak {
			e.Outcome = PauseSlotLeaked
		}
		iv.emit(e)
		iv.remove(m, EndPaused)
		if !leak {
			iv.releaseCheckedSlot(m)
		}
		iv.sendEffect(m, EffPaused, 0)
	}
}
