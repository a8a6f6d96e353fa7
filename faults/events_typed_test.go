package faults_test

import (
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// TestEventsAreWellTyped: in whole runs of every variant and plan, From and
// To hold a named value of the enum their kind's entry names (and nothing
// for kinds without one), every outcome has a name, and every event of an
// arm that handles a message carries that message's id.
func TestEventsAreWellTyped(t *testing.T) {
	for _, plan := range faults.BuiltinPlans() {
		for _, v := range invoker.Variants() {
			for seed := uint64(1); seed <= 5; seed++ {
				check := func(e invoker.Event) {
					info := invoker.KindInfo(e.Kind)
					if info.States == invoker.NoState && (e.From != 0 || e.To != 0) {
						t.Errorf("%s %s seed %d: %s has From/To but its kind has no states: %+v", plan, v, seed, info.Name, e)
					}
					for _, st := range []invoker.State{e.From, e.To} {
						if name := info.States.Name(st); st != 0 && strings.HasPrefix(name, "?") {
							t.Errorf("%s %s seed %d: %s holds %s, not a %s", plan, v, seed, info.Name, name, info.States)
						}
					}
					if strings.HasPrefix(e.Outcome.String(), "?") {
						t.Errorf("%s %s seed %d: %s has outcome %s", plan, v, seed, info.Name, e.Outcome)
					}
					switch e.Arm {
					case invoker.ArmInput, invoker.ArmTask, invoker.ArmTimer, invoker.ArmDequeue:
						if e.Cause == 0 {
							t.Errorf("%s %s seed %d: %s in the %s arm has no cause: %s", plan, v, seed, info.Name, e.Arm, e)
						}
					}
				}
				run(t, seed, v, plan, func(o *faults.Options) {
					o.Observers = append(o.Observers, faults.EventFunc(check))
				})
			}
		}
	}
}
