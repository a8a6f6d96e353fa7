package explore

import (
	"maps"
	"sync"
	"sync/atomic"

	"lab/faults"
)

// Counters count an exploration's runs as they finish, for a progress bar
// or a metrics exporter (a Prometheus CounterFunc per method, say). Give
// Observe as Config.Observe, or call it from there; every method is safe
// for concurrent use.
type Counters struct {
	schedules, failed, picks atomic.Uint64
	mu                       sync.Mutex
	byInvariant              map[string]uint64
	against                  map[string]map[string]uint64 // invariant, outcome
	reached                  map[string]uint64            // situation: schedules
	pairs, orders            map[string]bool              // reached by any worker
}

// Observe counts one finished run.
func (c *Counters) Observe(r RunSummary) {
	c.schedules.Add(1)
	c.picks.Add(uint64(r.Picks))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cover(r)
	if !r.Failed {
		return
	}
	c.failed.Add(1)
	if c.byInvariant == nil {
		c.byInvariant = map[string]uint64{}
	}
	c.byInvariant[r.Invariant]++
	if r.Against != "" {
		if c.against == nil {
			c.against = map[string]map[string]uint64{}
		}
		if c.against[r.Invariant] == nil {
			c.against[r.Invariant] = map[string]uint64{}
		}
		c.against[r.Invariant][r.Against]++
	}
}

// Schedules run so far.
func (c *Counters) Schedules() uint64 { return c.schedules.Load() }

// Failed schedules so far.
func (c *Counters) Failed() uint64 { return c.failed.Load() }

// Picks taken by the scheduler so far.
func (c *Counters) Picks() uint64 { return c.picks.Load() }

// ByInvariant is a copy of the failures so far, by invariant: every
// invariant an exploration can report, 0 until one fails it (a counter
// that first appears at 1 loses that 1 to Prometheus' increase()).
func (c *Counters) ByInvariant() map[string]uint64 {
	out := make(map[string]uint64, len(faults.Invariants)+1)
	for _, inv := range faults.Invariants {
		out[inv] = 0
	}
	out[Determinism] = 0
	c.mu.Lock()
	defer c.mu.Unlock()
	maps.Copy(out, c.byInvariant)
	return out
}

// Against is a copy of how the failures' other side fared so far (under
// Config.Against), by invariant and outcome: every invariant and outcome,
// 0 until a rerun gives it, as in ByInvariant.
func (c *Counters) Against() map[string]map[string]uint64 {
	out := make(map[string]map[string]uint64, len(faults.Invariants))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, inv := range faults.Invariants {
		out[inv] = make(map[string]uint64, len(AgainstOutcomes))
		for _, o := range AgainstOutcomes {
			out[inv][o] = c.against[inv][o]
		}
	}
	return out
}

// Held counts the failures whose other side held the invariant.
func (c *Counters) Held() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, by := range c.against {
		n += by[AgainstHeld]
	}
	return n
}

// cover counts what run r reached.
func (c *Counters) cover(r RunSummary) {
	if c.reached == nil {
		c.reached, c.pairs, c.orders = map[string]uint64{}, map[string]bool{}, map[string]bool{}
	}
	for _, s := range r.Reached {
		c.reached[s]++
	}
	for _, p := range r.Pairs {
		c.pairs[p] = true
	}
	for _, o := range r.Orders {
		c.orders[o] = true
	}
}

// Reached is a copy of the schedules so far that reached each situation
// (Coverage.Sometimes): every situation, from 0.
func (c *Counters) Reached() map[string]uint64 {
	out := make(map[string]uint64, len(sometimesNames))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range sometimesNames {
		out[s] = c.reached[s]
	}
	return out
}

// Distinct counts the (state, event) pairs and the shutdown orders the
// runs have reached so far: coverage over time, which flattens once the
// search stops finding new behaviour.
func (c *Counters) Distinct() (pairs, orders int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pairs), len(c.orders)
}
