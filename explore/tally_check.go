package explore

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"lab/faults"
)

// countsConsistent refuses failure counts no exploration could have
// written: a merge sums them as they are, since a report lists only the
// first failures of each way and they cannot be counted again. Every
// count is of failures the report ran (so sums cannot wrap), each way of
// failing lists what ListPerWay says of its count, and the first seeds
// are the first listed. A report that lists every failure must count them
// exactly as listed.
func (r *Report) countsConsistent(explored func(seed uint64) error) error {
	if r.ListPerWay < 0 {
		return fmt.Errorf("lists %d failures of each way of failing", r.ListPerWay)
	}
	listed := listedByWay(r.Failures)
	firstListed, firstOf := map[way]uint64{}, map[string]uint64{}
	for _, f := range r.Failures {
		if first, ok := firstListed[wayOf(f)]; !ok || f.Seed < first {
			firstListed[wayOf(f)] = f.Seed
		}
		if first, ok := firstOf[f.Invariant]; !ok || f.Seed < first {
			firstOf[f.Invariant] = f.Seed
		}
	}
	var failed uint64
	for _, inv := range slices.Sorted(maps.Keys(r.ByInvariant)) {
		s := r.ByInvariant[inv]
		if err := r.invariantConsistent(inv, s, explored); err != nil {
			return err
		}
		rest := s.Failures // those of no check of their own
		for _, check := range slices.Sorted(maps.Keys(s.Checks)) {
			c := s.Checks[check]
			rest -= c.Failures
			if err := r.wayListed(way{inv, check}, c, listed, firstListed); err != nil {
				return err
			}
		}
		if rest > 0 {
			if err := r.wayListed(way{inv, inv}, FailureStats{Failures: rest}, listed, firstListed); err != nil {
				return err
			}
		}
		if s.FirstSeed != firstOf[inv] {
			return fmt.Errorf("says %s first failed at seed %d, but lists seed %d first", inv, s.FirstSeed, firstOf[inv])
		}
		if failed+s.Failures < failed {
			return fmt.Errorf("counts more failures than any count holds")
		}
		failed += s.Failures
	}
	if len(listed) > 0 {
		w := slices.MinFunc(slices.Collect(maps.Keys(listed)), func(a, b way) int {
			return cmp.Or(strings.Compare(a.invariant, b.invariant), strings.Compare(a.check, b.check))
		})
		return fmt.Errorf("lists %d failures of %s but counts none", listed[w], w)
	}
	if failed != r.Failed {
		return fmt.Errorf("says %d failed but counts %d by invariant", r.Failed, failed)
	}
	if uint64(len(r.Failures)) == r.Failed {
		t := newTally(0)
		for _, f := range r.Failures {
			t.add(f)
		}
		if !reflect.DeepEqual(t.by, r.ByInvariant) {
			return fmt.Errorf("counts its failures by invariant otherwise than it lists them")
		}
	}
	return nil
}

// invariantConsistent checks the counts of one invariant's failures.
func (r *Report) invariantConsistent(inv string, s InvariantStats, explored func(uint64) error) error {
	switch {
	case inv != Determinism && faults.CheckInvariants([]string{inv}) != nil:
		return fmt.Errorf("counts failures of %q, which is no invariant", inv)
	case inv == Determinism && !r.DeterminismChecked:
		return fmt.Errorf("counts determinism failures without checking determinism")
	case s.Failures == 0:
		return fmt.Errorf("counts no failure of %s", inv)
	case (s.Against != nil) != (r.Against != "" && inv != Determinism):
		return fmt.Errorf("counts %s's failures rerun against %q, or against nothing", inv, r.Against)
	}
	if err := explored(s.FirstSeed); err != nil {
		return err
	}
	var checks uint64
	for _, check := range slices.Sorted(maps.Keys(s.Checks)) {
		c := s.Checks[check]
		if check == "" || check == inv || c.Failures == 0 || c.Failures > s.Failures-checks || c.FirstSeed < s.FirstSeed {
			return fmt.Errorf("counts %d failures of %s by %q from seed %d, of %d from seed %d", c.Failures, inv, check, c.FirstSeed, s.Failures, s.FirstSeed)
		}
		if err := explored(c.FirstSeed); err != nil {
			return err
		}
		checks += c.Failures
	}
	if a := s.Against; a != nil {
		return a.consistent(inv, s.Failures, explored)
	}
	return nil
}

// consistent checks the reruns of an invariant's failures.
func (a *AgainstStats) consistent(inv string, failures uint64, explored func(uint64) error) error {
	bad := fmt.Errorf("counts %d reruns of %s's %d failures otherwise than they add up", a.Ran, inv, failures)
	if a.Ran > failures || a.Skipped != failures-a.Ran || a.Held > a.Ran ||
		a.Same.Failures > a.Ran-a.Held || a.Other.Failures != a.Ran-a.Held-a.Same.Failures {
		return bad
	}
	for _, s := range []FailureStats{a.Same, a.Other} {
		if s.Failures > 0 {
			if err := explored(s.FirstSeed); err != nil {
				return err
			}
		}
	}
	var broke uint64
	for _, other := range slices.Sorted(maps.Keys(a.Broke)) {
		n := a.Broke[other]
		if faults.CheckInvariants([]string{other}) != nil || n == 0 || n > a.Held-broke {
			return bad
		}
		broke += n
	}
	return nil
}

// wayListed checks that a way of failing lists what ListPerWay says of
// its count c, from its first seed.
func (r *Report) wayListed(w way, c FailureStats, listed map[way]int, first map[way]uint64) error {
	want := c.Failures
	if r.ListPerWay > 0 {
		want = min(want, uint64(r.ListPerWay))
	}
	if uint64(listed[w]) != want {
		return fmt.Errorf("lists %d failures of %s, of the %d it counts", listed[w], w, c.Failures)
	}
	if w.check != w.invariant && c.FirstSeed != first[w] {
		return fmt.Errorf("says %s first failed at seed %d, but lists seed %d first", w, c.FirstSeed, first[w])
	}
	delete(listed, w)
	return nil
}
