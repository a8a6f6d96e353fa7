package faults

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"lab/invoker"
)

// injector applies a plan to messages as they are sent. It draws only from
// the faults stream, and only for rules that match.
type injector struct {
	plan *Plan
	// rules are the plan's, then those armed during the run: a run never
	// changes a plan that other runs share.
	rules   []Rule
	armed   bool
	rng     *rand.Rand
	hits    []int
	enabled bool
	// serves tells whether invoker i serves partition p, for rules that
	// name a partition and messages that name an invoker.
	serves func(i int, p invoker.PartitionID) bool
}

func newInjector(plan *Plan, seed uint64, serves func(int, invoker.PartitionID) bool) *injector {
	if plan == nil {
		plan = &Plan{Name: "none"}
	}
	return &injector{plan: plan, rules: slices.Clone(plan.Rules), rng: newStream(seed, streamFaults),
		hits: make([]int, len(plan.Rules)), enabled: true, serves: serves}
}

// arm adds a rule for this run only; it applies even once the plan's faults
// are healed.
func (in *injector) arm(r Rule) {
	in.rules = append(in.rules, r)
	in.hits = append(in.hits, 0)
	in.armed = true
}

// judge decides the fate of m, sent at now. ok is false when no rule fires.
func (in *injector) judge(m invoker.Envelope, now time.Duration) (v Verdict, ok bool) {
	if !in.enabled && !in.armed {
		return v, false
	}
	for i := range in.rules {
		if !in.enabled && i < len(in.plan.Rules) {
			continue
		}
		r := &in.rules[i]
		if (r.Limit > 0 && in.hits[i] >= r.Limit) || !in.matches(r, m, now) {
			continue
		}
		if r.Probability < 1 && in.rng.Float64() >= r.Probability {
			continue
		}
		in.hits[i]++
		v = Verdict{Action: r.Action, Rule: i + 1}
		switch r.Action {
		case Delay, Duplicate:
			v.Delay = r.DelayMin
			if r.DelayMax > r.DelayMin {
				v.Delay += time.Duration(in.rng.Int64N(int64(r.DelayMax-r.DelayMin) + 1))
			}
		case Reorder:
			v.Overtakes = r.OvertakesMin
			if r.OvertakesMax > r.OvertakesMin {
				v.Overtakes += in.rng.IntN(r.OvertakesMax - r.OvertakesMin + 1)
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
		case invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup, invoker.MsgSegmentLoaded, invoker.MsgThrottleWake:
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

// describe is the reason text of a fault event. (Built without fmt: it is
// written for every fault of every run.)
func (v Verdict) describe() string {
	// One concatenation each: a fault's description is built for every
	// fault a run injects, a few hundred a run.
	switch v.Action {
	case Delay:
		return "by " + v.Delay.String() + " (rule " + strconv.Itoa(v.Rule) + ")"
	case Duplicate:
		if v.Delay > 0 {
			return "copy " + v.Delay.String() + " later (rule " + strconv.Itoa(v.Rule) + ")"
		}
	case Reorder:
		return "until " + strconv.Itoa(v.Overtakes) + " later deliveries pass (rule " + strconv.Itoa(v.Rule) + ")"
	}
	return "(rule " + strconv.Itoa(v.Rule) + ")"
}

var faultKinds = [...]invoker.Kind{Delay: invoker.KindFaultDelay, Drop: invoker.KindFaultDrop,
	Reorder: invoker.KindFaultReorder, Duplicate: invoker.KindFaultDuplicate}
