package faults_test

import (
	"bytes"
	"slices"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// atChoice is where a run stood when a pick with a choice was made: the
// pick's number, what was ready, and the event log so far.
type atChoice struct {
	pick   int
	ready  []faults.Choice
	events uint64
	hash   string
}

// choicesOf steps the run o describes to its end and notes every pick
// with a choice, or only pick `only` when it is not 0.
func choicesOf(t *testing.T, o faults.Options, only int) []atChoice {
	t.Helper()
	var sim *faults.Sim
	var at []atChoice
	picks := 0
	o.Observers = append(o.Observers, faults.PickFunc(func(ready []faults.Choice, _ int, _ func(faults.Choice) string) {
		picks++
		if len(ready) < 2 || only != 0 && picks != only {
			return
		}
		events, hash, err := sim.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, atChoice{pick: picks, ready: slices.Clone(ready), events: events, hash: hash})
	}))
	sim, err := faults.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	for !sim.Done() && (only == 0 || picks < only) {
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	return at
}

// recordSteered runs o and returns its schedule; with controls, a
// person's at the run's 40th and 90th steps are in it: partition 0
// stepped down, then made leader again (a lenient replay applies them
// after the picks and steps that preceded them).
func recordSteered(t *testing.T, o faults.Options, controls bool) *faults.Schedule {
	t.Helper()
	var rec bytes.Buffer
	o.Record = &rec
	sim, err := faults.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sent := 0
	for step := 1; !sim.Done(); step++ {
		if controls && (step == 40 || step == 90) {
			c := faults.Control{Kind: faults.ControlStepDown, Partition: 0}
			if step == 90 {
				c.Kind = faults.ControlLeader
			}
			if err := sim.Control(c); err != nil {
				t.Fatal(err)
			}
			sent++
		}
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := faults.ParseSchedule("recorded", rec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := sch.Decisions().Controls; got != sent {
		t.Fatalf("%d controls sent, %d recorded", sent, got)
	}
	return sch
}

// A schedule cut before any of its picks with a choice (KeepPicks) and
// replayed leniently, drawing after the cut as a take-over does, gets to
// that pick exactly as the recorded run did: the same things ready, the
// same event log, byte for byte, controls a person sent included. What
// comes after the cut (here another seed's scheduler) changes nothing
// before it.
func TestKeptPicksReplayToTheirCutAsRecorded(t *testing.T) {
	cuts, steered := 0, 0
	for seed := uint64(1); seed <= 12; seed++ {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed, invoker.Graceful} {
			o := swarmRun(t, seed, v)
			sch := recordSteered(t, o, seed%3 == 0)
			if sch.Decisions().Controls == 2 {
				steered++
			}
			replay := faults.ReplayOptions(sch)
			replay.Node.Store, replay.Workload.Tasks = invoker.MemStores(), o.Workload.Tasks
			recorded := choicesOf(t, replay, 0)
			// Every ninth choice, and the last: a run has a few hundred.
			for i := 0; i < len(recorded); i += 9 {
				if i+9 >= len(recorded) {
					i = len(recorded) - 1
				}
				want := recorded[i]
				other, err := faults.NewStrategy("random", seed+1000)
				if err != nil {
					t.Fatal(err)
				}
				cut := faults.ReplayOptions(sch.KeepPicks(nil, want.pick-1))
				cut.Lenient, cut.DrawAfterPicks, cut.Strategy, cut.Plan = true, true, other, o.Plan
				cut.Node.Store, cut.Workload.Tasks = invoker.MemStores(), o.Workload.Tasks
				got := choicesOf(t, cut, want.pick)
				if len(got) != 1 || !slices.Equal(got[0].ready, want.ready) || got[0].events != want.events || got[0].hash != want.hash {
					t.Fatalf("seed %d %s, cut before pick %d: reached %+v, the recording %+v", seed, v, want.pick, got, want)
				}
				cuts++
			}
		}
	}
	if cuts < 500 || steered < 6 {
		t.Errorf("only %d cuts checked, %d runs steered", cuts, steered)
	}
}
