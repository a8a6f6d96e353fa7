package explore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"lab/faults"
	"lab/invoker"
)

// AgainstRun is how a failing seed fared under Config.Against: the same
// seed, the one setting changed, hunting the invariant the seed broke (so
// that another violation does not end the run before it could break it).
type AgainstRun struct {
	// Held: the other run did not break the invariant. When it did,
	// Check is how (faults.Violation.Check): the failure's own way, or
	// another (a panic of another assertion is no-panic too).
	Held  bool   `json:"held"`
	Check string `json:"check,omitempty"`
	// Broke is the invariant the other run broke first, if any (fixed
	// holds no-panic where buggy panics, and may leave spill files).
	Broke string `json:"broke,omitempty"`
	// Skipped says why the other run did not run: a swarm shape the
	// other side cannot take (a shared invoker, for term), one that
	// already has what it would change (unkeyed timers drawn for the
	// seed), or one it would not change (no tmp-dir, against subdir);
	// Held is then false and means nothing.
	Skipped string `json:"skipped,omitempty"`
}

// runAgainst runs seed's other side for its failure of invariant.
func (x *explorer) runAgainst(ctx context.Context, seed uint64, invariant string) (*AgainstRun, error) {
	o, err := x.Options(seed)
	if err != nil {
		return nil, err
	}
	if w := x.cfg.Against; w.Same(o.Node.Variant, o.Node) {
		why := fmt.Sprintf("the seed's shape already has %s", w)
		if w.InTmpDir != nil && !o.Node.SharedTmpDir {
			why = "the seed's shape gives its invokers no tmp-dir to share"
		}
		return &AgainstRun{Skipped: why}, nil
	}
	x.cfg.Against.Apply(&o)
	o.StopAtViolation, o.SkipHash, o.Invariants = true, true, []string{invariant}
	r, err := faults.Run(ctx, o)
	if errors.Is(err, invoker.ErrConfig) {
		return &AgainstRun{Skipped: err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("against %s: %w", x.cfg.Against, err)
	}
	run := &AgainstRun{Held: true}
	if v, ok := r.FirstViolationOf([]string{invariant}); ok {
		run.Held, run.Check = false, v.Check
	}
	if v, ok := r.FirstViolationOf(nil); ok {
		run.Broke = v.Invariant
	}
	return run, nil
}

// How a failing seed's other side fared, as AgainstStats count it and
// Counters.Against label it.
const (
	AgainstHeld    = "held"    // the invariant held
	AgainstSame    = "same"    // broke it the way the seed did
	AgainstOther   = "other"   // broke it another way
	AgainstSkipped = "skipped" // not rerun (AgainstRun.Skipped)
)

// AgainstOutcomes are the outcomes, in the order reports give them.
var AgainstOutcomes = []string{AgainstHeld, AgainstSame, AgainstOther, AgainstSkipped}

// againstOutcome is how f's other side fared, or "" when it had none.
func (f Failure) againstOutcome() string {
	switch run := f.Against; {
	case run == nil:
		return ""
	case run.Skipped != "":
		return AgainstSkipped
	case run.Held:
		return AgainstHeld
	case run.Check == f.Check:
		return AgainstSame
	}
	return AgainstOther
}

// AgainstStats sum up the other side's runs of an invariant's failures.
type AgainstStats struct {
	// Ran is the failing seeds whose other side ran (Skipped the others);
	// Held of them held the invariant, Same broke it the way the seed did,
	// and Other another way, each with its first seed.
	Ran     uint64       `json:"ran"`
	Held    uint64       `json:"held"`
	Same    FailureStats `json:"same"`
	Other   FailureStats `json:"other"`
	Skipped uint64       `json:"skipped,omitempty"`
	// Broke counts what the runs that held broke instead, by invariant.
	Broke map[string]uint64 `json:"broke,omitempty"`
}

// add counts the other side of f, a failure (failures come in seed order).
func (s *AgainstStats) add(f Failure) {
	switch f.againstOutcome() {
	case AgainstSkipped:
		s.Skipped++
		return
	case AgainstHeld:
		s.Held++
		if broke := f.Against.Broke; broke != "" {
			if s.Broke == nil {
				s.Broke = map[string]uint64{}
			}
			s.Broke[broke]++
		}
	case AgainstSame:
		s.Same.add(f.Seed)
	default:
		s.Other.add(f.Seed)
	}
	s.Ran++
}

// lines say how the failures of invariant fared on the other side.
func (s *AgainstStats) lines(invariant string) []string {
	lines := []string{fmt.Sprintf("held %s on %d of %d seeds", invariant, s.Held, s.Ran)}
	if s.Same.Failures > 0 {
		lines = append(lines, fmt.Sprintf("broke it the same way on %d (first seed %d)", s.Same.Failures, s.Same.FirstSeed))
	}
	if s.Other.Failures > 0 {
		lines = append(lines, fmt.Sprintf("broke it another way on %d (first seed %d)", s.Other.Failures, s.Other.FirstSeed))
	}
	var broke []string
	for _, inv := range slices.Sorted(maps.Keys(s.Broke)) {
		broke = append(broke, fmt.Sprintf("%s on %d", inv, s.Broke[inv]))
	}
	if len(broke) > 0 {
		lines = append(lines, "held it but broke "+strings.Join(broke, ", "))
	}
	if s.Skipped > 0 {
		lines = append(lines, fmt.Sprintf("not rerun on %d (a shape the other side does not take, or already has)", s.Skipped))
	}
	return lines
}

// summary says in a line how f, a failing seed, fared on the other side.
func (a *AgainstRun) summary(f Failure) string {
	switch {
	case a.Skipped != "":
		return "not rerun: " + a.Skipped
	case a.Held && a.Broke != "":
		return fmt.Sprintf("held %s, broke %s", f.Invariant, a.Broke)
	case a.Held:
		return fmt.Sprintf("held %s, and every other invariant", f.Invariant)
	case a.Check == f.Check:
		return fmt.Sprintf("broke %s the same way", f.Invariant)
	}
	return fmt.Sprintf("broke %s another way (%s)", f.Invariant, a.Check)
}
