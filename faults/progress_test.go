package faults_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// stallable is the workload of the progress tests: some invocations are
// killed, and the node is never shut down, so that a state machine the
// invoker keeps retrying for a killed invocation lives on.
func stallable(o *faults.Options) {
	o.Workload.Kills, o.Workload.Shutdown = 6, false
}

// Seed 132 of `none`: p3's new leader re-invokes i030, without its journal
// (only a new invocation's Invoke carries it), and i030's kill overtakes
// that invoke in the queue (#411); the invoke then reads the status and
// starts attempts that fail with NotInvoked, retried every
// 10 s for ever (#3217). Five simulated minutes after its last progress,
// the monitor reports it; the graceful variant gives up on the first such
// attempt, and holds.
func TestProgressReportsTheNotInvokedRetryLoop(t *testing.T) {
	for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
		r := run(t, 132, v, "none", stallable)
		if len(r.Violations) != 1 || r.Violations[0].Invariant != faults.Progress {
			t.Fatalf("%s: violations %v, want one of progress", v, r.Violations)
		}
		vi := r.Violations[0]
		for _, want := range []string{"1 invocation made no progress for 5m0s: i030", "killed at p3", "its state machine"} {
			if !strings.Contains(vi.Detail, want) {
				t.Errorf("%s: %q does not say %q", v, vi.Detail, want)
			}
		}
		// Reported at the first time advance past the bound: the retry
		// timer after it, at most the retry policy's 10 s later. No event
		// broke it: it was found after the last one, which came earlier.
		retry := invoker.DefaultConfig().Retry.Max
		if at := vi.At; at < 5*time.Minute || at > 5*time.Minute+retry {
			t.Errorf("%s: reported at %v, want just past 5m", v, at)
		}
		if !vi.Between || vi.Event.At >= vi.At || vi.Inv != "i030" {
			t.Errorf("%s: between %v, last event at %v, found at %v, about %q", v, vi.Between, vi.Event.At, vi.At, vi.Inv)
		}
		if want := fmt.Sprintf("at %v, after event #%d", vi.At, vi.Event.Seq); vi.Where() != want {
			t.Errorf("%s: %q, want %q", v, vi.Where(), want)
		}
		if len(vi.Recent) == 0 || vi.Recent[len(vi.Recent)-1].Inv != "i030" {
			t.Errorf("%s: the events leading to it are not i030's retries", v)
		}
	}
	if r := run(t, 132, invoker.Graceful, "none", stallable); !r.OK() {
		t.Errorf("graceful: %v", r.Violations)
	}
}

// The violation event a progress verdict logs is about the invocation it
// names first, not the last event's: seed 8 of `shutdown-race` names i018
// first, after an event of i032's. It points at that last event (N).
func TestProgressViolationEventNamesTheStuckInvocation(t *testing.T) {
	var logged []invoker.Event
	r := run(t, 8, invoker.Fixed, "shutdown-race", stallable, func(o *faults.Options) {
		o.Observers = []faults.Observer{faults.EventFunc(func(e invoker.Event) {
			if e.Kind == invoker.KindViolation {
				logged = append(logged, e)
			}
		})}
	})
	if len(r.Violations) != 1 || len(logged) != 1 {
		t.Fatalf("%d violations, %d logged", len(r.Violations), len(logged))
	}
	vi, e := r.Violations[0], logged[0]
	if vi.Inv != "i018" || vi.Event.Inv != "i032" {
		t.Fatalf("seed 8 no longer names i018 after an event of i032's: %q after %q", vi.Inv, vi.Event.Inv)
	}
	if e.Inv != "i018" || e.N != int(vi.Event.Seq) || e.At != vi.At || e.Msg != invoker.MsgNone || e.Task != 0 {
		t.Errorf("logged %+v", e)
	}
}

// zombie is a stuck invocation the partition processor no longer considers
// invoked (killed, or completed before a duplicated Invoke ran again) whose
// state machine the invoker keeps, and which no fault explains: #3217's
// retry loop.
var zombie = regexp.MustCompile(`\((killed|completed|failed) at p\d+, its state machine [^;)]*\)`)

