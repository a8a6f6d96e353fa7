package faults_test

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"lab/faults"
	"lab/invoker"
)

// drawControl draws a control a person at the terminal UI could send.
func drawControl(t *rapid.T, partitions int) faults.Control {
	p := invoker.PartitionID(rapid.IntRange(0, partitions-1).Draw(t, "control-partition"))
	switch rapid.IntRange(0, 6).Draw(t, "control") {
	case 0:
		return faults.Control{Kind: faults.ControlStepDown, Partition: p}
	case 1:
		return faults.Control{Kind: faults.ControlLeader, Partition: p}
	case 2:
		return faults.Control{Kind: faults.ControlKill, Partition: p, Inv: faults.InvocationID(0, 40)}
	case 3:
		return faults.Control{Kind: faults.ControlShutdown}
	case 4:
		return faults.Control{Kind: faults.ControlPause, Partition: p, Inv: faults.InvocationID(1, 40)}
	case 5:
		return faults.Control{Kind: faults.ControlResume, Partition: p, Inv: faults.InvocationID(1, 40)}
	}
	action := rapid.SampledFrom([]faults.Action{faults.Delay, faults.Drop, faults.Duplicate, faults.Reorder}).Draw(t, "action")
	rule := faults.Rule{Action: action, Kinds: []invoker.MsgKind{rapid.SampledFrom(invoker.MsgKinds()).Draw(t, "kind")},
		Limit: rapid.IntRange(1, 3).Draw(t, "limit")}
	switch action {
	case faults.Delay:
		rule.DelayMin = 7 * 1e6
		rule.DelayMax = rule.DelayMin
	case faults.Reorder:
		rule.OvertakesMin, rule.OvertakesMax = 2, 2
	}
	return faults.Control{Kind: faults.ControlFault, Rule: rule}
}

func TestControlsAreRecordedAndReplayed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := drawOptions(t)
		controls := rapid.IntRange(1, 3).Draw(t, "controls")
		at := make([]int, controls)
		for i := range at {
			at[i] = rapid.IntRange(1, 400).Draw(t, "at")
		}
		var sch, log bytes.Buffer
		o.Record, o.Events = &sch, &log
		s, err := faults.New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sent := 0
		for !s.Done() {
			d, err := s.Step()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range at {
				if k == d.Index && !s.Done() {
					if err := s.Control(drawControl(t, o.Node.Partitions)); err != nil {
						t.Fatal(err)
					}
					sent++
				}
			}
		}
		if got := strings.Count(log.String(), `"kind":"sim.control"`); got != sent {
			t.Fatalf("%d controls sent, %d logged", sent, got)
		}
		parsed, err := faults.ParseSchedule("recorded", sch.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		replayed, replayedLog := runLogged(t, faults.ReplayOptions(parsed))
		if replayed.Hash != s.Result().Hash || replayedLog != log.String() {
			t.Fatalf("replay differs: %s", firstDiff(log.String(), replayedLog))
		}
	})
}

func TestControlsThatDoNotFitAreRefused(t *testing.T) {
	s, err := faults.New(faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []faults.Control{
		{Kind: faults.ControlStepDown, Partition: 4},
		{Kind: faults.ControlLeader, Partition: -1},
		{Kind: faults.ControlKill, Partition: 0},
		{Kind: faults.ControlFault, Rule: faults.Rule{Action: faults.Drop}},
		{Kind: faults.ControlNone},
	} {
		if err := s.Control(c); err == nil {
			t.Errorf("control %v was accepted", c)
		}
	}
}

// A plan is shared by every run that loads it: a fault armed in one run
// must not leak into the plan.
func TestArmingAFaultLeavesThePlanAlone(t *testing.T) {
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	rules := len(plan.Rules)
	s, err := faults.New(faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Plan: plan, Workload: faults.DefaultWorkload()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rule := faults.Rule{Action: faults.Drop, Kinds: []invoker.MsgKind{invoker.MsgAck}}
	if err := s.Control(faults.Control{Kind: faults.ControlFault, Rule: rule}); err != nil {
		t.Fatal(err)
	}
	for !s.Done() {
		if _, err := s.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if len(plan.Rules) != rules {
		t.Fatalf("the plan has %d rules after the run, %d before", len(plan.Rules), rules)
	}
	if s.Result().Faults[faults.Drop] == 0 {
		t.Fatal("the armed drop never fired")
	}
}
