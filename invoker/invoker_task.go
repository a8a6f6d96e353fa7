package invoker

// handleTaskOutput is the task arm. Outputs are routed by (partition leader
// epoch, invocation id), as in the real invoker: an output of an aborted
// attempt finds no state machine and is ignored.
func (iv *Invoker) handleTaskOutput(o Envelope) {
	e := iv.event(KindTaskOutput, o.PLE, o.Inv)
	e.Task, e.Attempt, e.Output, e.Index = o.Task, o.Attempt, o.Output, o.Index
	m := iv.lookup(o.PLE, o.Inv)
	switch {
	case m == nil:
		e.Outcome = IgnoredNoStateMachine
	case iv.n.cfg.Variant.PerTerm() && o.Key != m.token:
		// is_stale_fencing_token: the output of an earlier invoke's
		// attempt, still draining out of the channel.
		e.Outcome = IgnoredStaleToken
	case m.state != ISMInFlight:
		// Only a duplicated or overtaken output gets here; the Rust code
		// would trip a debug assertion (notify_new_command, #538).
		e.Outcome = IgnoredNotInFlight
	}
	if e.Outcome != OutcomeNone {
		iv.emit(e)
		return
	}
	iv.emit(e)
	switch o.Output {
	case OutEntry:
		m.sent = max(m.sent, o.Index)
		iv.sendEffect(m, EffJournalEntry, o.Index)
	case OutClosed:
		iv.remove(m, EndClosed)
		iv.releaseCheckedSlot(m)
		iv.sendEffect(m, EffEnd, 0)
	case OutSuspended:
		iv.remove(m, EndSuspended)
		iv.releaseSlot(m)
		if m.pauseRequested {
			iv.sendEffect(m, EffPaused, 0)
		} else {
			iv.sendEffect(m, EffSuspended, 0)
		}
	case OutOutOfMemory:
		// handle_invocation_task_should_yield for an exhausted pool
		// (lib.rs:1365-1430 at 0c6df0fcc): with the experimental yield
		// off, Restate's default, a transient error like any other,
		// retried while the state machine keeps its lease and its slot.
		if iv.n.cfg.Yield == YieldOn {
			iv.yield(m)
			return
		}
		iv.handleFailure(m)
	case OutFailedTransient:
		iv.handleFailure(m)
	}
}

// handleFailure is handle_error_event (lib.rs:1088): every error is
// transient, so the attempt waits for a retry timer while keeping its slot;
// only a retry policy with a bound (not Restate's default) ends the
// invocation as failed.
func (iv *Invoker) handleFailure(m *ism) {
	if m.pauseRequested {
		iv.remove(m, EndPaused)
		iv.releaseSlot(m)
		iv.sendEffect(m, EffPaused, 0)
		return
	}
	if m.notInvoked && iv.n.cfg.Variant.GivesUpNotInvoked() {
		// The partition processor drops the Failed effect: the invocation
		// already ended there (killed).
		iv.remove(m, EndNotInvoked)
		iv.releaseSlot(m)
		iv.sendEffect(m, EffFailed, 0)
		return
	}
	m.failures++
	backoff, retry := iv.n.cfg.Retry.Backoff(m.failures)
	if !retry {
		iv.remove(m, EndRetriesExhausted)
		iv.releaseSlot(m)
		iv.sendEffect(m, EffFailed, 0)
		return
	}
	if t := iv.n.cfg.YieldThreshold; m.permit && t > 0 && backoff >= t {
		iv.retryViaScheduler(m, backoff)
		return
	}
	iv.transition(m, m.state, ISMWaitingRetry)
	m.timerFired = false
	iv.nextKey++
	m.timerKey = iv.nextKey
	due := iv.n.now + backoff
	e := iv.event(KindRetry, m.ple, m.inv)
	e.Attempt, e.Due = m.attempt, due
	iv.emit(e)
	iv.n.send(Envelope{Kind: MsgTimer, Invoker: iv.id, PLE: m.ple, Inv: m.inv,
		Attempt: m.attempt, Due: due, Key: m.timerKey})
}

// handleTimer is the timer arm. A keyed timer acts only on the wait that
// set it; any other is stale and ignored. An unkeyed one acts on whatever
// state machine its invocation has now (staleTimer).
func (iv *Invoker) handleTimer(t Envelope) {
	e := iv.event(KindTimerFired, t.PLE, t.Inv)
	e.Attempt, e.Due = t.Attempt, t.Due
	m := iv.lookup(t.PLE, t.Inv)
	own := m != nil && m.state == ISMWaitingRetry && m.timerKey == t.Key
	if !own && m != nil && iv.n.cfg.RetryTimers == RetryTimersUnkeyed {
		e.Outcome = staleTimer(m)
	} else if !own || m.timerFired {
		e.Outcome = IgnoredStaleTimer
	}
	if e.Outcome.Ignored() {
		iv.emit(e)
		return
	}
	m.timerFired = true
	iv.emit(e)
	iv.maybeRetry(m)
}

// staleTimer is what notify_retry_timer_fired did before f681676dc with a
// timer another wait set: it debug-asserts WaitingRetry, and sets
// timer_fired on whatever wait it finds.
func staleTimer(m *ism) Outcome {
	switch {
	case m.state != ISMWaitingRetry:
		return IgnoredStaleTimerInFlight
	case m.timerFired:
		return IgnoredStaleTimer
	}
	return StaleTimerRetried
}

// maybeRetry starts the next attempt once the timer fired and every entry
// the previous attempt sent was acknowledged.
func (iv *Invoker) maybeRetry(m *ism) {
	if m.readyToRetry() {
		iv.start(m)
	}
}
