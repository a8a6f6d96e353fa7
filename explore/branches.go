package explore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"lab/faults"
)

// Branch is what became of the runs that went on from a pick with one of
// its options taken: how many held every invariant they watch, how many
// violated one (counted by the first violation's invariant), and how many
// ran out of picks before they settled.
type Branch struct {
	Option    faults.Choice
	Runs      int
	Held      int
	Failed    []InvariantRuns
	Unsettled int
}

// InvariantRuns counts the runs whose first violation was of Invariant.
type InvariantRuns struct {
	Invariant string
	Runs      int
}

// Fails is the number of runs that violated an invariant.
func (b Branch) Fails() int {
	n := 0
	for _, f := range b.Failed {
		n += f.Runs
	}
	return n
}

// String says it in a few words: "19/20 fail (no-panic 19)".
func (b Branch) String() string {
	s := fmt.Sprintf("%d/%d fail", b.Fails(), b.Runs)
	if len(b.Failed) > 0 {
		by := make([]string, len(b.Failed))
		for i, f := range b.Failed {
			by[i] = fmt.Sprintf("%s %d", f.Invariant, f.Runs)
		}
		s += " (" + strings.Join(by, ", ") + ")"
	}
	if b.Unsettled > 0 {
		s += fmt.Sprintf(", %d unsettled", b.Unsettled)
	}
	return s
}

// BranchConfig is how many runs go on from each option, and how they draw.
type BranchConfig struct {
	// Runs per option.
	Runs int
	// Plan draws the faults after the pick (nil: none are drawn).
	Plan *faults.Plan
	// Scheduler takes the picks after it, seeded per run
	// (faults.NewStrategy; "": random, tokio's select!).
	Scheduler string
	// Workers run them (0: every core).
	Workers int
}

// DefaultBranchRuns is how many runs go on from each option by default:
// a few hundred milliseconds for a pick of the reference workload.
const DefaultBranchRuns = 20

// Branches asks what each option of a pick leads to. cut is everything a
// run recorded before the pick (faults.Sim.Checkpoint; an `end` closing it
// is ignored). For every option, cfg.Runs runs replay cut leniently, take
// the option, and go on as a seeded run would (faults.DrawAfterPicks): the
// picks after it from cfg.Scheduler, task outcomes from the workload,
// faults from cfg.Plan, while what the outside world sends stays as
// recorded. Run i of every option draws with seed i, so that the options
// differ by the option taken, not by luck. Each run stops at its first
// violation of an invariant the schedule watches.
func Branches(ctx context.Context, cut *faults.Schedule, options []faults.Choice, cfg BranchConfig) ([]Branch, error) {
	if cfg.Runs < 1 {
		return nil, fmt.Errorf("branch runs %d: want 1 or more", cfg.Runs)
	}
	if _, err := faults.NewStrategy(cfg.Scheduler, 0); err != nil {
		return nil, err
	}
	workers := cfg.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	budget := cut.Header.MaxPicks
	if budget <= 0 {
		budget = faults.DefaultMaxPicks
	}
	taking := make([]*faults.Schedule, len(options))
	for i, c := range options {
		taking[i] = withPick(cut, c)
	}
	type outcome struct {
		invariant string // "": held
		unsettled bool
	}
	outcomes := make([][]outcome, len(options))
	for i := range outcomes {
		outcomes[i] = make([]outcome, cfg.Runs)
	}
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range min(workers, len(options)*cfg.Runs) {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(options)*cfg.Runs || ctx.Err() != nil {
					return
				}
				opt, run := n/cfg.Runs, n%cfg.Runs
				o, err := suffixOptions(taking[opt], budget, uint64(run+1), cfg.Plan, true)
				if err == nil && cfg.Scheduler != "" {
					o.Strategy, err = faults.NewStrategy(cfg.Scheduler, uint64(run+1))
				}
				if err != nil {
					errs[w] = err
					return
				}
				r, err := faults.Run(ctx, o)
				switch {
				case errors.Is(err, faults.ErrBudget):
					outcomes[opt][run].unsettled = true
				case err != nil:
					errs[w] = err
					return
				default:
					if v, ok := r.FirstViolationOf(o.Invariants); ok {
						outcomes[opt][run].invariant = v.Invariant
					}
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	branches := make([]Branch, len(options))
	for i, runs := range outcomes {
		b := Branch{Option: options[i], Runs: cfg.Runs}
		for _, o := range runs {
			switch {
			case o.unsettled:
				b.Unsettled++
			case o.invariant == "":
				b.Held++
			default:
				j := slices.IndexFunc(b.Failed, func(f InvariantRuns) bool { return f.Invariant == o.invariant })
				if j < 0 {
					b.Failed = append(b.Failed, InvariantRuns{Invariant: o.invariant})
					j = len(b.Failed) - 1
				}
				b.Failed[j].Runs++
			}
		}
		slices.SortStableFunc(b.Failed, func(x, y InvariantRuns) int {
			return cmp.Or(cmp.Compare(y.Runs, x.Runs), cmp.Compare(x.Invariant, y.Invariant))
		})
		branches[i] = b
	}
	return branches, nil
}

// withPick is cut, without its end, and then the pick c.
func withPick(cut *faults.Schedule, c faults.Choice) *faults.Schedule {
	entries := cut.Entries
	if n := len(entries); n > 0 && entries[n-1].Op == faults.OpEnd {
		entries = entries[:n-1]
	}
	s := *cut
	s.Entries = append(slices.Clip(entries), faults.Entry{Op: faults.OpPick, Choice: c})
	return &s
}
