package faults_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// throttleLog is what a run's dequeues tell of its throttle: the times of
// the node's dequeues, the invokers that took them (a term's invoker
// counted apart from the next term's), and the sleeps they were put to.
type throttleLog struct {
	dequeues []time.Duration
	// asleep is, per invoker slot, when its queue's current sleep ends.
	asleep   map[int]time.Duration
	invokers int
	took     map[int]bool
	sleeps   int
	broken   []string
}

func (l *throttleLog) OnEvent(e invoker.Event) {
	if e.Incarnation > 0 {
		return // a restarted node has a bucket of its own
	}
	switch e.Kind {
	case invoker.KindTermBegin:
		// a new invoker in the slot: a queue of its own, awake
		delete(l.asleep, e.Invoker)
		delete(l.took, e.Invoker)
	case invoker.KindDequeue, invoker.KindStaleInvoke, invoker.KindDuplicateInvoke:
		if until := l.asleep[e.Invoker]; until > e.At {
			l.broken = append(l.broken, fmt.Sprintf("%s: its queue sleeps until %v", e, until))
		}
		if e.Kind == invoker.KindDequeue {
			l.dequeues = append(l.dequeues, e.At)
			if !l.took[e.Invoker] {
				l.took[e.Invoker] = true
				l.invokers++
			}
		}
	case invoker.KindThrottled:
		l.asleep[e.Invoker] = e.Due
		l.sleeps++
	}
}

// At most the bucket's tokens, those that came back since, and one on
// credit for each invoker: once an invoker takes a token on credit, its
// queue sleeps until the debt is repaid.
func (l *throttleLog) overdrawn(t invoker.Throttle) string {
	every := t.Per / time.Duration(t.Rate)
	burst := t.Burst
	if burst == 0 {
		burst = t.Rate
	}
	for k, at := range l.dequeues {
		if limit := burst + int(at/every) + 1 + l.invokers; k+1 > limit {
			return fmt.Sprintf("dequeue %d at %v: more than %d tokens", k+1, at, limit)
		}
	}
	return ""
}

// Throttled, no queue dequeues while it sleeps for a token, and the node's
// invokers together take no more tokens than the bucket gives: over every
// variant and plan. The same runs unthrottled take more, so the bound
// says something.
func TestThrottleHoldsTheDequeues(t *testing.T) {
	throttle := invoker.Throttle{Rate: 20, Per: time.Second, Burst: 2}
	overdrawn := 0
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		for _, v := range invoker.Variants() {
			for seed := uint64(1); seed <= 4; seed++ {
				for _, th := range []invoker.Throttle{throttle, {}} {
					log := &throttleLog{asleep: map[int]time.Duration{}, took: map[int]bool{}}
					run(t, seed, v, plan, func(o *faults.Options) {
						o.Node.Throttle = th
						o.Observers = append(o.Observers, log)
					})
					name := fmt.Sprintf("%s %s seed %d throttle %s", plan, v, seed, th)
					if !th.On() {
						if log.overdrawn(throttle) != "" {
							overdrawn++
						}
						continue
					}
					for _, b := range log.broken {
						t.Errorf("%s: %s", name, b)
					}
					if why := log.overdrawn(throttle); why != "" {
						t.Errorf("%s: %s", name, why)
					}
					if log.sleeps == 0 {
						t.Errorf("%s: %d sleeps, %d dequeues: the throttle shows nothing", name, log.sleeps, len(log.dequeues))
					}
				}
			}
		}
	}
	if overdrawn == 0 {
		t.Error("no unthrottled run takes more than the throttle's tokens: the bound checks nothing")
	}
}

// A throttled queue whose wake is lost sleeps for ever: its invokes stand
// still, and the progress verdict blames the plan (faulted), naming the
// queue asleep and the wake it dropped.
func TestProgressNamesAQueueAsleepForAToken(t *testing.T) {
	r := run(t, 1, invoker.Fixed, "none", stallable, func(o *faults.Options) {
		o.Node.Throttle = invoker.Throttle{Rate: 100, Per: time.Second, Burst: 8}
		o.Plan = &faults.Plan{Name: "lost-wakes", Rules: []faults.Rule{
			{Kinds: []invoker.MsgKind{invoker.MsgThrottleWake}, Action: faults.Drop, Probability: 1}}}
	})
	v, ok := r.FirstViolationOf([]string{faults.Progress})
	if !ok || v.Check != faults.CheckFaulted || !strings.Contains(v.Detail, "whose queue sleeps for a token: its wake was dropped at event #") {
		t.Fatalf("no progress verdict blaming the lost wake: %+v", r.Violations)
	}
}

// A throttle slower than the bound leaves invocations waiting in queues
// that sleep for tokens: the progress verdicts call that a backlog, a load
// and not a stall, each naming the queue asleep and when it wakes.
func TestProgressCallsASlowThrottleABacklog(t *testing.T) {
	r := run(t, 9, invoker.Fixed, "none", stallable, func(o *faults.Options) {
		o.Node.Throttle = invoker.Throttle{Rate: 1, Per: time.Minute, Burst: 1}
		o.Workload.Kills = 0
	})
	verdicts := 0
	for _, v := range r.Violations {
		if v.Invariant != faults.Progress {
			continue
		}
		verdicts++
		if v.Check != faults.CheckBacklog || !strings.Contains(v.Detail, "whose queue sleeps for a token until ") {
			t.Errorf("%s (%s): %s", v.Invariant, v.Check, v.Detail)
		}
	}
	if verdicts == 0 {
		t.Fatal("no progress verdict: the throttle is not slower than the bound")
	}
}

// A queue's sleep ends with its invoker: the node shut down, the wakes
// still in flight to its invokers hold nothing open, and the liveness
// phase's restart comes right after the shutdown, not an hour later when
// the last wake of a 1/h throttle would be due.
func TestAnEndedInvokersWakeHoldsNothingOpen(t *testing.T) {
	var restartAt time.Duration = -1
	r := run(t, 9, invoker.Fixed, "none", func(o *faults.Options) {
		o.Node.Throttle = invoker.Throttle{Rate: 1, Per: time.Hour, Burst: 1}
		o.Observers = append(o.Observers, faults.EventFunc(func(e invoker.Event) {
			if e.Kind == invoker.KindRestart && restartAt < 0 {
				restartAt = e.At
			}
		}))
	})
	if restartAt < 0 || restartAt > time.Second {
		t.Errorf("the node restarted at %v, want right after its shutdown", restartAt)
	}
	for _, v := range r.Violations {
		if v.Check == faults.CheckNoLeader {
			t.Errorf("a verdict blames leaderless partitions the restart would have led: %s", v.Detail)
		}
	}
}
