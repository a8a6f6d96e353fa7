package faults_test

import (
	"bytes"
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// swarmRun is the options of the swarm's run of seed and v, its spill in
// memory, with the seeded random strategy, which the caller may wrap.
func swarmRun(t *testing.T, seed uint64, v invoker.Variant) faults.Options {
	t.Helper()
	cfg, w, planName := faults.SwarmShape(seed, v)
	cfg.Store = invoker.MemStores()
	plan, err := faults.LoadPlan(planName)
	if err != nil {
		t.Fatal(err)
	}
	random, err := faults.NewStrategy("random", seed)
	if err != nil {
		t.Fatal(err)
	}
	return faults.Options{Seed: seed, Node: cfg, Plan: plan, Workload: w, Strategy: random}
}

// countingStrategy passes every pick on to its strategy, counting the
// picks and those that had more than one thing ready.
type countingStrategy struct {
	faults.Strategy
	picks, choices int
}

func (c *countingStrategy) Choose(cs []faults.Choice) int {
	c.picks++
	if len(cs) > 1 {
		c.choices++
	}
	return c.Strategy.Choose(cs)
}

// A run's Choices are the picks its strategy was offered more than one
// thing at, and a replay of its schedule, which does not record them,
// counts the same again.
func TestChoicesAreThePicksWithSomethingToChoose(t *testing.T) {
	var picks, choices int
	for seed := uint64(1); seed <= 20; seed++ {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed, invoker.Graceful} {
			o := swarmRun(t, seed, v)
			counter := &countingStrategy{Strategy: o.Strategy}
			var sch bytes.Buffer
			o.Strategy, o.Record = counter, &sch
			r, err := faults.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Decisions.Picks != counter.picks || r.Choices != counter.choices {
				t.Errorf("seed %d %s: %d picks with %d choices, the strategy was asked %d times, %d of them with a choice",
					seed, v, r.Decisions.Picks, r.Choices, counter.picks, counter.choices)
			}
			s, err := faults.ParseSchedule("choices.schedule", sch.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			ro := faults.ReplayOptions(s)
			ro.Node.Store = invoker.MemStores()
			again, err := faults.Run(context.Background(), ro)
			if err != nil {
				t.Fatal(err)
			}
			if again.Choices != r.Choices {
				t.Errorf("seed %d %s: the replay counts %d choices, the run %d", seed, v, again.Choices, r.Choices)
			}
			picks, choices = picks+r.Decisions.Picks, choices+r.Choices
		}
	}
	// Most picks are forced; a count that took every pick, or none, is wrong.
	if choices == 0 || choices*2 > picks {
		t.Errorf("%d of %d picks had a choice", choices, picks)
	}
}

// A PickObserver sees every pick, with what was ready and which was
// taken: as many as the run's picks, those with more than one ready its
// choices.
func TestPickObserverSeesEveryPick(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		o := swarmRun(t, seed, invoker.Buggy)
		var picks, choices int
		o.Observers = []faults.Observer{faults.PickFunc(func(ready []faults.Choice, taken int, describe func(faults.Choice) string) {
			if taken < 0 || taken >= len(ready) || describe(ready[taken]) == "" {
				t.Fatalf("seed %d: took %d of %v", seed, taken, ready)
			}
			picks++
			if len(ready) > 1 {
				choices++
			}
		})}
		r, err := faults.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if picks != r.Decisions.Picks || choices != r.Choices {
			t.Errorf("seed %d: the observer saw %d picks and %d choices, the run took %d and %d", seed, picks, choices, r.Decisions.Picks, r.Choices)
		}
	}
}
