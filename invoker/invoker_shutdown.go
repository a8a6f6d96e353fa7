package invoker

// cancel signals the invoker's cancellation watcher. The shutdown arm becomes
// ready; in the graceful variant dequeuing also stops at once.
func (iv *Invoker) cancel() {
	e := iv.plainEvent(KindCancel)
	e.From = State(iv.state)
	switch {
	case iv.cancelled:
		e.Outcome = IgnoredAlreadyCancelled
	case iv.state != InvokerRunning:
		e.Outcome = IgnoredInvokerState
	default:
		iv.cancelCause = iv.n.cause
	}
	iv.cancelled = true
	iv.emit(e)
}

// handleShutdown is the shutdown arm: handle_shutdown aborts the state
// machines of every registered partition; then the loop breaks and the
// segmented queue, a local of run(), is dropped with whatever it held.
func (iv *Invoker) handleShutdown() {
	aborted := 0
	for _, ple := range iv.sortedPLEs() {
		coord, _ := iv.parts.get(ple)
		aborted += len(coord)
		for _, m := range sortedISMs(coord) {
			iv.abortISM(m, EndShutdown)
		}
		iv.unregister(ple)
	}
	iv.pending = nil
	e := iv.plainEvent(KindShutdown)
	e.N, e.M = aborted, iv.queue.discard()
	e.From, e.To = State(iv.state), State(InvokerExited)
	iv.state = InvokerExited
	iv.emit(e)
	iv.dropInput()
}

// join is invocation_tasks.shutdown(): abort every task still running and
// wait for all of them.
func (iv *Invoker) join() {
	e := iv.plainEvent(KindJoined)
	e.From = State(iv.state)
	switch iv.state {
	case InvokerExited, InvokerDead:
		e.N = len(iv.liveTasks)
		iv.abortAllTasks(EndJoined)
		if iv.state == InvokerExited {
			iv.state = InvokerJoined
		}
	default:
		e.Outcome = IgnoredInvokerState
	}
	e.To = State(iv.state)
	iv.emit(e)
}

// abandonAll ends every task and removes every state machine, as a
// panic, a process abort or a restart does: tasks first, in id order, then
// state machines by term and invocation.
func (iv *Invoker) abandonAll(why Outcome) {
	iv.abortAllTasks(why)
	for _, ple := range iv.sortedPLEs() {
		coord, _ := iv.parts.get(ple)
		for _, m := range sortedISMs(coord) {
			iv.remove(m, why)
		}
	}
}

func (iv *Invoker) abortAllTasks(why Outcome) {
	for len(iv.liveTasks) > 0 { // in id order
		iv.endTask(iv.liveTasks[0].id, why)
	}
}

// cleanup removes the spill directory, in the graceful variant only (see
// Variant.RemovesSpill). It needs the loop to be over; a dead invoker
// stays dead.
func (iv *Invoker) cleanup() {
	e := iv.plainEvent(KindSpillRemoved)
	e.From, e.To = State(iv.state), State(iv.state)
	if !iv.n.cfg.RemovesSpill() {
		e.Outcome = IgnoredNoSpillCleanup
		iv.emit(e)
		return
	}
	if iv.state != InvokerJoined && iv.state != InvokerDead {
		e.Outcome = IgnoredInvokerState
		iv.emit(e)
		return
	}
	if ids, err := iv.queue.store.Segments(); err == nil {
		e.N = len(ids)
	}
	if err := iv.queue.store.Remove(); err != nil {
		e.Reason = err.Error()
		iv.emit(e)
		return
	}
	if iv.state == InvokerJoined {
		iv.state = InvokerClosed
	}
	e.To = State(iv.state)
	iv.emit(e)
}

// die is the panic: the assertion message is recorded, the invoker task is
// gone, and with it its queue, its state machines and (dropped with the
// JoinSet) its invocation tasks. Then the whole process aborts, or, with
// the #4103 watch, the partition processors it serves are told; unwound
// alone (PanicUnwinds), it tells no one.
func (iv *Invoker) die(a assertionError) {
	iv.panicMsg = a.msg
	e := iv.event(KindPanic, a.ple, a.inv)
	e.Reason = a.msg
	e.N, e.M = iv.nISM, iv.queue.discard()
	e.From, e.To = State(iv.state), State(InvokerDead)
	iv.emit(e)
	iv.state = InvokerDead
	iv.abandonAll(EndInvokerDied)
	iv.dropInput()
	iv.dropParts()
	iv.quota.used = 0 // the slots died with the state machines that held them
	iv.pending = nil
	switch iv.n.cfg.OnPanic {
	case PanicAbortsNode:
		iv.n.abort(iv)
		return
	case PanicUnwinds:
		return
	}
	for _, p := range iv.serves {
		iv.n.send(Envelope{Kind: MsgInvokerExit, Invoker: iv.id, PLE: PLE{Partition: p}})
	}
}
