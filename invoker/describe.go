package invoker

import (
	"fmt"
	"strings"
)

// String describes the event in one line. It is the one describer used by
// the event log, the golden tests and the terminal UI.
func (e Event) String() string {
	var b strings.Builder
	if who := e.who(); who != "" {
		b.WriteString(who)
		b.WriteString(": ")
	}
	b.WriteString(e.what())
	if !detailInline(e.Kind) {
		for _, s := range [...]string{e.outcome(), e.Reason} {
			if s != "" {
				b.WriteString(": ")
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

// detailInline lists the kinds whose description places the outcome and the
// reason itself.
func detailInline(k Kind) bool {
	switch k {
	case KindStepDown, KindStatus, KindTaskEnd, KindPanic, KindViolation, KindPhase, KindRun, KindControl, KindISM,
		KindSpillFailed, KindLoadFailed, KindLoad,
		KindFaultDelay, KindFaultDrop, KindFaultDuplicate, KindFaultReorder:
		return true
	}
	return false
}

// outcome is the outcome in words, with the state it names filled in.
func (e Event) outcome() string {
	t := e.Outcome.text()
	if strings.Contains(t, "%s") {
		return fmt.Sprintf(t, KindInfo(e.Kind).States.Name(e.From))
	}
	return t
}

func (e Event) invokerName() string {
	if e.Incarnation > 0 {
		return fmt.Sprintf("invoker%d@%d", e.Invoker, e.Incarnation)
	}
	return fmt.Sprintf("invoker%d", e.Invoker)
}

func (e Event) who() string {
	switch KindInfo(e.Kind).Actor {
	case ActorPartition:
		return fmt.Sprintf("p%d", e.Partition)
	case ActorNode:
		return "node"
	case ActorMessage:
		return "msg"
	case ActorFault:
		return "fault"
	case ActorChecker:
		return "VIOLATION"
	case ActorSim:
		return "sim"
	case ActorInvoker:
		return e.invokerName()
	}
	return ""
}

func (e Event) what() string {
	ple := e.PLE()
	switch e.Kind {
	case KindLeader:
		if e.Outcome != OutcomeNone {
			return fmt.Sprintf("become-leader at epoch %d", e.Epoch)
		}
		return fmt.Sprintf("leader at epoch %d, re-invoking %d", e.Epoch, e.N)
	case KindStepDown:
		return fmt.Sprintf("stepped down from epoch %d (%s)", e.Epoch, e.outcome())
	case KindAccepted:
		return fmt.Sprintf("accepted %s", e.Inv)
	case KindRejected:
		return fmt.Sprintf("rejected %s", e.Inv)
	case KindStatus:
		why := e.outcome()
		if e.Outcome == OutcomeNone {
			why = e.Effect.String()
		}
		return fmt.Sprintf("%s %s -> %s (%s)", e.Inv, Status(e.From), Status(e.To), why)
	case KindJournal:
		return fmt.Sprintf("stored %s entry #%d, ack sent", e.Inv, e.Index)
	case KindEffectDropped:
		return fmt.Sprintf("dropped %s", e.Envelope())
	case KindExitNoticed:
		return fmt.Sprintf("noticed invoker%d died", e.Invoker)
	case KindStopIngress:
		return "ingress stopped"
	case KindNodeAbort:
		return fmt.Sprintf("process aborted on invoker%d's panic (panic = \"abort\"): every invoker, task and partition processor stopped", e.Invoker)
	case KindRestart:
		if e.N > 0 {
			return fmt.Sprintf("restarted, incarnation %d; the shared tmp-dir's %d segment files deleted", e.Incarnation, e.N)
		}
		return fmt.Sprintf("restarted, incarnation %d", e.Incarnation)
	case KindSent:
		return fmt.Sprintf("#%d %s %s", e.MsgID, e.route(), e.Envelope())
	case KindUndelivered:
		if e.MsgID == 0 {
			return fmt.Sprintf("%s %s not sent", e.route(), e.Envelope())
		}
		return fmt.Sprintf("#%d %s %s undeliverable", e.MsgID, e.route(), e.Envelope())
	case KindRegister:
		return fmt.Sprintf("registered %s", ple)
	case KindTermBegin:
		switch {
		case e.Outcome != OutcomeNone:
			return fmt.Sprintf("term %s", ple)
		case e.N > 0:
			return fmt.Sprintf("term %s began: a new invoker; its queue's start deleted the shared tmp-dir's %d segment files", ple, e.N)
		}
		return fmt.Sprintf("term %s began: a new invoker", ple)
	case KindEnqueue:
		return fmt.Sprintf("queued invoke %s %s (queue %d)", ple, e.Inv, e.N)
	case KindAbort:
		return fmt.Sprintf("abort %s %s", ple, e.Inv)
	case KindAbortAll:
		return fmt.Sprintf("abort-all %s, %d aborted", ple, e.N)
	case KindAck:
		return fmt.Sprintf("ack %s %s #%d", ple, e.Inv, e.Index)
	case KindCompletion:
		return fmt.Sprintf("completion %s %s #%d", ple, e.Inv, e.Index)
	case KindRetryNow:
		return fmt.Sprintf("retry-now %s %s", ple, e.Inv)
	case KindPause:
		return fmt.Sprintf("pause %s %s", ple, e.Inv)
	case KindDequeue:
		return fmt.Sprintf("dequeued %s %s (queue %d)", ple, e.Inv, e.N)
	case KindVQInvoke:
		return fmt.Sprintf("vqueue invoke %s %s, with its permit", ple, e.Inv)
	case KindVQWait:
		return fmt.Sprintf("%s waits in the vqueue for a permit (%d waiting)", e.Inv, e.N)
	case KindVQRun:
		return fmt.Sprintf("scheduler runs %s: permit granted (%d/%d in use)", e.Inv, e.N, e.M)
	case KindVQPermit:
		return fmt.Sprintf("permit of %s back (%d/%d in use)", e.Inv, e.N, e.M)
	case KindStaleInvoke:
		return fmt.Sprintf("stale invoke %s %s", ple, e.Inv)
	case KindDuplicateInvoke:
		return fmt.Sprintf("duplicate invoke %s %s", ple, e.Inv)
	case KindTaskOutput:
		if e.Output == OutEntry {
			return fmt.Sprintf("%s attempt %d output entry #%d", e.Inv, e.Attempt, e.Index)
		}
		return fmt.Sprintf("%s attempt %d output %s", e.Inv, e.Attempt, e.Output)
	case KindTimerFired:
		return fmt.Sprintf("retry timer of %s %s fired", ple, e.Inv)
	case KindThrottled:
		return fmt.Sprintf("throttled: the queue's next invoke waits for a token until %v", e.Due)
	case KindTokenDue:
		return "token due: the queue takes invokes again"
	case KindMemoryReserved:
		return fmt.Sprintf("memory reserved for the queue's next invoke (%d/%d leases in use)", e.N, e.M)
	case KindMemoryReturned:
		return fmt.Sprintf("memory returned: no invoke to start (%d/%d leases in use)", e.N, e.M)
	case KindShutdown:
		return fmt.Sprintf("shutdown: %d aborted, %d queued dropped, loop exited", e.N, e.M)
	case KindTermEnd:
		if e.Outcome != OutcomeNone {
			return fmt.Sprintf("end of term %s", ple)
		}
		if e.Index > 0 {
			return fmt.Sprintf("term %s ended: %d aborted, %d queued dropped, %d on the input channel lost, tasks joined", ple, e.N, e.M, e.Index)
		}
		return fmt.Sprintf("term %s ended: %d aborted, %d queued dropped, tasks joined", ple, e.N, e.M)
	case KindPanic:
		return "PANIC " + e.Reason
	case KindCancel:
		return "cancellation signalled"
	case KindBlocked:
		return fmt.Sprintf("blocked sending to %s (%d outstanding)", ple, e.N)
	case KindUnblocked:
		return "unblocked"
	case KindJoined:
		return fmt.Sprintf("tasks joined, %d aborted", e.N)
	case KindSpillRemoved:
		return fmt.Sprintf("spill directory removed with %d segment files", e.N)
	case KindSpill:
		return fmt.Sprintf("spilled segment %d (%d invokes)", e.Index, e.N)
	case KindLoad:
		if e.Outcome == ReadAhead {
			return fmt.Sprintf("reading segment %d back ahead (%d invokes)", e.Index, e.N)
		}
		return fmt.Sprintf("reading segment %d back (%d invokes)", e.Index, e.N)
	case KindLoaded:
		if e.Outcome == IgnoredNoRead {
			return fmt.Sprintf("segment %d's read ended", e.Index)
		}
		if e.Reason != "" {
			return fmt.Sprintf("segment %d could not be read back (%d invokes)", e.Index, e.N)
		}
		return fmt.Sprintf("segment %d read back (%d invokes)", e.Index, e.N)
	case KindSpillFailed:
		s := fmt.Sprintf("spilling segment %d (%d invokes) failed", e.Index, e.N)
		if e.Outcome == KeptInMemory {
			s += ", kept in memory"
		}
		return s + ": " + e.Reason
	case KindLoadFailed:
		s := fmt.Sprintf("loading segment %d (%d invokes) failed", e.Index, e.N)
		if e.Outcome == InvokesLost {
			s += ", invokes lost"
		}
		return s + ": " + e.Reason
	case KindPurge:
		return fmt.Sprintf("purged %d queued invokes of %s", e.N, ple)
	case KindSlotAcquired:
		return fmt.Sprintf("slot acquired by %s (%d/%d in use)", e.Inv, e.N, e.M)
	case KindSlotReleased:
		return fmt.Sprintf("slot released by %s (%d/%d in use)", e.Inv, e.N, e.M)
	case KindISM:
		s := fmt.Sprintf("%s %s %s -> %s", ple, e.Inv, ISMState(e.From), ISMState(e.To))
		if e.Outcome != OutcomeNone {
			s += " (" + e.outcome() + ")"
		}
		return s
	case KindTaskStart:
		return fmt.Sprintf("task %d started %s attempt %d", e.Task, e.Inv, e.Attempt)
	case KindTaskEnd:
		return fmt.Sprintf("task %d (%s attempt %d) %s", e.Task, e.Inv, e.Attempt, e.outcome())
	case KindTaskJoined:
		return fmt.Sprintf("joined task %d (%s attempt %d)", e.Task, e.Inv, e.Attempt)
	case KindRetry:
		return fmt.Sprintf("%s attempt %d failed, retry at %v", e.Inv, e.Attempt, e.Due)
	case KindFaultDelay:
		return fmt.Sprintf("delayed #%d %s %s", e.MsgID, e.Envelope(), e.Reason)
	case KindFaultDrop:
		return fmt.Sprintf("dropped #%d %s", e.MsgID, e.Envelope())
	case KindFaultDuplicate:
		return fmt.Sprintf("duplicated #%d %s", e.MsgID, e.Envelope())
	case KindFaultReorder:
		return fmt.Sprintf("held #%d %s %s", e.MsgID, e.Envelope(), e.Reason)
	case KindControl:
		return "control: " + e.Reason
	case KindViolation, KindPhase, KindRun:
		return e.Reason
	}
	return e.Kind.String()
}

// route names a message's sender and receiver.
func (e Event) route() string {
	iv := e.invokerName()
	p := fmt.Sprintf("p%d", e.Partition)
	switch {
	case e.Msg.IsInput():
		return p + "->" + iv
	case e.Msg == MsgTaskOutput:
		return fmt.Sprintf("task%d->%s", e.Task, iv)
	case e.Msg == MsgEffect:
		return iv + "->" + p
	case e.Msg == MsgTimer:
		return "timer->" + iv
	case e.Msg == MsgInvokerExit:
		return iv + "->" + p
	case e.Msg == MsgCancel, e.Msg == MsgJoin, e.Msg == MsgCleanup:
		return "node->" + iv
	case e.Msg == MsgSegmentLoaded:
		return "read->" + iv
	case e.Msg == MsgThrottleWake:
		return "throttle->" + iv
	case e.Msg == MsgVQWake:
		return "scheduler->" + p
	case e.Msg == MsgStopIngress:
		return "node->ingress"
	case e.Msg == MsgSubmit, e.Msg == MsgKill, e.Msg == MsgUserPause, e.Msg == MsgResume, e.Msg == MsgUserRetryNow:
		return "ingress->" + p
	}
	return "controller->" + p
}

// Next says what invoker i's arm would take if stepped now: the input's
// next command, the queue's head invoke (or the segment it waits for), the
// next task output or due timer, the task a join would take. It is for a
// person choosing among ready arms; "" when i has nothing there.
func (n *Node) Next(i int, arm Arm) string {
	if i < 0 || i >= len(n.invokers) {
		return ""
	}
	iv := n.invokers[i]
	switch arm {
	case ArmInput:
		if iv.input.len() > 0 {
			return iv.input.at(0).String()
		}
	case ArmDequeue:
		return iv.queue.next()
	case ArmTask:
		if iv.taskOut.len() > 0 {
			return iv.taskOut.at(0).String()
		}
	case ArmTimer:
		if iv.timers.len() > 0 {
			return iv.timers.at(0).String()
		}
	case ArmJoin:
		if iv.joinable.len() > 0 {
			t := iv.joinable.at(0).t
			return fmt.Sprintf("task %d (%s attempt %d)", t.id, t.inv, t.attempt)
		}
	case ArmShutdown:
		if iv.cancelled {
			return "cancelled"
		}
	}
	return ""
}