// Over many seeds with kills and no shutdown, what the monitor reports is
// a retry loop of #3217's shape, never in the graceful variant, or, under
// `chaos`, in every variant, the plan's doing: a task output or ack it
// dropped, an invoke it duplicated, or elections it reordered so that a
// partition is left without a leader. Nothing else stands still.
func TestProgressSweep(t *testing.T) {
	reported := map[invoker.Variant]int{}
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		for seed := uint64(1); seed <= 100; seed++ {
			for _, v := range invoker.Variants() {
				r := run(t, seed, v, plan, stallable)
				for _, vi := range r.Violations {
					if vi.Invariant == faults.Progress {
						reported[v]++
						// The check says what the report shows: a state
						// machine of an invocation no longer invoked.
						if (vi.Check == faults.CheckRetryLoop) != zombie.MatchString(vi.Detail) {
							t.Errorf("%s seed %d %s: check %s for %q", plan, seed, v, vi.Check, vi.Detail)
						}
					}
					if !allowed(v, vi) {
						t.Errorf("%s seed %d %s: %v", plan, seed, v, vi)
					}
				}
			}
		}
	}
	// The loop is common under these plans (≈2% of `none` seeds, ≈50% of
	// `shutdown-race`): a sweep that reports none has lost the monitor.
	for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
		if reported[v] == 0 {
			t.Errorf("%s: the monitor reported nothing in 300 runs", v)
		}
	}
}

// A schedule recorded before the monitor existed has no bound-progress in
// its header: it replays with the monitor off, as it was recorded, where
// the stalled stage ends at once. A schedule recorded now names the bound
// and replays to the same log.
func TestProgressBoundIsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bounds faults.Bounds
		header string
	}{
		{"on", faults.DefaultBounds(), " bound-progress=5m0s "},
		{"off", faults.Bounds{Shutdown: 5 * time.Second, Crash: time.Second}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sch bytes.Buffer
			r := run(t, 132, invoker.Fixed, "none", stallable, func(o *faults.Options) {
				o.Bounds, o.Record = tc.bounds, &sch
			})
			if got := strings.Contains(sch.String(), "bound-progress"); got != (tc.header != "") ||
				(tc.header != "" && !strings.Contains(sch.String(), tc.header)) {
				t.Fatalf("header does not say %q:\n%s", tc.header, strings.SplitN(sch.String(), "\n", 4)[2])
			}
			if reported := r.Violated(faults.Progress); reported != (tc.header != "") {
				t.Fatalf("progress reported: %v", reported)
			}
			if tc.header == "" && r.End > time.Minute {
				t.Errorf("with the monitor off the stalled stage ran on to %v", r.End)
			}
			s, err := faults.ParseSchedule("test.schedule", sch.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			again, err := faults.Run(t.Context(), faults.ReplayOptions(s))
			if err != nil {
				t.Fatal(err)
			}
			if again.Hash != r.Hash || again.Violated(faults.Progress) != r.Violated(faults.Progress) {
				t.Errorf("the replay differs: %s, %v", again.Hash, again.Violations)
			}
		})
	}
}

// A queue that takes longer than the bound to drain is a load, not a
// stall: one slot and 300 invocations take about 15 s of virtual time, and
// with a bound of 1 s the fixed and graceful invokers, without faults,
// report the invocations that waited that long as a backlog, every one,
// and nothing as stalled.
func TestALongQueueIsABacklog(t *testing.T) {
	load := func(o *faults.Options) {
		o.Node.Partitions, o.Node.Quota = 1, 1
		o.Workload.Invocations = 300
		o.Bounds = faults.DefaultBounds()
		o.Bounds.Progress = time.Second
	}
	for _, v := range []invoker.Variant{invoker.Fixed, invoker.Graceful} {
		r := run(t, 1, v, "none", load)
		backlogs := 0
		for _, vi := range r.Violations {
			switch {
			case vi.Invariant == faults.Progress && vi.Check == faults.CheckBacklog:
				backlogs++
			case !vi.LeftoverSpill():
				t.Errorf("%s: %s (%s): %s", v, vi.Invariant, vi.Check, vi.Detail)
			}
		}
		if backlogs == 0 {
			t.Errorf("%s: no backlog reported: %v", v, r.Violations)
		}
	}
}
