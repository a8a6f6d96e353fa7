package faults

import (
	"testing"

	"lab/invoker"
)

// TestTokioSelect: each start of the seven branches goes to the first ready
// branch from there, in lib.rs order, so arms win in proportion to the
// starts that reach them first.
func TestTokioSelect(t *testing.T) {
	set := func(arms ...invoker.Arm) invoker.ArmSet {
		var s invoker.ArmSet
		for _, a := range arms {
			s = s.With(a)
		}
		return s
	}
	cases := []struct {
		ready invoker.ArmSet
		wins  map[invoker.Arm]int // out of 7 starts
	}{
		{set(invoker.ArmInput, invoker.ArmDequeue), map[invoker.Arm]int{invoker.ArmInput: 6, invoker.ArmDequeue: 1}},
		{set(invoker.ArmDequeue, invoker.ArmShutdown), map[invoker.Arm]int{invoker.ArmDequeue: 3, invoker.ArmShutdown: 4}},
		{set(invoker.ArmInput, invoker.ArmDequeue, invoker.ArmTask, invoker.ArmTimer, invoker.ArmShutdown),
			map[invoker.Arm]int{invoker.ArmInput: 2, invoker.ArmDequeue: 1, invoker.ArmTask: 1, invoker.ArmTimer: 1, invoker.ArmShutdown: 2}},
		{set(invoker.ArmTimer), map[invoker.Arm]int{invoker.ArmTimer: 7}},
		{set(), map[invoker.Arm]int{invoker.ArmNone: 7}},
	}
	for _, c := range cases {
		got := map[invoker.Arm]int{}
		for start := range len(invoker.SelectOrder) {
			got[tokioSelect(invoker.SelectOrder, start, c.ready)]++
		}
		if len(got) != len(c.wins) {
			t.Errorf("ready %s: wins %v, want %v", c.ready, got, c.wins)
			continue
		}
		for a, n := range c.wins {
			if got[a] != n {
				t.Errorf("ready %s: wins %v, want %v", c.ready, got, c.wins)
				break
			}
		}
	}
}

// TestRandomStrategyFollowsSelect: over many draws the random scheduler
// gives dequeue about 3/7 of the #2543 race against shutdown; the uniform
// one about 1/2.
func TestRandomStrategyFollowsSelect(t *testing.T) {
	cs := []Choice{{Invoker: 0, Arm: invoker.ArmDequeue}, {Invoker: 0, Arm: invoker.ArmShutdown}}
	for _, c := range []struct {
		name string
		want float64
	}{{"random", 3.0 / 7}, {"uniform", 0.5}} {
		s, err := NewStrategy(c.name, 7)
		if err != nil {
			t.Fatal(err)
		}
		const n = 70000
		dequeues := 0
		for range n {
			if cs[s.Choose(cs)].Arm == invoker.ArmDequeue {
				dequeues++
			}
		}
		// Binomial standard deviation at n=70000 is under 0.002: 0.01 is 5 sigma.
		if got := float64(dequeues) / n; got < c.want-0.01 || got > c.want+0.01 {
			t.Errorf("%s: dequeue won %.3f of the races, want %.3f", c.name, got, c.want)
		}
	}
}
