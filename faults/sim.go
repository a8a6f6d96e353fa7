package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"lab/invoker"
)

// Options describe one run. The same options give the same event log, byte
// for byte.
type Options struct {
	Seed     uint64
	Node     invoker.Config
	Plan     *Plan
	Workload Workload
	// Strategy names the scheduler: random (default) or priority.
	Strategy string
	Bounds   Bounds
	// Events receives the run's log as JSON Lines, one event per line.
	Events io.Writer
	// Observers see every event as it is logged.
	Observers []func(invoker.Event)
	// MaxDecisions bounds a run's scheduling decisions (0: DefaultMaxDecisions).
	MaxDecisions int
	// Replay is the command line that reproduces the run, for reports.
	Replay string
}

// DefaultMaxDecisions stops a run that would never settle.
const DefaultMaxDecisions = 5_000_000

// ErrBudget is returned when a run exceeds its decision budget.
var ErrBudget = errors.New("decision budget exhausted: the run did not settle")

// sim is the discrete-event simulator around one node: a virtual clock, the
// messages in flight, the fault injector, the scheduler and the invariant
// checker. It owns every source of nondeterminism of a run.
type sim struct {
	o    Options
	node *invoker.Node
	now  time.Duration
	// timeline holds what the outside world does at a time: messages it
	// sends, and outputs invocation tasks produce.
	timeline transport
	// net holds the messages in flight, each delivered by a scheduler choice.
	net      transport
	lastAt   map[senderKey]time.Duration
	inj      *injector
	strategy Strategy
	check    *checker
	log      *eventLog
	tasksRng *rand.Rand
	planTask func(invoker.TaskInfo) []taskStep
	choices  []Choice
	evBuf    []invoker.Event
	sentBuf  []invoker.Envelope
	res      Result
}

// newSim builds a simulator and its node.
func newSim(o Options) (*sim, error) {
	if o.Bounds == (Bounds{}) {
		o.Bounds = DefaultBounds()
	}
	if o.MaxDecisions == 0 {
		o.MaxDecisions = DefaultMaxDecisions
	}
	strategy, err := NewStrategy(o.Strategy, o.Seed)
	if err != nil {
		return nil, err
	}
	node, err := invoker.New(o.Node)
	if err != nil {
		return nil, err
	}
	if o.Strategy == "" {
		o.Strategy = strategy.Name()
	}
	s := &sim{o: o, node: node, lastAt: map[senderKey]time.Duration{}, strategy: strategy,
		tasksRng: newStream(o.Seed, streamTasks)}
	s.inj = newInjector(o.Plan, o.Seed, func(i int, p invoker.PartitionID) bool {
		return s.node.InvokerFor(p) == i
	})
	s.log = newEventLog(o.Events, o.Observers)
	s.check = newChecker(o.Bounds, s.servedBy, s.reportViolation)
	s.planTask = func(invoker.TaskInfo) []taskStep { return o.Workload.Tasks.attempt(s.tasksRng) }
	s.res = Result{Seed: o.Seed, Variant: o.Node.Variant, Plan: s.inj.plan.Name, Strategy: strategy.Name(),
		Workload: o.Workload, Replay: o.Replay}
	return s, nil
}

// Run simulates one run: the safety phase under the fault plan, then the
// liveness phase with faults healed, checking every invariant throughout.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Workload.Validate(); err != nil {
		return nil, err
	}
	s, err := newSim(o)
	if err != nil {
		return nil, err
	}
	defer s.node.Close()
	return s.run(ctx)
}

