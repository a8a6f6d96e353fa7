package explore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// scheduleOf records a run of the reference workload.
func scheduleOf(t testing.TB, seed uint64, v invoker.Variant, plan string) *faults.Schedule {
	t.Helper()
	cfg := invoker.DefaultConfig()
	cfg.Variant = v
	return scheduleOn(t, seed, cfg, plan)
}

// scheduleOn records a run of the reference workload on node cfg.
func scheduleOn(t testing.TB, seed uint64, cfg invoker.Config, plan string) *faults.Schedule {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p,
		Workload: faults.DefaultWorkload(), Record: &buf}); err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule("recorded", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Seed 28 panics without any fault, in a race that slots held by long
// tasks decide: unlikely from the start, certain by the end, and rising
// in between. The curve does not depend on the number of workers.
func TestInevitableChartsTheRace(t *testing.T) {
	s := scheduleOf(t, 28, invoker.Buggy, "none")
	cfg := explore.CurveConfig{Stride: 40, Suffixes: 20, Workers: 2}
	c, err := explore.Inevitable(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, last := c.Points[0], c.Points[len(c.Points)-1]
	if c.Invariant != faults.NoPanic || first.Picks != 0 || first.P >= 0.5 || last.Picks != c.Picks || last.Same != cfg.Suffixes {
		t.Fatalf("%s: P(0) = %.2f, P(%d) = %.2f of %d picks", c.Invariant, first.P, last.Picks, last.P, c.Picks)
	}
	for i, p := range c.Points {
		if p.Same+p.Other > cfg.Suffixes || p.P != float64(p.Same)/float64(cfg.Suffixes) || (i > 0 && p.Picks <= c.Points[i-1].Picks) {
			t.Errorf("point %d: %+v", i, p)
		}
	}
	j := c.Jump
	if j == nil || j.After <= j.Before || j.Pick <= c.FineFrom || j.Pick > c.FineTo || c.FineTo-c.FineFrom != cfg.Stride ||
		len(j.Events) == 0 || !strings.Contains(j.Step, "invoker") && !strings.Contains(j.Step, "deliver") {
		t.Fatalf("jump %+v, charted finely from %d to %d", j, c.FineFrom, c.FineTo)
	}
	// The jump's place among all steps is where a replay of the
	// schedule takes that very step (lab tui --replay goes there), and
	// what it took over what was ready is that pick's.
	ro := faults.ReplayOptions(s)
	var picks, ready int
	var took string
	ro.Observers = []faults.Observer{faults.PickFunc(func(cs []faults.Choice, i int, describe func(faults.Choice) string) {
		if picks++; picks == j.Pick {
			ready, took = len(cs), describe(cs[i])
		}
	})}
	sim, err := faults.New(ro)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var d faults.StepInfo
	for range j.AtStep {
		if d, err = sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if j.AtStep == 0 || d.String() != j.Step {
		t.Errorf("the jump at step %d is %q; a replay's step %d is %q", j.AtStep, j.Step, j.AtStep, d)
	}
	if j.Took != took || len(j.Over) != ready-1 || len(j.Otherwise) != len(j.Over) || !strings.HasPrefix(took, strings.TrimPrefix(d.String(), fmt.Sprintf("#%d %s ", d.Index, faults.FormatTime(d.At)))) {
		t.Errorf("the jump took %q over %q; the replay's pick took %q of %d ready, in step %q", j.Took, j.Over, took, ready, d)
	}
	if c.CertainFrom <= j.Pick-1 || c.CertainFrom > c.Picks {
		t.Errorf("certain from %d, jump at %d of %d", c.CertainFrom, j.Pick, c.Picks)
	}
	cfg.Workers = 1
	again, err := explore.Inevitable(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Points, c.Points) || !reflect.DeepEqual(again.Jump, c.Jump) {
		t.Errorf("1 worker charts another curve:\n%+v\n%+v", again.Points, c.Points)
	}
	var text strings.Builder
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"failure      no-panic: assertion failed", "jump         pick ", "certain      from pick ", j.Step, "\n  took " + j.Took} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("no %q in:\n%s", want, text.String())
		}
	}
}

