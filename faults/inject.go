package faults

import (
	"fmt"
	"math/rand/v2"
	"time"

	"lab/invoker"
)

// injector applies a plan to messages as they are sent. It draws only from
// the faults stream, and only for rules that match.
type injector struct {
	plan    *Plan
	rng     *rand.Rand
	hits    []int
	enabled bool
	// serves tells whether invoker i serves partition p, for rules that
	// name a partition and messages that name an invoker.
	serves func(i int, p invoker.PartitionID) bool
}

// verdict is what happens to one message.
type verdict struct {
	action    Action
	delay     time.Duration
	overtakes int
	rule      int
}

func newInjector(plan *Plan, seed uint64, serves func(int, invoker.PartitionID) bool) *injector {
	if plan == nil {
		plan = &Plan{Name: "none"}
	}
	return &injector{plan: plan, rng: newStream(seed, streamFaults), hits: make([]int, len(plan.Rules)),
		enabled: true, serves: serves}
}

// judge decides the fate of m, sent at now. ok is false when no rule fires.
func (in *injector) judge(m invoker.Envelope, now time.Duration) (v verdict, ok bool) {
	if !in.enabled {
		return v, false
	}
	for i := range in.plan.Rules {
		r := &in.plan.Rules[i]
		if (r.Limit > 0 && in.hits[i] >= r.Limit) || !in.matches(r, m, now) {
			continue
		}
		if r.Probability < 1 && in.rng.Float64() >= r.Probability {
			continue
		}
		in.hits[i]++
		v = verdict{action: r.Action, rule: i}
		switch r.Action {
		case Delay, Duplicate:
			v.delay = r.DelayMin
			if r.DelayMax > r.DelayMin {
				v.delay += time.Duration(in.rng.Int64N(int64(r.DelayMax-r.DelayMin) + 1))
			}
		case Reorder:
			v.overtakes = r.OvertakesMin
			if r.OvertakesMax > r.OvertakesMin {
				v.overtakes += in.rng.IntN(r.OvertakesMax - r.OvertakesMin + 1)
			}
		}
		return v, true
	}
	return v, false
}

func (in *injector) matches(r *Rule, m invoker.Envelope, now time.Duration) bool {
	if now < r.From || (r.To > 0 && now >= r.To) {
		return false
	}
	kind := false
	for _, k := range r.Kinds {
		if k == m.Kind {
			kind = true
			break
		}
	}
	if !kind {
		return false
	}
	if r.Partition != nil {
		switch m.Kind {
		case invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup:
			if !in.serves(m.Invoker, *r.Partition) {
				return false
			}
		case invoker.MsgStopIngress:
			return false
		default:
			if m.PLE.Partition != *r.Partition {
				return false
			}
		}
	}
	if r.Epoch != nil && m.PLE.Epoch != *r.Epoch {
		return false
	}
	return r.Invocation == "" || r.Invocation == m.Inv
}

// describe is the reason text of a fault event.
func (v verdict) describe() string {
	switch v.action {
	case Delay:
		return fmt.Sprintf("by %v (rule %d)", v.delay, v.rule+1)
	case Duplicate:
		if v.delay > 0 {
			return fmt.Sprintf("copy %v later (rule %d)", v.delay, v.rule+1)
		}
	case Reorder:
		return fmt.Sprintf("until %d later deliveries pass (rule %d)", v.overtakes, v.rule+1)
	}
	return fmt.Sprintf("(rule %d)", v.rule+1)
}

var faultKinds = [...]invoker.Kind{Delay: invoker.KindFaultDelay, Drop: invoker.KindFaultDrop,
	Reorder: invoker.KindFaultReorder, Duplicate: invoker.KindFaultDuplicate}
