package faults_test

import (
	"fmt"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// What Describe says a choice will do is what its step then does: a
// delivery hands over the message named, an input step reads the command
// named, a dequeue takes the invoke named (or starts reading the segment
// named), a join joins the task named.
func TestDescribeSaysWhatTheStepDoes(t *testing.T) {
	checked := map[string]int{}
	for seed := uint64(1); seed <= 12; seed++ {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
			o := swarmRun(t, seed, v)
			var events []invoker.Event
			var said string // what the step's pick was described as, if it picked
			o.Observers = []faults.Observer{
				faults.EventFunc(func(e invoker.Event) { events = append(events, e) }),
				faults.PickFunc(func(ready []faults.Choice, taken int, describe func(faults.Choice) string) {
					said = describe(ready[taken])
				}),
			}
			sim, err := faults.New(o)
			if err != nil {
				t.Fatal(err)
			}
			for !sim.Done() {
				events, said = events[:0], ""
				step, err := sim.Step()
				if err != nil {
					t.Fatal(err)
				}
				if said == "" {
					continue // not a pick
				}
				if err := stepDid(said, step, events); err != nil {
					t.Fatalf("seed %d %s, step %d: described %q, but %v", seed, v, step.Index, said, err)
				}
				checked[step.Kind.String()+" "+step.Arm.String()]++
			}
			sim.Close()
		}
	}
	for _, want := range []string{"deliver none", "invoker input", "invoker dequeue", "invoker task", "invoker join", "invoker shutdown"} {
		if checked[want] == 0 {
			t.Errorf("no %s step checked: %v", want, checked)
		}
	}
}

// stepDid checks what a step did against what was said of it.
func stepDid(said string, step faults.StepInfo, events []invoker.Event) error {
	if step.Kind == faults.StepDeliver {
		if want := "deliver " + step.Msg.String(); said != want {
			return fmt.Errorf("the step delivered %s", step.Msg)
		}
		return nil
	}
	prefix := fmt.Sprintf("invoker%d %s", step.Invoker, step.Arm)
	if !strings.HasPrefix(said, prefix) {
		return fmt.Errorf("the step was %s", prefix)
	}
	next := strings.TrimPrefix(strings.TrimPrefix(said, prefix), " ")
	find := func(k invoker.Kind) *invoker.Event {
		for i := range events {
			if events[i].Kind == k && events[i].Invoker == step.Invoker {
				return &events[i]
			}
		}
		return nil
	}
	switch step.Arm {
	case invoker.ArmDequeue:
		if strings.HasPrefix(next, "segment ") {
			return nil // the read starts; its events name the segment by number only
		}
		if e := find(invoker.KindDequeue); e == nil || next != fmt.Sprintf("%s %s", invoker.PLE{Partition: e.Partition, Epoch: e.Epoch}, e.Inv) {
			return fmt.Errorf("it dequeued %v", e)
		}
	case invoker.ArmJoin:
		if e := find(invoker.KindTaskJoined); e == nil || !strings.HasPrefix(next, fmt.Sprintf("task %d (%s attempt", e.Task, e.Inv)) {
			return fmt.Errorf("it joined %v", e)
		}
	case invoker.ArmShutdown:
		if next != "cancelled" {
			return fmt.Errorf("a shutdown step is described as %q", next)
		}
	case invoker.ArmInput, invoker.ArmTask, invoker.ArmTimer:
		if next == "" {
			return fmt.Errorf("nothing said of what the %s arm takes", step.Arm)
		}
	}
	return nil
}
