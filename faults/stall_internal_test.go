package faults

import (
	"testing"

	"pgregory.net/rapid"

	"lab/invoker"
)

// scanStall is the longest stall by brute force: the hot invocation whose
// latest step forward is the oldest.
func scanStall(c *checker, n *invoker.Node) (invoker.InvocationID, bool) {
	var best invoker.InvocationID
	var seq uint64
	for id, m := range c.progress {
		if c.hot(id, n) && (best == "" || m.seq < seq) {
			best, seq = id, m.seq
		}
	}
	return best, best != ""
}

// drawStallableRun is a small run of a drawn shape, with kills and maybe
// no shutdown, so that invocations stall: the property tests of the
// progress monitor step through it.
func drawStallableRun(rt *rapid.T, b Bounds) *Sim {
	cfg := invoker.DefaultConfig()
	cfg.Variant = rapid.SampledFrom(invoker.Variants()).Draw(rt, "variant")
	cfg.Partitions = rapid.IntRange(1, 4).Draw(rt, "partitions")
	cfg.Quota = rapid.IntRange(1, 8).Draw(rt, "quota")
	w := DefaultWorkload()
	w.Invocations = rapid.IntRange(1, 40).Draw(rt, "invocations")
	w.Kills = rapid.IntRange(0, min(w.Invocations, 6)).Draw(rt, "kills")
	w.Shutdown = rapid.Bool().Draw(rt, "shutdown")
	plan, err := LoadPlan(rapid.SampledFrom(BuiltinPlans()).Draw(rt, "plan"))
	if err != nil {
		rt.Fatal(err)
	}
	s, err := New(Options{Seed: rapid.Uint64().Draw(rt, "seed"), Node: cfg, Plan: plan, Workload: w, Bounds: b, SkipHash: true})
	if err != nil {
		rt.Fatal(err)
	}
	return s
}

// The stall order, started at any point of a run and kept from then on,
// names the invocation a scan of every one names (this test's, and
// stallIn's of a snapshot, which also agrees on whether it waits in a
// queue that moves), at every decision: in particular, no invocation it dropped
// once gone cold turns hot again without a step forward.
func TestOldestStallMatchesAScan(t *testing.T) {
	stalls, queued := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		s := drawStallableRun(rt, DefaultBounds())
		defer s.Close()
		start := rapid.IntRange(0, 2000).Draw(rt, "first look")
		for d := 0; ; d++ {
			if d >= start {
				got := s.check.oldestStall(s.node)
				want, ok := scanStall(s.check, s.node)
				if got.Inv != want || (ok && (got.Since != s.check.progress[want].at || got.Seq != s.check.progress[want].seq)) {
					rt.Fatalf("decision %d: the order names %q since %v, a scan %q", d, got.Inv, got.Since, want)
				}
				if ok {
					stalls++
				}
				if got.Queued {
					queued++
				}
				if n, most := len(s.check.stalls.steps), 2*len(s.check.progress)+64; s.check.stalls.on && n > most {
					rt.Fatalf("decision %d: %d steps kept for %d marks", d, n, len(s.check.progress))
				}
				if in := s.check.stallIn(s.node.Snapshot()); in != got {
					rt.Fatalf("decision %d: the order gives %+v, the snapshot %+v", d, got, in)
				}
			}
			if _, err := s.Step(); err == ErrDone {
				return
			} else if err != nil {
				rt.Fatal(err)
			}
		}
	})
	if stalls == 0 || queued == 0 {
		t.Errorf("%d looks found an invocation hot, %d one queued in a queue that moves: the test shows too little", stalls, queued)
	}
}