// A schedule that violates nothing has no curve.
func TestInevitableNothingToChart(t *testing.T) {
	s := scheduleOf(t, 1, invoker.Graceful, "shutdown-race")
	if _, err := explore.Inevitable(context.Background(), s, explore.CurveConfig{Stride: 10, Suffixes: 1}); !errors.Is(err, explore.ErrNothingToChart) {
		t.Errorf("err %v", err)
	}
	for _, bad := range []explore.CurveConfig{{Stride: 0, Suffixes: 1}, {Stride: 1, Suffixes: 0}, {Stride: 1, Suffixes: explore.MaxSuffixes + 1}} {
		if _, err := explore.Inevitable(context.Background(), s, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// A hunt's schedule is charted for what it hunted: seed 28 of none, its
// invoker unwound alone on a node left running, first panics (no-panic)
// and only then leaves p2 leading a dead invoker (crash-visibility), which
// its header names. The curve is of crash-visibility, and certain at its
// end; a suffix that only panics holds, for the chart.
func TestInevitableOfAHunt(t *testing.T) {
	p, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.OnPanic = invoker.Buggy, invoker.PanicUnwinds
	w := faults.DefaultWorkload()
	w.Shutdown = false
	var buf bytes.Buffer
	if _, err := faults.Run(context.Background(), faults.Options{Seed: 28, Node: cfg, Plan: p, Workload: w, Record: &buf,
		StopAtViolation: true, Invariants: []string{faults.CrashVisibility}}); err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule("hunted", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c, err := explore.Inevitable(context.Background(), s, explore.CurveConfig{Stride: 100, Suffixes: 10, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	last := c.Points[len(c.Points)-1]
	if c.Invariant != faults.CrashVisibility || c.Check != faults.CheckUnnoticedCrash || last.Same != 10 {
		t.Fatalf("charted %s/%s, last point %+v", c.Invariant, c.Check, last)
	}
}

// Where the jump's pick had a choice, the chart says what P would have
// been the other way: at #2543's race in the README's run, the shutdown
// arm taken instead of the AbortAllPartition fails in none of the
// suffixes. The text and the JSON say so.
func TestInevitableChartsTheOtherWay(t *testing.T) {
	s := scheduleOf(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race")
	cfg := explore.DefaultCurveConfig()
	cfg.Workers = 2
	c, err := explore.Inevitable(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	j := c.Jump
	if j == nil || j.Took != "invoker0 input abort-all p0/e1" || len(j.Over) != 1 || len(j.Otherwise) != 1 {
		t.Fatalf("jump %+v", j)
	}
	if o := j.Otherwise[0]; o.Took != j.Over[0] || o.P != 0 || o.Same != 0 || j.After < 0.5 {
		t.Fatalf("had it taken %s: P %.2f (%d); it took %s: P %.2f", o.Took, o.P, o.Same, j.Took, j.After)
	}
	var text strings.Builder
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "\n  had it taken invoker0 shutdown cancelled: P 0.00\n"; !strings.Contains(text.String(), want) {
		t.Errorf("no %q in:\n%s", want, text.String())
	}
	if summary := strings.Join(c.Summary(), "\n"); !strings.Contains(summary, "had it taken invoker0 shutdown cancelled: P 0.00") {
		t.Errorf("the panel's summary does not say it:\n%s", summary)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"otherwise":[{"took":"invoker0 shutdown cancelled","same":0,"p":0}]`) {
		t.Errorf("the JSON does not say it: %s", data)
	}
}

// cancelWhen is a context cancelled at the first Err() after cond holds:
// with one worker, at the same run every time.
type cancelWhen struct {
	context.Context
	cond    func() bool
	tripped atomic.Bool
	done    chan struct{}
}

func newCancelWhen(cond func() bool) *cancelWhen {
	return &cancelWhen{Context: context.Background(), cond: cond, done: make(chan struct{})}
}

func (c *cancelWhen) Done() <-chan struct{} { return c.done }

func (c *cancelWhen) Err() error {
	if !c.tripped.Load() && c.cond() && c.tripped.CompareAndSwap(false, true) {
		close(c.done)
	}
	if c.tripped.Load() {
		return context.Canceled
	}
	return nil
}

// Interrupted, the chart keeps the points charted by then, each the one an
// uninterrupted chart has, and claims nothing about the rest: cut short
// among every Stride-th point, it does not know where failing became
// certain; cut short across the rise, it names no jump. Interrupted before
// its first point, it has no chart at all.
func TestInevitableInterruptedKeepsThePointsCharted(t *testing.T) {
	s := scheduleOf(t, 28, invoker.Buggy, "none")
	cfg := explore.CurveConfig{Stride: 40, Suffixes: 20, Workers: 1}
	full, err := explore.Inevitable(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var coarse []explore.CurvePoint
	for _, p := range full.Points {
		if p.Picks%cfg.Stride == 0 || p.Picks == full.Picks {
			coarse = append(coarse, p)
		}
	}
	chart := func(cond func(*explore.CurveProgress) bool) (*explore.Curve, string, error) {
		cfg.Progress = new(explore.CurveProgress)
		c, err := explore.Inevitable(newCancelWhen(func() bool { return cond(cfg.Progress) }), s, cfg)
		if err != nil {
			return nil, "", err
		}
		var text strings.Builder
		if err := c.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		return c, text.String(), nil
	}

	c, text, err := chart(func(p *explore.CurveProgress) bool { return len(p.Points()) == 3 })
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interrupted || !reflect.DeepEqual(c.Points, coarse[:3]) || c.Jump != nil || c.CertainFrom != c.Picks {
		t.Errorf("interrupted at the 4th point: %+v, jump %v, certain from %d of %d; uninterrupted %+v",
			c.Points, c.Jump, c.CertainFrom, c.Picks, coarse[:3])
	}
	for _, want := range []string{"jump         not named: interrupted\n", "certain      not known: the points after pick 80 were not charted\n",
		fmt.Sprintf("interrupted  charted every 40th pick from 0 to 80 of %d\n", c.Picks)} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if summary := strings.Join(c.Summary(), "\n"); !strings.Contains(summary, " P(80) ") || !strings.Contains(summary, "interrupted: charted every 40th pick from 0 to 80") {
		t.Errorf("the panel's summary of the points so far:\n%s", summary)
	}

	c, text, err = chart(func(p *explore.CurveProgress) bool {
		k, picks, _ := p.At()
		return k%cfg.Stride != 0 && k != picks // a point across the rise
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interrupted || !reflect.DeepEqual(c.Points, coarse) || c.Jump != nil || c.FineFrom != 0 || c.CertainFrom < full.CertainFrom {
		t.Errorf("interrupted across the rise: %+v, jump %v, certain from %d (uninterrupted %d)", c.Points, c.Jump, c.CertainFrom, full.CertainFrom)
	}
	if want := "interrupted  charted every 40th pick, but not yet the jump\n"; !strings.Contains(text, want) || !strings.Contains(text, "certain      from pick ") {
		t.Errorf("no %q and where failing became certain in:\n%s", want, text)
	}

	if _, _, err := chart(func(*explore.CurveProgress) bool { return true }); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted before the first point: err %v", err)
	}
}
