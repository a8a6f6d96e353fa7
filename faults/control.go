package faults

import (
	"fmt"
	"strings"

	"lab/invoker"
)

// ControlKind is what a person (or a test) asks of a running simulation.
type ControlKind uint8

const (
	ControlNone ControlKind = iota
	// ControlStepDown makes partition Partition's leader step down.
	ControlStepDown
	// ControlLeader makes partition Partition leader at Epoch (0: the next
	// epoch after its current one).
	ControlLeader
	// ControlKill kills invocation Inv of partition Partition.
	ControlKill
	// ControlShutdown starts the node's shutdown.
	ControlShutdown
	// ControlFault arms Rule for the next matching messages (Rule.Limit of
	// them, at least one), even while the plan's faults are healed.
	ControlFault
	// ControlPause pauses invocation Inv of partition Partition, and
	// ControlResume resumes it, as the user does.
	ControlPause
	ControlResume
)

var controlNames = invoker.Names[ControlKind]{ControlNone: "none", ControlStepDown: "step-down", ControlLeader: "leader",
	ControlKill: "kill", ControlShutdown: "shutdown", ControlFault: "fault", ControlPause: "pause", ControlResume: "resume"}

func (k ControlKind) String() string { return controlNames.Name(k) }

// aboutInvocation: the control names an invocation (and its partition).
func (k ControlKind) aboutInvocation() bool {
	return k == ControlKill || k == ControlPause || k == ControlResume
}

// aboutPartition: the control names a partition.
func (k ControlKind) aboutPartition() bool {
	return k == ControlStepDown || k == ControlLeader || k.aboutInvocation()
}

// userMsg is the message the ingress passes on for a control about an
// invocation.
func (k ControlKind) userMsg() invoker.MsgKind {
	switch k {
	case ControlPause:
		return invoker.MsgUserPause
	case ControlResume:
		return invoker.MsgResume
	}
	return invoker.MsgKill
}

// Control is one thing sent into a run from outside. It takes effect at
// the next Step, at the virtual time the run is at, and is logged as an
// event (so it is covered by the log's hash) and recorded in the schedule.
type Control struct {
	Kind      ControlKind
	Partition invoker.PartitionID
	Epoch     invoker.Epoch
	Inv       invoker.InvocationID
	Rule      Rule
}

// String is the control as a schedule writes it, e.g. "step-down p=1" or
// "fault action=drop kind=ack n=1".
func (c Control) String() string { return controlArgs(c) }

// Control queues c; it is applied by the next Step. A control that does not
// fit the node (no such partition, a fault rule without kinds) is refused.
// Like every method of Sim, it must be called from the goroutine that steps.
func (s *Sim) Control(c Control) error {
	if err := s.checkControl(&c); err != nil {
		return err
	}
	s.controls = append(s.controls, c)
	return nil
}

func (s *Sim) checkControl(c *Control) error {
	parts := invoker.PartitionID(s.node.Partitions())
	switch {
	case c.Kind.aboutPartition():
		if c.Partition < 0 || c.Partition >= parts {
			return fmt.Errorf("control %s: no partition %d (the node has %d)", c.Kind, c.Partition, parts)
		}
		if c.Kind.aboutInvocation() && c.Inv == "" {
			return fmt.Errorf("control %s: which invocation?", c.Kind)
		}
	case c.Kind == ControlShutdown:
	case c.Kind == ControlFault:
		if len(c.Rule.Kinds) == 0 || c.Rule.Action == 0 {
			return fmt.Errorf("control fault: a rule needs an action and message kinds")
		}
		if c.Rule.Partition != nil && (*c.Rule.Partition < 0 || *c.Rule.Partition >= parts) {
			return fmt.Errorf("control fault: no partition %d", *c.Rule.Partition)
		}
		c.Rule.Limit = max(c.Rule.Limit, 1)
		c.Rule.Probability = 1
	default:
		return fmt.Errorf("unknown control %v", c.Kind)
	}
	return nil
}

// applyControl logs c and sends what it asks for.
func (s *Sim) applyControl(c Control) {
	if c.Kind == ControlLeader && c.Epoch == 0 {
		_, e := s.node.Leader(c.Partition)
		c.Epoch = e + 1
	}
	// Only the controls about a partition name one in their event.
	p := invoker.NoPartition
	if c.Kind.aboutPartition() {
		p = c.Partition
	}
	s.emit(invoker.Event{Kind: invoker.KindControl, Invoker: invoker.NoInvoker, Partition: p,
		Epoch: c.Epoch, Inv: c.Inv, Reason: c.String()})
	s.rec.control(c)
	s.res.Decisions.Controls++
	switch c.Kind {
	case ControlStepDown:
		s.sendAt(s.now, stepDownMsg(c.Partition))
	case ControlLeader:
		s.sendAt(s.now, leaderMsg(c.Partition, c.Epoch))
	case ControlKill, ControlPause, ControlResume:
		s.sendAt(s.now, invoker.Envelope{Kind: c.Kind.userMsg(), PLE: invoker.PLE{Partition: c.Partition}, Inv: c.Inv})
	case ControlShutdown:
		s.drawTimeline(func(buf []timed) []timed {
			return appendShutdown(buf, s.wrng, s.now, s.node.Partitions(), s.node.Invokers())
		})
	case ControlFault:
		s.inj.arm(c.Rule)
	}
	s.pump()
}

// ruleArgs writes a rule as the arguments of a script's `fault` verb, which
// is also how a schedule records an armed fault.
func ruleArgs(r Rule) string {
	kinds := make([]string, len(r.Kinds))
	for i, k := range r.Kinds {
		kinds[i] = k.String()
	}
	s := fmt.Sprintf("action=%s kind=%s n=%d", r.Action, strings.Join(kinds, ","), max(r.Limit, 1))
	if r.Partition != nil {
		s += fmt.Sprintf(" p=%d", *r.Partition)
	}
	if r.Epoch != nil {
		s += fmt.Sprintf(" epoch=%d", *r.Epoch)
	}
	if r.Invocation != "" {
		s += " inv=" + string(r.Invocation)
	}
	if r.DelayMin > 0 {
		s += " d=" + r.DelayMin.String()
	}
	if r.Action == Reorder {
		s += fmt.Sprintf(" k=%d", r.OvertakesMin)
	}
	return s
}
