package explore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// cutBefore is what s recorded before its k-th pick: what a run's
// checkpoint at that pick cuts.
func cutBefore(s *faults.Schedule, k int) *faults.Schedule {
	cut := *s
	picks := 0
	i := slices.IndexFunc(s.Entries, func(e faults.Entry) bool {
		if e.Op == faults.OpPick {
			picks++
		}
		return picks == k
	})
	cut.Entries = s.Entries[:i]
	return &cut
}

// raceOf is the pick of s at which the two things ready were described
// as race says, and those two.
func raceOf(t testing.TB, s *faults.Schedule, race [2]string) (int, []faults.Choice) {
	t.Helper()
	o := faults.ReplayOptions(s)
	picks, at := 0, 0
	var ready []faults.Choice
	o.Observers = []faults.Observer{faults.PickFunc(func(cs []faults.Choice, _ int, describe func(faults.Choice) string) {
		if picks++; at == 0 && len(cs) == 2 && describe(cs[0]) == race[0] && describe(cs[1]) == race[1] {
			at, ready = picks, slices.Clone(cs)
		}
	})}
	if _, err := faults.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if at == 0 {
		t.Fatalf("no pick had %q and %q ready", race[0], race[1])
	}
	return at, ready
}

// theRace is #2543's race in the README's run (seed 9, buggy,
// shutdown-race): what the run recorded before it, the two things ready
// (the AbortAllPartition in invoker 0's input, its shutdown arm) and the
// run's plan.
func theRace(t testing.TB) (*faults.Schedule, []faults.Choice, *faults.Plan) {
	t.Helper()
	s := scheduleOf(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race")
	k, ready := raceOf(t, s, [2]string{"invoker0 input abort-all p0/e1", "invoker0 shutdown cancelled"})
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	return cutBefore(s, k), ready, plan
}

// #2543's race in the README's run (seed 9, buggy, shutdown-race): the
// runs that go on from it with the AbortAllPartition taken panic, those
// with the shutdown arm taken do not. The odds do not depend on the
// number of workers.
func TestBranchesOfTheRace(t *testing.T) {
	cut, ready, plan := theRace(t)
	cfg := explore.BranchConfig{Runs: 20, Plan: plan, Workers: 2}
	b, err := explore.Branches(context.Background(), cut, ready, cfg)
	if err != nil {
		t.Fatal(err)
	}
	abortFirst, shutdownFirst := b[0], b[1]
	if abortFirst.Option != ready[0] || len(abortFirst.Failed) == 0 || abortFirst.Failed[0].Invariant != faults.NoPanic ||
		abortFirst.Failed[0].Runs < 15 || abortFirst.Held+abortFirst.Fails()+abortFirst.Unsettled != cfg.Runs {
		t.Errorf("with the AbortAllPartition first: %+v", abortFirst)
	}
	if shutdownFirst.Option != ready[1] || shutdownFirst.Held != cfg.Runs || shutdownFirst.String() != "0/20 fail" {
		t.Errorf("with the shutdown arm first: %+v (%s)", shutdownFirst, shutdownFirst)
	}
	if want := fmt.Sprintf("%d/20 fail (no-panic %d", abortFirst.Fails(), abortFirst.Failed[0].Runs); !strings.HasPrefix(abortFirst.String(), want) {
		t.Errorf("%q does not start %q", abortFirst, want)
	}
	cfg.Workers = 1
	again, err := explore.Branches(context.Background(), cut, ready, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, b) {
		t.Errorf("1 worker: %v; 2: %v", again, b)
	}
	if _, err := explore.Branches(context.Background(), cut, ready, explore.BranchConfig{}); err == nil {
		t.Errorf("no runs asked for, and no error")
	}
	if _, err := explore.Branches(context.Background(), cut, ready, explore.BranchConfig{Runs: 1, Scheduler: "nope"}); err == nil ||
		!strings.Contains(err.Error(), `unknown scheduler "nope"`) {
		t.Errorf("an unknown scheduler: %v", err)
	}
}

// The picks after the option are the scheduler's the config names: with
// priority, which takes no random number, the runs of an option differ
// only by what the workload and the plan draw, and the odds are another
// tally than random's.
func TestBranchesTakeTheSchedulersPicks(t *testing.T) {
	cut, ready, plan := theRace(t)
	odds := func(scheduler string) []explore.Branch {
		t.Helper()
		b, err := explore.Branches(context.Background(), cut, ready, explore.BranchConfig{Runs: 20, Plan: plan, Workers: 2, Scheduler: scheduler})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	random, priority := odds(""), odds("priority")
	if reflect.DeepEqual(random, priority) {
		t.Errorf("priority's odds are random's: %v", random)
	}
	if again := odds("random"); !reflect.DeepEqual(again, random) {
		t.Errorf("random named: %v; by default: %v", again, random)
	}
}
