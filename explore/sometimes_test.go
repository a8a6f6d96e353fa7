package explore_test

import (
	"context"
	"testing"

	"lab/explore"
	"lab/invoker"
)

// precondition is the situation #2543 needs.
const precondition = "abort-all with invokes of its term queued (#2543's precondition)"

// The situations are counted from the events alone, and they agree with
// what the variants do: buggy panics on as many seeds as fixed drops a
// stale invoke, each of them a seed where AbortAll found invokes of its
// term queued. Without the node's shutdown that precondition is enough:
// the step-down's AbortAll leaves the dequeue arm alone with the queued
// invokes, and buggy panics on every seed that reaches it. With the
// shutdown it is not: the AbortAll of a shutting-down partition reaches an
// invoker already cancelled, and where the scheduler lets the shutdown arm
// win, the queued invokes are dropped and nothing panics (10 of the 50
// seeds of shutdown-race that reach it).
func TestSometimesAgreeWithTheVariants(t *testing.T) {
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		for _, shutdown := range []bool{false, true} {
			reach := map[invoker.Variant]*explore.Report{}
			for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
				cfg := config(t, v, plan, 150)
				cfg.Workload.Shutdown = shutdown
				r, err := explore.Explore(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				reach[v] = r
			}
			buggy, fixed := reach[invoker.Buggy], reach[invoker.Fixed]
			pre, stale := fixed.Coverage.Sometimes[precondition], fixed.Coverage.Sometimes["a stale invoke dequeued and dropped (the #2547 fix at work)"]
			panics := buggy.ByInvariant["no-panic"]
			agree := pre.Schedules > 0 && buggy.Coverage.Sometimes[precondition] == pre &&
				panics.Failures == stale.Schedules && panics.FirstSeed == stale.FirstSeed &&
				panics.Failures > 0 && panics.Failures <= pre.Schedules && panics.FirstSeed >= pre.FirstSeed
			switch {
			case !shutdown:
				agree = agree && panics.Failures == pre.Schedules
			case plan == "shutdown-race":
				agree = agree && panics.Failures < pre.Schedules
			}
			if !agree {
				t.Errorf("%s, shutdown %t: precondition %+v (buggy %+v), stale invokes %+v, panics %+v",
					plan, shutdown, pre, buggy.Coverage.Sometimes[precondition], stale, panics)
			}
		}
	}
}

// A stale retry timer needs a machine paused while it waited to retry
// (where the workload, as here, asks no retry-now): the seeds that break timer-fencing are among
// those that reached it, and only unkeyed timers break it.
func TestSometimesPrecedeStaleTimers(t *testing.T) {
	const paused = "a machine waiting to retry was paused (#4064's precondition)"
	for _, timers := range []invoker.RetryTimers{invoker.RetryTimersUnkeyed, invoker.RetryTimersKeyed} {
		cfg := config(t, invoker.Fixed, "none", 200)
		cfg.Node.RetryTimers, cfg.Workload.Pauses = timers, 8
		cfg.Invariants = []string{"timer-fencing"}
		r, err := explore.Explore(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		pre, stale := r.Coverage.Sometimes[paused], r.ByInvariant["timer-fencing"]
		if pre.Schedules == 0 || stale.Failures > pre.Schedules || (timers == invoker.RetryTimersUnkeyed) != (stale.Failures > 0) ||
			stale.Failures > 0 && stale.FirstSeed < pre.FirstSeed {
			t.Errorf("%s timers: paused while waiting %+v, timer-fencing %+v", timers, pre, stale)
		}
	}
}

// The swarm reaches every situation within its first 100 seeds, but for
// two: a pause while waiting to retry, which only its pausing workloads
// (one in four) reach, about one seed in 300: within its first 300; and
// the shutdown arm taken while the head segment was being read, which
// needs a cancelled invoker to poll a stored head with no task output,
// timer or ended task ready, which the swarm rarely gives: shutdown-race
// reaches it at seed 183 (6 of its first 1,000 seeds), within its first
// 300. A term's invoker ending with invokes queued is the term variant's
// alone, and its swarm reaches it within 100 seeds too.
func TestSwarmReachesEverySituation(t *testing.T) {
	const (
		paused       = "a machine waiting to retry was paused (#4064's precondition)"
		headRead     = "the shutdown arm taken while the head segment was being read"
		termEnded    = "a term's invoker ended with invokes queued (term: #2543's precondition)"
		shutdownRace = "shutdown-race"
	)
	cfg := config(t, invoker.Fixed, "none", 300)
	cfg.Swarm, cfg.Plan = true, nil
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	race, err := explore.Explore(context.Background(), config(t, invoker.Fixed, shutdownRace, 300))
	if err != nil {
		t.Fatal(err)
	}
	term := config(t, invoker.Term, "none", 300)
	term.Swarm, term.Plan = true, nil
	perTerm, err := explore.Explore(context.Background(), term)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range explore.SometimesNames() {
		reached, ok := r.Coverage.Sometimes[name]
		switch {
		case name == termEnded:
			if first := perTerm.Coverage.Sometimes[name].FirstSeed; first == 0 || first > 100 {
				t.Errorf("%q first reached at seed %d of the term variant's swarm", name, first)
			}
		case name == headRead:
			if race.Coverage.Sometimes[name].Schedules == 0 {
				t.Errorf("%q not reached in %d seeds of %s", name, race.Schedules, shutdownRace)
			}
		case !ok:
			t.Errorf("%q not reached in %d swarm seeds", name, r.Schedules)
		case name != paused && reached.FirstSeed > 100:
			t.Errorf("%q first reached at seed %d", name, reached.FirstSeed)
		}
	}
}
