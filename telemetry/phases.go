package telemetry

import (
	"time"

	"lab/invoker"
)

// shutdownPhases are the messages that start a shutdown phase, in order.
var shutdownPhases = []invoker.MsgKind{invoker.MsgStopIngress, invoker.MsgStepDown, invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup}

// phase is one shutdown phase in progress: from the message that starts it
// to the event that shows it done.
type phase struct {
	name        string // the message kind: stop-ingress, step-down, cancel-invoker, join, spill-cleanup
	msgID       uint64
	incarnation int
	invoker     int
	partition   invoker.PartitionID
	start       invoker.Event
}

// phases follows node shutdowns and their phases through the event stream.
// The tracer and the metrics both read it, so they agree on what a phase is.
type phases struct {
	invokers int // per incarnation, from the node's config
	// removesSpill: the variant's shutdown ends with spill cleanup; in
	// Restate's (buggy, fixed) it ends when the tasks are joined.
	removesSpill bool
	open         []*phase
	// shutdown holds the incarnations whose shutdown began (stop-ingress
	// sent) and the invokers whose spill directory is gone since.
	shutdown map[int]map[int]bool
	stopped  map[invokerKey]bool // loop exited or dead: cancellation has nothing to stop
}

type invokerKey struct{ incarnation, id int }

func newPhases(cfg invoker.Config) *phases {
	return &phases{invokers: invokerCount(cfg), removesSpill: cfg.RemovesSpill(),
		shutdown: map[int]map[int]bool{}, stopped: map[invokerKey]bool{}}
}

// invokerDone marks an invoker's shutdown over.
func (p *phases) invokerDone(e invoker.Event, c *phaseChange) {
	if done := p.shutdown[e.Incarnation]; done != nil && !done[e.Invoker] {
		done[e.Invoker] = true
		c.shutdownDone = len(done) == p.invokers
	}
}

// phaseChange is what one event did to the shutdown: at most one phase
// started or ended, and the node's shutdown began or completed.
type phaseChange struct {
	started, ended        *phase
	shutdownBegan         bool
	shutdownDone          bool
	incarnation           int
	undelivered, finished bool
}

func (p *phases) observe(e invoker.Event) phaseChange {
	c := phaseChange{incarnation: e.Incarnation}
	switch e.Kind {
	case invoker.KindSent:
		switch e.Msg {
		case invoker.MsgStopIngress:
			if p.shutdown[e.Incarnation] == nil {
				p.shutdown[e.Incarnation] = map[int]bool{}
				c.shutdownBegan = true
			}
		case invoker.MsgStepDown:
			if p.shutdown[e.Incarnation] == nil {
				return c // a step-down of the workload, not of the shutdown
			}
		case invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup:
		default:
			return c
		}
		ph := &phase{name: e.Msg.String(), msgID: e.MsgID, incarnation: e.Incarnation,
			invoker: e.Invoker, partition: e.Partition, start: e}
		if e.Msg == invoker.MsgStopIngress || e.Msg == invoker.MsgStepDown {
			ph.invoker = invoker.NoInvoker
		}
		p.open = append(p.open, ph)
		c.started = ph
	case invoker.KindUndelivered:
		c.ended = p.take(func(ph *phase) bool { return ph.msgID == e.MsgID && e.MsgID != 0 })
		c.undelivered = c.ended != nil
	case invoker.KindStopIngress:
		c.ended = p.take(func(ph *phase) bool { return ph.name == "stop-ingress" && ph.incarnation == e.Incarnation })
	case invoker.KindStepDown:
		c.ended = p.take(func(ph *phase) bool {
			return ph.name == "step-down" && ph.incarnation == e.Incarnation && ph.partition == e.Partition
		})
	case invoker.KindPanic, invoker.KindShutdown:
		p.stopped[invokerKey{e.Incarnation, e.Invoker}] = true
		if e.Kind == invoker.KindShutdown {
			c.ended = p.takeInvoker("cancel-invoker", e)
		}
	case invoker.KindTermEnd:
		// A per-term invoker ended with its term: cancelled, exited and
		// joined, nothing left for the node's shutdown to do to it.
		if e.Outcome == invoker.OutcomeNone {
			p.stopped[invokerKey{e.Incarnation, e.Invoker}] = true
			p.invokerDone(e, &c)
		}
	case invoker.KindCancel:
		if p.stopped[invokerKey{e.Incarnation, e.Invoker}] {
			c.ended = p.takeInvoker("cancel-invoker", e)
		}
		if e.Outcome == invoker.IgnoredInvokerState && invoker.InvokerState(e.From) == invoker.InvokerJoined {
			p.invokerDone(e, &c) // its term ended before the shutdown
		}
	case invoker.KindJoined:
		c.ended = p.takeInvoker("join", e)
		if !p.removesSpill && e.Outcome == invoker.OutcomeNone {
			p.invokerDone(e, &c)
		}
	case invoker.KindSpillRemoved:
		c.ended = p.takeInvoker("spill-cleanup", e)
		if p.removesSpill {
			p.invokerDone(e, &c)
		}
	}
	c.finished = c.ended != nil && !c.undelivered
	return c
}

func (p *phases) takeInvoker(name string, e invoker.Event) *phase {
	return p.take(func(ph *phase) bool {
		return ph.name == name && ph.incarnation == e.Incarnation && ph.invoker == e.Invoker
	})
}

// take removes and returns the oldest open phase that matches.
func (p *phases) take(match func(*phase) bool) *phase {
	for i, ph := range p.open {
		if match(ph) {
			p.open = append(p.open[:i], p.open[i+1:]...)
			return ph
		}
	}
	return nil
}

// duration of a phase that ended at event e, in virtual time.
func (ph *phase) duration(e invoker.Event) time.Duration { return e.At - ph.start.At }