func (s *sim) run(ctx context.Context) (*Result, error) {
	parts, invokers := s.node.Partitions(), s.node.Invokers()
	wrng := newStream(s.o.Seed, streamWorkload)

	s.node.Emit(invoker.Event{Kind: invoker.KindRun, Invoker: invoker.NoInvoker,
		Partition: invoker.NoPartition, Reason: s.o.describe()})
	s.phase("safety")
	for _, t := range s.o.Workload.schedule(wrng, parts, invokers) {
		s.timeline.schedule(t.at, t.msg)
	}
	if err := s.settle(ctx); err != nil {
		return nil, err
	}
	s.endPhase()

	s.phase("liveness")
	s.inj.enabled = false
	if !s.o.Workload.Shutdown {
		s.shutdown(wrng)
		if err := s.settle(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.node.Restart(); err != nil {
		return nil, err
	}
	for p := range parts {
		_, e := s.node.Leader(invoker.PartitionID(p))
		s.sendAt(s.now, leaderMsg(invoker.PartitionID(p), e+1))
	}
	if err := s.settle(ctx); err != nil {
		return nil, err
	}
	s.shutdown(wrng)
	if err := s.settle(ctx); err != nil {
		return nil, err
	}
	s.endPhase()
	s.check.finish(s.node)
	s.pump()
	if err := s.log.err(); err != nil {
		return nil, err
	}
	return s.result(), nil
}

// describe names everything that determines a run, for its first event.
func (o Options) describe() string {
	layout := "per-partition"
	if o.Node.SharedInvoker {
		layout = "shared"
	}
	plan := "none"
	if o.Plan != nil {
		plan = o.Plan.Name
	}
	w := o.Workload
	return fmt.Sprintf("run seed=%d variant=%s plan=%s scheduler=%s partitions=%d invokers=%s quota=%d "+
		"queue-limit=%d effect-capacity=%d invocations=%d step-downs=%d kills=%d",
		o.Seed, o.Node.Variant, plan, o.Strategy, o.Node.Partitions, layout, o.Node.Quota,
		o.Node.QueueLimit, o.Node.EffectCapacity, w.Invocations, w.StepDowns, w.Kills)
}

func (s *sim) shutdown(rng *rand.Rand) {
	for _, t := range shutdownSequence(rng, s.now, s.node.Partitions(), s.node.Invokers()) {
		s.timeline.schedule(t.at, t.msg)
	}
}

func (s *sim) phase(name string) {
	s.node.Emit(invoker.Event{Kind: invoker.KindPhase, Invoker: invoker.NoInvoker,
		Partition: invoker.NoPartition, Incarnation: s.node.Incarnation(), Reason: name + " phase"})
	s.pump()
}

// endPhase: nothing is left to happen, so time-bound checks conclude.
func (s *sim) endPhase() {
	s.check.tick(s.now, true)
	s.pump()
}

// settle runs until nothing is enabled and nothing is scheduled.
func (s *sim) settle(ctx context.Context) error {
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		s.runTimeline()
		s.fillChoices()
		if len(s.choices) == 0 {
			if s.net.releaseHeld(s.now) {
				continue
			}
			next, ok := s.nextTime()
			if !ok {
				return nil
			}
			s.advance(next)
			continue
		}
		if s.res.Decisions >= s.o.MaxDecisions {
			return ErrBudget
		}
		i := s.strategy.Choose(s.choices)
		s.res.Decisions++
		if err := s.do(s.choices[i]); err != nil {
			return err
		}
	}
}

func (s *sim) nextTime() (time.Duration, bool) {
	a, okA := s.timeline.next()
	b, okB := s.net.next()
	switch {
	case okA && okB:
		return min(a, b), true
	case okA:
		return a, true
	}
	return b, okB
}

func (s *sim) advance(t time.Duration) {
	if err := s.node.SetTime(t); err != nil {
		panic(err) // the simulator only moves forward; anything else is a lab bug
	}
	s.now = t
	s.check.tick(t, false)
	s.pump()
}

// fillChoices lists what could happen now: deliver the earliest due message,
// or let an invoker take one of its ready arms.
func (s *sim) fillChoices() {
	s.choices = s.choices[:0]
	if s.net.due(s.now) {
		s.choices = append(s.choices, Choice{Invoker: Transport})
	}
	for i := range s.node.Invokers() {
		ready := s.node.ReadyArms(i)
		for k := range ready.Len() {
			s.choices = append(s.choices, Choice{Invoker: i, Arm: ready.Nth(k)})
		}
	}
}

func (s *sim) do(c Choice) error {
	if c.Invoker == Transport {
		d := s.net.pop()
		s.node.Deliver(d.msg)
		s.net.passed(s.now)
		s.res.Deliveries++
	} else {
		if err := s.node.Step(c.Invoker, c.Arm); err != nil {
			return fmt.Errorf("scheduler chose %v: %w", c, err)
		}
		s.res.Steps++
	}
	s.pump()
	s.check.afterAction(s.node)
	s.pump()
	return nil
}

// runTimeline sends the outside world's messages and produces task outputs
// that are due now.
func (s *sim) runTimeline() {
	for s.timeline.due(s.now) {
		d := s.timeline.pop()
		if d.msg.Kind == invoker.MsgTaskOutput {
			s.node.TaskOutput(d.msg.Task, d.msg.Output)
		} else {
			s.node.Send(d.msg)
		}
		s.pump()
	}
}

func (s *sim) sendAt(at time.Duration, m invoker.Envelope) { s.timeline.schedule(at, m) }

// pump drains the node: every event is logged, checked and reacted to;
// every message sent is routed through the injector onto the network.
func (s *sim) pump() {
	for {
		r := s.node.Ready()
		if len(r.Events) == 0 && len(r.Sent) == 0 {
			return
		}
		s.evBuf = append(s.evBuf[:0], r.Events...)
		s.sentBuf = append(s.sentBuf[:0], r.Sent...)
		s.node.Advance()
		for i := range s.evBuf {
			s.log.add(&s.evBuf[i])
			s.res.Kinds[s.evBuf[i].Kind]++
			if s.evBuf[i].Kind == invoker.KindPurge {
				s.res.Purged += s.evBuf[i].N
			}
			s.check.observe(s.evBuf[i])
			s.react(s.evBuf[i])
		}
		for _, m := range s.sentBuf {
			s.route(m)
		}
	}
}

// react schedules what follows from an event: a started task's outputs, and
// the shutdown phases that follow an invoker's loop ending.
func (s *sim) react(e invoker.Event) {
	if e.Incarnation != s.node.Incarnation() {
		return
	}
	switch e.Kind {
	case invoker.KindTaskStart:
		info := invoker.TaskInfo{ID: e.Task, Invoker: e.Invoker, PLE: e.PLE(), Inv: e.Inv, Attempt: e.Attempt}
		for _, st := range s.planTask(info) {
			s.timeline.schedule(s.now+st.after, invoker.Envelope{Kind: invoker.MsgTaskOutput, Task: e.Task, Output: st.out})
		}
	case invoker.KindShutdown:
		s.sendAt(s.now, invokerMsg(invoker.MsgJoin, e.Invoker))
	case invoker.KindJoined:
		if e.Reason == "" {
			s.sendAt(s.now, invokerMsg(invoker.MsgCleanup, e.Invoker))
		}
	case invoker.KindCancel, invoker.KindPanic:
		// A dead invoker has no loop to exit and no tasks to join, but the
		// node's shutdown still removes its spill directory: once it is
		// both cancelled and dead, whichever came first.
		if s.node.InvokerState(e.Invoker) == "dead" && s.node.Cancelled(e.Invoker) {
			s.sendAt(s.now, invokerMsg(invoker.MsgCleanup, e.Invoker))
		}
	}
}

// senderKey identifies a sequential sender: its messages arrive in the
// order it sent them, however late.
type senderKey struct {
	kind invoker.MsgKind
	a, b int64
}

func senderOf(m invoker.Envelope) (senderKey, bool) {
	switch {
	case m.Kind.IsInput():
		return senderKey{invoker.MsgRegister, int64(m.PLE.Partition), int64(m.Incarnation)}, true
	case m.Kind == invoker.MsgTaskOutput:
		return senderKey{m.Kind, int64(m.Task), 0}, true
	case m.Kind == invoker.MsgEffect:
		return senderKey{m.Kind, int64(m.Invoker)<<32 | int64(m.Incarnation), int64(m.PLE.Partition)<<32 | int64(m.PLE.Epoch)}, true
	}
	// Timers, lifecycle signals and arrivals are independent of each other.
	return senderKey{}, false
}

// route puts a message that was just sent on the network, as the fault plan
// decides: on time, late, never, twice, or overtaken.
func (s *sim) route(m invoker.Envelope) {
	at := s.now
	if m.Kind == invoker.MsgTimer {
		at = max(at, m.Due)
	}
	v, hit := s.inj.judge(m, s.now)
	if hit {
		e := invoker.MsgEvent(faultKinds[v.action], m)
		e.Reason = v.describe()
		s.node.Emit(e)
		s.res.Faults[v.action]++
		switch v.action {
		case Drop:
			s.node.Lose(m)
			return
		case Reorder:
			s.net.hold(m, v.overtakes)
			return
		case Delay:
			at += v.delay
		}
	}
	if key, fifo := senderOf(m); fifo {
		at = max(at, s.lastAt[key])
		s.lastAt[key] = at
	}
	s.net.schedule(at, m)
	if hit && v.action == Duplicate {
		// The copy is a late retransmission: it does not hold back what
		// its sender sends next.
		s.net.schedule(at+v.delay, m)
	}
}

func (s *sim) servedBy(i int) []invoker.PartitionID {
	var ps []invoker.PartitionID
	for p := range s.node.Partitions() {
		if s.node.InvokerFor(invoker.PartitionID(p)) == i {
			ps = append(ps, invoker.PartitionID(p))
		}
	}
	return ps
}

func (s *sim) reportViolation(v Violation) {
	v.Recent = s.log.tail(recentEvents)
	s.res.Violations = append(s.res.Violations, v)
	// The violation event keeps the breaking event's subject (partition,
	// invocation, message) and points at it with N = its sequence number.
	e := v.Event
	e.Kind, e.Reason, e.Arm, e.N = invoker.KindViolation, v.String(), invoker.ArmNone, int(v.Event.Seq)
	s.node.Emit(e)
}
