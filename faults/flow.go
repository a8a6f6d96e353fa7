package faults

import (
	"time"

	"lab/invoker"
)

// The flow of a step's output: every event the node or the simulator
// produces is logged, checked, shown to the observers and reacted to, and
// every message sent goes through the fault injector onto the network.

// sendAt puts m on the outside world's timeline, due at at.
func (s *Sim) sendAt(at time.Duration, m invoker.Envelope) { s.timeline.schedule(s.now, at, m) }

// pump drains the node: every event is logged, checked and reacted to;
// every message sent is routed through the injector onto the network.
func (s *Sim) pump() {
	for {
		r := s.node.Drain(s.drained)
		s.drained = r
		if len(r.Events) == 0 && len(r.Sent) == 0 {
			return
		}
		for i := range r.Events {
			s.record(&r.Events[i])
			s.react(&r.Events[i])
		}
		for i := range r.Sent {
			s.route(&r.Sent[i])
		}
	}
}

// emit logs one of the simulator's own events (the run, phases, faults,
// controls, violations) at the current virtual time.
func (s *Sim) emit(e invoker.Event) {
	e.At = s.now
	s.record(&e)
}

// record numbers, logs, counts and checks an event, and shows it to the
// observers.
func (s *Sim) record(e *invoker.Event) {
	s.log.add(e)
	s.res.Kinds[e.Kind]++
	switch {
	case e.Kind == invoker.KindPurge:
		s.res.Purged += e.N
	case e.Kind == invoker.KindRejected && e.Outcome.RefusesRequest():
		s.res.Refused++
	case e.Kind == invoker.KindISM && e.Outcome == invoker.EndYielded:
		s.res.Yields++
	}
	for _, o := range s.hooks.event {
		o.OnEvent(*e)
	}
	// Last: a violation the event causes is logged after it.
	s.check.observe(e)
}

// react schedules what follows from an event: a started task's outputs, and
// the shutdown phases that follow an invoker's loop ending.
func (s *Sim) react(e *invoker.Event) {
	if e.Incarnation != s.node.Incarnation() {
		return
	}
	switch e.Kind {
	case invoker.KindTaskStart:
		if e.Outcome == invoker.TaskNotInvoked || e.Outcome == invoker.TaskOutOfMemory {
			break // the attempt failed by itself: nothing to play
		}
		info := invoker.TaskInfo{ID: e.Task, Invoker: e.Invoker, PLE: e.PLE(), Inv: e.Inv, Attempt: e.Attempt}
		var steps []TaskStep
		if s.replay != nil && !s.replay.drawing() {
			steps = s.replay.task(info)
		} else {
			steps = s.planTask(info)
		}
		s.rec.task(info, steps)
		s.res.Decisions.Tasks++
		for _, st := range steps {
			s.timeline.schedule(s.now, s.now+st.After, invoker.Envelope{Kind: invoker.MsgTaskOutput, Task: e.Task, Output: st.Out})
		}
	case invoker.KindNodeAbort:
		s.touched.markAll()
	case invoker.KindShutdown:
		s.sendAt(s.now, invokerMsg(invoker.MsgJoin, e.Invoker))
	case invoker.KindJoined:
		if e.Outcome == invoker.OutcomeNone && s.node.Config().RemovesSpill() {
			s.sendAt(s.now, invokerMsg(invoker.MsgCleanup, e.Invoker))
		}
	case invoker.KindCancel, invoker.KindPanic:
		// A dead invoker has no loop to exit and no tasks to join, but the
		// graceful node's shutdown (or one with spill directories removed)
		// still removes its spill directory: once it is both cancelled and
		// dead, whichever came first. (Restate's does not remove it at all:
		// Config.RemovesSpill.)
		if s.node.InvokerState(e.Invoker) == invoker.InvokerDead && s.node.Cancelled(e.Invoker) &&
			s.node.Config().RemovesSpill() {
			s.sendAt(s.now, invokerMsg(invoker.MsgCleanup, e.Invoker))
		}
	}
}

// route puts a message that was just sent on the network, as the fault plan
// decides (or, in a replay, as the schedule recorded): on time, late,
// never, twice, or overtaken.
func (s *Sim) route(mp *invoker.Envelope) {
	m := *mp
	at := s.now
	if m.Kind == invoker.MsgTimer || m.Kind == invoker.MsgThrottleWake || m.Kind == invoker.MsgVQWake || m.Kind == invoker.MsgEffect {
		// A sleep ends when it is due; a Yield effect comes back from the
		// log (invoker.LogRoundTrip), every other effect is due at once.
		at = max(at, m.Due)
	}
	var v Verdict
	var hit bool
	if s.replay != nil && !s.replay.drawing() {
		v, hit = s.replay.fault(m)
	} else {
		v, hit = s.inj.judge(m, s.now)
	}
	if hit {
		s.rec.fault(m, v)
		s.res.Decisions.Faults++
		e := invoker.MsgEvent(faultKinds[v.Action], m)
		e.Reason = v.describe()
		s.emit(e)
		s.res.Faults[v.Action]++
		switch v.Action {
		case Drop:
			s.node.Lose(m)
			s.touched.mark(m.Invoker)
			return
		case Reorder:
			s.net.hold(m, v.Overtakes)
			return
		case Delay:
			at = addTime(at, v.Delay)
		}
	}
	at = s.senders.arrival(&m, s.now, at)
	s.net.schedule(s.now, at, m)
	if hit && v.Action == Duplicate {
		// The copy is a late retransmission: it does not hold back what
		// its sender sends next.
		s.net.schedule(s.now, addTime(at, v.Delay), m)
	}
}

func (s *Sim) servedBy(i int) []invoker.PartitionID {
	var ps []invoker.PartitionID
	for p := range s.node.Partitions() {
		if s.node.InvokerFor(invoker.PartitionID(p)) == i {
			ps = append(ps, invoker.PartitionID(p))
		}
	}
	return ps
}

func (s *Sim) reportViolation(v Violation) {
	v.At = s.now
	v.Recent = s.log.tail(recentEvents)
	s.res.Violations = append(s.res.Violations, v)
	if s.o.StopAtViolation && Watched(s.o.Invariants, v.Invariant) {
		s.stopping = true
	}
	// The violation event keeps the breaking (or last) event's subject
	// (partition, invocation, message) and points at it with N = its
	// sequence number.
	e := v.Event
	if v.Inv != "" && v.Inv != e.Inv {
		// About another invocation than the last event's: only its id
		// is known here.
		e = invoker.Event{Seq: e.Seq, Incarnation: e.Incarnation, Invoker: invoker.NoInvoker,
			Partition: invoker.NoPartition, Inv: v.Inv}
	}
	e.Kind, e.Reason, e.Arm, e.N = invoker.KindViolation, v.String(), invoker.ArmNone, int(v.Event.Seq)
	// From, To, M and Outcome meant something for the breaking kind only.
	e.From, e.To, e.M, e.Outcome = 0, 0, 0, invoker.OutcomeNone
	s.emit(e)
}
