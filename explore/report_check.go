package explore

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"lab/faults"
	"lab/invoker"
)

// validStrategy: random, or pct-dD as Config.StrategyName writes it.
func validStrategy(s string) bool {
	d, ok := strings.CutPrefix(s, "pct-d")
	if !ok {
		return s == "random"
	}
	n, err := strconv.Atoi(d)
	return err == nil && n >= 1 && strconv.Itoa(n) == d
}

// maxReportSeconds bounds a report's times (about 31 years): a larger one
// is an edited report, and would print as hundreds of digits.
const maxReportSeconds = 1e9

// consistent refuses a report read from a file that no exploration could
// have written: one whose counts disagree with each other or with its
// seeds and shards, whose failures are of seeds it did not run (or of one
// seed twice) or of no invariant, or whose times and workers are
// impossible. Merging such a report printed totals like "21 of 20
// schedules failed", or wrapped around 2^64.
func (r *Report) consistent() error {
	if r.Failed < uint64(len(r.Failures)) {
		return fmt.Errorf("says %d failed but lists %d failures", r.Failed, len(r.Failures))
	}
	if len(r.Shards) == 0 {
		return fmt.Errorf("names no shard")
	}
	if r.ModelRevision < 1 {
		return fmt.Errorf("names no model revision")
	}
	if r.Seeds > 0 && r.FirstSeed+(r.Seeds-1) < r.FirstSeed {
		return fmt.Errorf("seeds %d+%d go past the last seed", r.FirstSeed, r.Seeds)
	}
	if _, err := invoker.ParseVariant(r.Variant); err != nil {
		return err
	}
	if !validStrategy(r.Strategy) {
		return fmt.Errorf("strategy %q: no exploration runs one", r.Strategy)
	}
	if r.Against != "" {
		if _, err := ParseAgainst(r.Against); err != nil {
			return fmt.Errorf("against: %v", err)
		}
	}
	for _, f := range r.Failures {
		if (f.Against != nil) != (r.Against != "" && f.Invariant != Determinism) {
			return fmt.Errorf("seed %d's failure has no rerun against %q, or one against nothing", f.Seed, r.Against)
		}
	}
	shards := make([]Shard, len(r.Shards))
	for i, s := range r.Shards {
		sh, err := ParseShard(s)
		if err != nil {
			return err
		}
		if sh.String() != s { // +0/2 and 00/2 are 0/2, which merge then counted twice
			return fmt.Errorf("shard %q is written %q", s, sh.String())
		}
		if i > 0 && sh.Count != shards[0].Count {
			return fmt.Errorf("shards %s and %s split the seeds two ways", r.Shards[0], s)
		}
		shards[i] = sh
	}
	if r.Seeds > 0 {
		var most uint64 // the seeds its shards hold
		for _, sh := range shards {
			most += shardSeeds(r.Seeds, sh)
		}
		if r.Schedules > most {
			return fmt.Errorf("says %d schedules ran of the %d seeds of shards %v", r.Schedules, most, r.Shards)
		}
	}
	if r.Failed > r.Schedules {
		return fmt.Errorf("says %d of %d schedules failed", r.Failed, r.Schedules)
	}
	if r.Choices > r.Picks {
		return fmt.Errorf("says %d of %d picks had a choice", r.Choices, r.Picks)
	}
	explored := func(seed uint64) error {
		offset := seed - r.FirstSeed
		switch {
		case seed < r.FirstSeed || (r.Seeds > 0 && offset >= r.Seeds):
			return fmt.Errorf("seed %d, which it did not explore", seed)
		case !slices.ContainsFunc(shards, func(sh Shard) bool { return offset%uint64(sh.Count) == uint64(sh.Index) }):
			return fmt.Errorf("seed %d, which is in none of shards %v", seed, r.Shards)
		}
		return nil
	}
	seen := make(map[uint64]bool, len(r.Failures))
	for _, f := range r.Failures {
		if err := explored(f.Seed); err != nil {
			return fmt.Errorf("lists a failure of %v", err)
		}
		switch {
		case seen[f.Seed]:
			return fmt.Errorf("lists seed %d twice", f.Seed)
		case f.Invariant != Determinism && faults.CheckInvariants([]string{f.Invariant}) != nil:
			return fmt.Errorf("lists a failure of %q, which is no invariant", f.Invariant)
		case f.Invariant == Determinism && !r.DeterminismChecked:
			return fmt.Errorf("lists a determinism failure of seed %d without checking determinism", f.Seed)
		}
		seen[f.Seed] = true
	}
	if err := r.countsConsistent(func(seed uint64) error {
		if err := explored(seed); err != nil {
			return fmt.Errorf("counts a failure of %v", err)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := r.Coverage.consistent(explored); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		v    float64
	}{{"seconds", r.Seconds}, {"cpu_seconds", r.CPUSeconds}, {"schedules_per_second", r.SchedulesPerSecond},
		{"schedules_per_cpu_second", r.SchedulesPerCPUSecond}} {
		if t.v < 0 || (t.name == "seconds" || t.name == "cpu_seconds") && t.v > maxReportSeconds {
			return fmt.Errorf("%s %g is not a time an exploration took", t.name, t.v)
		}
	}
	if r.Workers < 1 || r.Workers > MaxWorkers*len(r.Shards) {
		return fmt.Errorf("ran on %d workers", r.Workers)
	}
	if !slices.Contains([]string{"", "first-failure", "duration", "interrupted"}, r.Stopped) {
		return fmt.Errorf("stopped %q, which no exploration does", r.Stopped)
	}
	return nil
}

// shardSeeds is how many of n seeds shard sh takes: those whose offset
// from the first is sh.Index modulo sh.Count.
func shardSeeds(n uint64, sh Shard) uint64 {
	count, index := uint64(sh.Count), uint64(sh.Index)
	k := n / count
	if index < n%count {
		k++
	}
	return k
}

// consistent refuses coverage whose first seeds are not of what it
// reached, or not of seeds explored: merge would print them.
func (c *Coverage) consistent(explored func(seed uint64) error) error {
	for _, kind := range []struct {
		name          string
		counts, seeds map[string]uint64
	}{{"pair", c.ISMPairs, c.PairSeeds}, {"shutdown order", c.ShutdownOrders, c.OrderSeeds}} {
		if len(kind.seeds) != len(kind.counts) {
			return fmt.Errorf("names the first seeds of %d of the %d %ss it reached", len(kind.seeds), len(kind.counts), kind.name)
		}
		for _, key := range slices.Sorted(maps.Keys(kind.counts)) {
			seed, ok := kind.seeds[key]
			if !ok || kind.counts[key] == 0 {
				return fmt.Errorf("reached %s %q %d times, first at no seed", kind.name, key, kind.counts[key])
			}
			if err := explored(seed); err != nil {
				return fmt.Errorf("says %s %q was first reached at %v", kind.name, key, err)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Sometimes)) {
		if n := c.Sometimes[name]; n.Schedules > 0 {
			if err := explored(n.FirstSeed); err != nil {
				return fmt.Errorf("says %q was first reached at %v", name, err)
			}
		}
	}
	return nil
}
