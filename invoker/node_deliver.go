package invoker

// Messages reaching the node: handed to their receiver, or lost, as a
// channel whose receiver is gone loses them.

// Deliver hands a message to its receiver. A receiver that is gone (an
// invoker that exited or died, an earlier incarnation) loses it, as a send
// on a closed channel does.
func (n *Node) Deliver(m Envelope) {
	n.cause = m.ID
	defer func() {
		n.runScheduler()
		n.cause = 0
	}()
	if n.down {
		n.undeliverable(m, UndeliverableNodeDown, InvokerNone)
		return
	}
	if p := m.PLE.Partition; p >= PartitionID(len(n.pps)) || (p < 0 && m.Kind != MsgStopIngress &&
		m.Kind != MsgCancel && m.Kind != MsgJoin && m.Kind != MsgCleanup && m.Kind != MsgSegmentLoaded && m.Kind != MsgThrottleWake) {
		n.undeliverable(m, UndeliverableNoPartition, InvokerNone)
		return
	}
	switch {
	case m.Kind.IsInput(), m.Kind == MsgTaskOutput, m.Kind == MsgTimer:
		iv := n.receiver(m)
		if iv == nil {
			return
		}
		switch {
		case m.Kind == MsgTaskOutput:
			iv.taskOut.push(m)
			if m.Output.Final() {
				iv.lastOutputArrived(m.Task)
			}
		case m.Kind == MsgTimer:
			iv.timers.push(m)
		default:
			iv.input.push(m)
		}
	case m.Kind == MsgSegmentLoaded:
		if iv := n.receiver(m); iv != nil {
			iv.segmentLoaded(m)
		}
	case m.Kind == MsgThrottleWake:
		if iv := n.receiver(m); iv != nil {
			iv.throttleWoke(m)
		}
	case m.Kind == MsgEffect:
		if iv := n.sameIncarnation(m); iv != nil {
			iv.effectDone(m.ID)
		}
		n.pps[m.PLE.Partition].applyEffect(m)
	case m.Kind == MsgInvokerExit:
		n.pps[m.PLE.Partition].noticeExit(m)
	case m.Kind == MsgBecomeLeader:
		n.pps[m.PLE.Partition].becomeLeader(m.PLE.Epoch)
	case m.Kind == MsgStepDown:
		n.pps[m.PLE.Partition].stepDown(StepDownRequested)
	case m.Kind == MsgSubmit:
		n.pps[m.PLE.Partition].submit(m.Inv, m.Hungry)
	case m.Kind == MsgKill:
		n.pps[m.PLE.Partition].kill(m.Inv)
	case m.Kind == MsgUserPause:
		n.pps[m.PLE.Partition].forward(MsgPause, m.Inv)
	case m.Kind == MsgResume:
		n.pps[m.PLE.Partition].resume(m.Inv)
	case m.Kind == MsgUserRetryNow:
		n.pps[m.PLE.Partition].forward(MsgRetryNow, m.Inv)
	case m.Kind == MsgVQWake:
		n.pps[m.PLE.Partition].woke(m.Inv, m.Key)
	case m.Kind == MsgStopIngress:
		n.ingressOpen = false
		n.emit(Event{Kind: KindStopIngress, Incarnation: n.incarnation, Invoker: NoInvoker, Partition: NoPartition})
	case m.Kind == MsgCancel, m.Kind == MsgJoin, m.Kind == MsgCleanup:
		iv := n.sameIncarnation(m)
		if iv == nil {
			n.undeliverable(m, UndeliverableEarlierIncarnation, InvokerNone)
			return
		}
		switch m.Kind {
		case MsgCancel:
			iv.cancel()
		case MsgJoin:
			iv.join()
		default:
			iv.cleanup()
		}
	}
}

// Lose tells the node a message will never arrive, so a bounded channel
// gets its place back.
func (n *Node) Lose(m Envelope) {
	n.invokeLost(m, PermitInvokeLost)
	defer n.runScheduler()
	iv := n.sameIncarnation(m)
	switch {
	case iv == nil:
	case m.Kind == MsgEffect:
		iv.effectDone(m.ID)
	case m.Kind == MsgTaskOutput && m.Output.Final():
		// The task returned all the same: join_next has it.
		iv.lastOutputArrived(m.Task)
	}
}

func (n *Node) sameIncarnation(m Envelope) *Invoker {
	if m.Incarnation != n.incarnation || m.Invoker < 0 || m.Invoker >= len(n.invokers) {
		return nil
	}
	return n.invokers[m.Invoker]
}

// receiver is the running invoker a message is for, or nil after reporting
// it undeliverable.
func (n *Node) receiver(m Envelope) *Invoker {
	iv := n.sameIncarnation(m)
	switch {
	case iv == nil:
		n.undeliverable(m, UndeliverableEarlierIncarnation, InvokerNone)
	case iv.state != InvokerRunning:
		n.undeliverable(m, UndeliverableInvokerStopped, iv.state)
	case iv.term != 0 && m.PLE.Epoch != iv.term:
		// For an earlier term's invoker, whose channels ended with it.
		n.undeliverable(m, UndeliverableEarlierTerm, InvokerNone)
	default:
		return iv
	}
	return nil
}

func (n *Node) undeliverable(m Envelope, why Outcome, state InvokerState) {
	e := MsgEvent(KindUndelivered, m)
	e.Outcome, e.From = why, State(state)
	n.emit(e)
	n.invokeLost(m, PermitInvokeLost)
}

// receiving reports whether the effect receiver of a leader epoch exists.
func (n *Node) receiving(ple PLE) bool {
	pp := n.pps[ple.Partition]
	return pp.leader && pp.epoch == ple.Epoch
}
