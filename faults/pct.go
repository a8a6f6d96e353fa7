package faults

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// PCT is the probabilistic concurrency testing scheduler of Burckhardt,
// Kothari, Musuvathi and Nagarakatte (ASPLOS 2010). Every schedulable unit
// gets a random priority, the highest-priority enabled one always runs,
// and at d-1 change points drawn among the run's first Steps choices (the
// picks that had more than one unit ready) the unit that runs is demoted
// below every initial priority. A bug of depth d is then found by one run
// with probability at least 1/(n·k^(d-1)), k the choices of a run.
//
// Change points fall on choices, not on every pick: three picks in four
// are forced, and a demotion there only waits for the unit's next race.
// Counted over picks, depth 3 took a third more schedules to the first
// #2543 panic under the none plan (67 against 46, mean of 200
// explorations), depth 2 a quarter more; at depth 1 nothing changes.
//
// The units here are the transport (delivering the earliest due message)
// and each (invoker, arm) pair: an invoker's select! over its ready arms is
// as much a race as two invokers are. Units get their priority the first
// time they are enabled, drawn from the seed, so the order of first
// appearance does not bias them.
type PCT struct {
	depth, steps int
	rng          *rand.Rand
	prio         map[Choice]int64
	// changes are the choices (from 1) at which the running unit is
	// demoted, in increasing order; next indexes the first one still
	// ahead.
	changes []int
	next    int
	chosen  int
}

// NewPCT builds a PCT strategy of depth d (at least 1) for runs of about
// steps choices, drawing every priority and change point from seed.
func NewPCT(seed uint64, depth, steps int) (*PCT, error) {
	if depth < 1 {
		return nil, fmt.Errorf("pct depth must be at least 1, got %d", depth)
	}
	if steps < 1 {
		return nil, fmt.Errorf("pct steps must be at least 1, got %d", steps)
	}
	p := &PCT{depth: depth, steps: steps, rng: newStream(seed, streamSched), prio: map[Choice]int64{}}
	// d-1 distinct change points, uniformly among 1..steps. Drawn until
	// distinct, a draw taken is marked in a bitset: a depth as large as a
	// run's choices (every choice a change point) draws about k·ln k
	// times, and would take minutes checked against the list drawn so far.
	taken := make([]uint64, steps/64+1)
	for len(p.changes) < min(depth-1, steps) {
		k := 1 + p.rng.IntN(steps)
		if word, bit := k/64, uint64(1)<<(k%64); taken[word]&bit == 0 {
			taken[word] |= bit
			p.changes = append(p.changes, k)
		}
	}
	slices.Sort(p.changes)
	return p, nil
}

// Name says the depth, so that a run's log and schedule name it.
func (p *PCT) Name() string { return fmt.Sprintf("pct-d%d", p.depth) }

// Choose runs the enabled unit of highest priority.
func (p *PCT) Choose(cs []Choice) int {
	if len(cs) > 1 {
		p.chosen++
	}
	best, bestPrio := 0, int64(0)
	for i, c := range cs {
		pr, ok := p.prio[c]
		if !ok {
			// Initial priorities lie above every demoted one (which are
			// below depth); ties are broken by the choice order.
			pr = int64(p.depth) + 1 + p.rng.Int64N(1<<40)
			p.prio[c] = pr
		}
		if i == 0 || pr > bestPrio {
			best, bestPrio = i, pr
		}
	}
	if len(cs) > 1 && p.next < len(p.changes) && p.changes[p.next] == p.chosen {
		// The i-th change point demotes the unit to priority d-i: lower
		// than every initial one, and than earlier demotions.
		p.next++
		p.prio[cs[best]] = int64(p.depth - p.next)
	}
	return best
}
