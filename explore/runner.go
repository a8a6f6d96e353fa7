package explore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"lab/faults"
)

// Explore runs the seeds of cfg on cfg.Workers goroutines and reports what
// they found. Failures are not saved or shrunk here (see Save). An
// interrupted exploration returns what it found so far, with Stopped
// "interrupted".
func Explore(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	plans, err := builtinPlans()
	if err != nil {
		return nil, err
	}
	workers := max(cfg.Workers, 1)
	x := &explorer{cfg: &cfg, plans: plans, start: time.Now()}
	cpu := cpuTime()
	if cfg.Duration > 0 {
		x.deadline = x.start.Add(cfg.Duration)
	}
	results := make([]workerResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w] = x.work(ctx)
		}()
	}
	wg.Wait()
	r := &Report{SchemaVersion: ReportVersion, ModelRevision: faults.ModelRevision, Variant: cfg.Variant.String(), Plan: swarmPlan,
		Strategy: cfg.StrategyName(), Shape: cfg.ShapeName(), Invariants: cfg.Invariants, FirstSeed: cfg.FirstSeed, Seeds: cfg.Seeds,
		Shards: []string{cfg.Shard.String()}, Workers: workers, Coverage: newCoverage(), Against: cfg.Against.name(),
		ListPerWay: cfg.ListPerWay, ByInvariant: map[string]InvariantStats{},
		DeterminismChecked: cfg.CheckDeterminism, Seconds: time.Since(x.start).Seconds(),
		CPUSeconds: (cpuTime() - cpu).Seconds()}
	if !cfg.Swarm {
		r.Plan = cfg.Plan.Name
	}
	for _, res := range results {
		if res.err != nil {
			return nil, res.err
		}
		r.Schedules += res.schedules
		r.Picks += res.picks
		r.Choices += res.choices
		r.Failures = append(r.Failures, res.failures.listed...)
		mergeStats(r.ByInvariant, res.failures.by)
		r.Coverage.add(res.coverage)
	}
	switch {
	case ctx.Err() != nil:
		r.Stopped = "interrupted"
	case x.stopped.Load():
		r.Stopped = "first-failure"
	case x.timedOut.Load():
		r.Stopped = "duration"
	}
	r.finish()
	return r, nil
}

type explorer struct {
	cfg      *Config
	plans    map[string]*faults.Plan
	start    time.Time
	deadline time.Time
	next     atomic.Uint64
	stopped  atomic.Bool
	timedOut atomic.Bool
}

type workerResult struct {
	schedules, picks, choices uint64
	failures                  *tally
	coverage                  Coverage
	err                       error
}

func (x *explorer) work(ctx context.Context) (res workerResult) {
	res.coverage = newCoverage()
	res.failures = newTally(x.cfg.ListPerWay)
	col := newCollector()
	var seenPairs, seenOrders int // for news
	for {
		if ctx.Err() != nil || x.stopped.Load() {
			return res
		}
		if !x.deadline.IsZero() && time.Now().After(x.deadline) {
			x.timedOut.Store(true)
			return res
		}
		seed, ok := x.cfg.shardSeed(x.next.Add(1) - 1)
		if !ok {
			return res
		}
		began := time.Now()
		r, f, err := x.runSeed(ctx, seed, col)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return res
		}
		if err != nil {
			res.err = fmt.Errorf("seed %d: %w", seed, err)
			x.stopped.Store(true)
			return res
		}
		sum := RunSummary{Seed: seed, Picks: r.Decisions.Picks, Elapsed: time.Since(began)}
		if x.cfg.Observe != nil {
			sum.Reached = col.sometimes.reachedNames()
		}
		col.flush(&res.coverage, seed)
		if x.cfg.Observe != nil {
			sum.Pairs, sum.Orders = news(res.coverage.PairSeeds, &seenPairs, seed), news(res.coverage.OrderSeeds, &seenOrders, seed)
		}
		res.schedules++
		res.picks += uint64(r.Decisions.Picks)
		res.choices += uint64(r.Choices)
		if f != nil {
			res.failures.add(*f)
			sum.Failed, sum.Invariant, sum.Against = true, f.Invariant, f.againstOutcome()
			if x.cfg.StopOnFirst {
				x.stopped.Store(true)
			}
		}
		if x.cfg.Observe != nil {
			x.cfg.Observe(sum)
		}
	}
}

// runSeed runs one seed, twice when checking determinism, and says how it
// failed, if it did. A run stops at its first violation.
func (x *explorer) runSeed(ctx context.Context, seed uint64, col *collector) (*faults.Result, *Failure, error) {
	o, err := x.Options(seed)
	if err != nil {
		return nil, nil, err
	}
	o.StopAtViolation = true
	o.SkipHash, o.Digest = true, x.cfg.CheckDeterminism
	o.Observers = []faults.Observer{col}
	r, err := faults.Run(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	var f *Failure
	if v, ok := r.FirstViolationOf(x.cfg.Invariants); ok {
		f = &Failure{Seed: seed, Invariant: v.Invariant, Check: v.Check, Detail: v.Detail}
	}
	if x.cfg.CheckDeterminism {
		o2, err := x.Options(seed)
		if err != nil {
			return nil, nil, err
		}
		o2.StopAtViolation, o2.SkipHash, o2.Digest = true, true, true
		again, err := faults.Run(ctx, o2)
		if err != nil {
			return nil, nil, err
		}
		if d := differ(r, again); d != nil {
			f = d
		}
	}
	if f != nil {
		if x.cfg.Swarm {
			f.Shape = swarmShapeName(o)
		}
		f.Replay = x.cfg.rerun(seed)
		if f.Invariant != Determinism {
			f.Compare = CompareCommand(f.Replay, o.Node, f.Invariant, f.Check)
			if x.cfg.Against != nil {
				if f.Against, err = x.runAgainst(ctx, seed, f.Invariant); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return r, f, nil
}

// differ is the determinism failure of two runs of one seed, or nil when
// they logged the same events: their digests (and hashes, when hashed)
// agree.
func differ(a, b *faults.Result) *Failure {
	if a.Events == b.Events && a.Digest == b.Digest && a.Hash == b.Hash {
		return nil
	}
	return &Failure{Seed: a.Seed, Invariant: Determinism,
		Detail: fmt.Sprintf("two runs logged %d events with digest %s and %d with digest %s",
			a.Events, a.Digest, b.Events, b.Digest)}
}

// Options are the options of seed's run in this exploration.
func (x *explorer) Options(seed uint64) (faults.Options, error) {
	return x.cfg.options(seed, x.cfg.shapeOf(seed, x.plans))
}

func (c *Config) rerun(seed uint64) string {
	if c.Rerun != nil {
		return c.Rerun(seed)
	}
	return fmt.Sprintf("seed %d", seed)
}

// DefaultWorkers is one worker per core.
func DefaultWorkers() int { return runtime.GOMAXPROCS(0) }
