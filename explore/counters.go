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
}

// Observe counts one finished run.
func (c *Counters) Observe(r RunSummary) {
	c.schedules.Add(1)
	c.picks.Add(uint64(r.Picks))
	if !r.Failed {
		return
	}
	c.failed.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
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
