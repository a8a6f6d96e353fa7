package faults

import (
	"time"

	"lab/invoker"
)

// Virtual time: what is due next, moving the clock to it, and the outside
// world's timeline of sends and task outputs.

// endPhase: nothing is left to happen, so time-bound checks conclude.
func (s *Sim) endPhase() {
	s.check.tick(s.now, true)
	s.pump()
}

func (s *Sim) nextTime() (time.Duration, bool) {
	a, okA := s.timeline.next()
	b, okB := s.net.next()
	if okB && s.o.Node.Throttle.On() {
		// A wake whose invoker ended keeps nothing waiting (its sleep
		// went with the invoker's stream): it must not hold a stage open.
		b, okB = s.net.nextBut(s.staleWake)
	}
	switch {
	case okA && okB:
		return min(a, b), true
	case okA:
		return a, true
	}
	return b, okB
}

func (s *Sim) advance(t time.Duration) {
	if err := s.node.SetTime(t); err != nil {
		panic(err) // the simulator only moves forward; anything else is a lab bug
	}
	s.now = t
	s.check.tick(t, false)
	s.check.checkProgress(t, s.node)
	s.pump()
}

// deliverDue hands over every message that is due, with no choice: the
// instant transport of scripts.
func (s *Sim) deliverDue() {
	for {
		s.runTimeline()
		if !s.net.due(s.now) {
			return
		}
		var d StepInfo
		_ = s.do(Choice{Invoker: Transport}, &d)
	}
}

// runTimeline sends the outside world's messages and produces task outputs
// that are due now.
func (s *Sim) runTimeline() {
	for s.timeline.due(s.now) {
		var m invoker.Envelope
		s.timeline.pop(&m)
		if m.Kind == invoker.MsgTaskOutput {
			if out, ok := s.node.TaskOutput(m.Task, m.Output); ok {
				s.touched.mark(out.Invoker) // a final output ends the task
			}
		} else {
			s.node.Send(m)
		}
		s.pump()
	}
}

// maxTime is the latest virtual time: later ones saturate to it.
const maxTime = time.Duration(1<<63 - 1)

// addTime adds a delay to a virtual time, saturating instead of wrapping.
func addTime(t, d time.Duration) time.Duration {
	if d > 0 && t > maxTime-d {
		return maxTime
	}
	return t + d
}

// staleWake: m is a throttle wake no queue sleeps on any more.
func (s *Sim) staleWake(m *invoker.Envelope) bool {
	return m.Kind == invoker.MsgThrottleWake && !s.node.AwaitsWake(*m)
}
