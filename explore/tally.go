package explore

import (
	"cmp"
	"slices"
	"strings"
)

// A way of failing is an invariant and which of its checks failed
// (faults.Violation.Check; the invariant itself when it has one check). An
// exploration counts every failure but lists only the first of each way:
// the buggy invoker fails a quarter of chaos's seeds, and an hour of them
// listed took gigabytes.
type way struct{ invariant, check string }

// String is the way as reports name it: "invariant (check)".
func (w way) String() string {
	if w.check == w.invariant {
		return w.invariant
	}
	return w.invariant + " (" + w.check + ")"
}

func wayOf(f Failure) way {
	return way{f.Invariant, cmp.Or(f.Check, f.Invariant)}
}

// tally counts failures by invariant as they come and lists the first
// keep of each way of failing (keep 0: every one). Failures must come in
// seed order (a worker's do) for those listed to be the first by seed.
type tally struct {
	keep   int
	by     map[string]InvariantStats
	listed []Failure
	perWay map[way]int
}

func newTally(keep int) *tally {
	return &tally{keep: keep, by: map[string]InvariantStats{}, perWay: map[way]int{}}
}

func (t *tally) add(f Failure) {
	s := t.by[f.Invariant]
	s.count(f)
	t.by[f.Invariant] = s
	if w := wayOf(f); t.keep == 0 || t.perWay[w] < t.keep {
		t.perWay[w]++
		t.listed = append(t.listed, f)
	}
}

// count adds failure f to the invariant's statistics.
func (s *InvariantStats) count(f Failure) {
	s.add(f.Seed)
	if w := wayOf(f); w.check != w.invariant {
		if s.Checks == nil {
			s.Checks = map[string]FailureStats{}
		}
		c := s.Checks[w.check]
		c.add(f.Seed)
		s.Checks[w.check] = c
	}
	if f.Against != nil {
		if s.Against == nil {
			s.Against = &AgainstStats{}
		}
		s.Against.add(f)
	}
}

// merge adds o, the statistics of other seeds, to s.
func (s *InvariantStats) merge(o InvariantStats) {
	s.FailureStats.merge(o.FailureStats)
	for check, c := range o.Checks {
		if s.Checks == nil {
			s.Checks = map[string]FailureStats{}
		}
		mine := s.Checks[check]
		mine.merge(c)
		s.Checks[check] = mine
	}
	if o.Against != nil {
		if s.Against == nil {
			s.Against = &AgainstStats{}
		}
		s.Against.merge(*o.Against)
	}
}

func (s *FailureStats) merge(o FailureStats) {
	if o.Failures == 0 {
		return
	}
	if s.Failures == 0 || o.FirstSeed < s.FirstSeed {
		s.FirstSeed = o.FirstSeed
	}
	s.Failures += o.Failures
}

func (s *AgainstStats) merge(o AgainstStats) {
	s.Ran += o.Ran
	s.Held += o.Held
	s.Skipped += o.Skipped
	s.Same.merge(o.Same)
	s.Other.merge(o.Other)
	for inv, n := range o.Broke {
		if s.Broke == nil {
			s.Broke = map[string]uint64{}
		}
		s.Broke[inv] += n
	}
}

// mergeStats adds the statistics of other seeds, by invariant, to into.
func mergeStats(into, from map[string]InvariantStats) {
	for inv, s := range from {
		mine := into[inv]
		mine.merge(s)
		into[inv] = mine
	}
}

// listFirst sorts failures by seed and keeps the first keep of each way
// of failing (every one if keep is 0): what a report of those seeds lists.
func listFirst(failures []Failure, keep int) []Failure {
	slices.SortFunc(failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(a.Seed, b.Seed), strings.Compare(a.Invariant, b.Invariant))
	})
	if keep == 0 {
		return failures
	}
	perWay := map[way]int{}
	return slices.DeleteFunc(failures, func(f Failure) bool {
		w := wayOf(f)
		perWay[w]++
		return perWay[w] > keep
	})
}

// fewest is the smaller of two lists' bounds, 0 meaning none.
func fewest(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// listedByWay counts failures by way of failing.
func listedByWay(failures []Failure) map[way]int {
	n := map[way]int{}
	for _, f := range failures {
		n[wayOf(f)]++
	}
	return n
}
