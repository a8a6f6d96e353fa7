package explore

import (
	"slices"
	"strings"

	"lab/invoker"
)

// Coverage is what the runs reached: every (state, event) pair of the
// invocation state machine (the state an invocation's machine was in when
// an event about it happened), every order in which an invoker went
// through the phases of a node shutdown, and the situations of
// sometimes.go. Counts are of events, of invoker shutdowns and of
// schedules; they add up across runs and shards. PairSeeds and OrderSeeds
// name the first seed that reached each pair and order: one to replay to
// see it, and, the last of them, where the search stopped finding new
// behaviour.
type Coverage struct {
	ISMPairs       map[string]uint64  `json:"ism_pairs"`
	ShutdownOrders map[string]uint64  `json:"shutdown_orders"`
	Sometimes      map[string]Reached `json:"sometimes"`
	PairSeeds      map[string]uint64  `json:"ism_pair_first_seeds"`
	OrderSeeds     map[string]uint64  `json:"shutdown_order_first_seeds"`
}

func newCoverage() Coverage {
	return Coverage{ISMPairs: map[string]uint64{}, ShutdownOrders: map[string]uint64{}, Sometimes: map[string]Reached{},
		PairSeeds: map[string]uint64{}, OrderSeeds: map[string]uint64{}}
}

// fill makes the maps a report left out (or wrote null) empty.
func (c *Coverage) fill() {
	for _, m := range []*map[string]uint64{&c.ISMPairs, &c.ShutdownOrders, &c.PairSeeds, &c.OrderSeeds} {
		if *m == nil {
			*m = map[string]uint64{}
		}
	}
	if c.Sometimes == nil {
		c.Sometimes = map[string]Reached{}
	}
}

// firstSeed notes seed as key's first in seeds, unless an earlier one is.
func firstSeed(seeds map[string]uint64, key string, seed uint64) {
	if first, ok := seeds[key]; !ok || seed < first {
		seeds[key] = seed
	}
}

// LastNew is the latest of the first seeds of the pairs and orders: the
// seeds after it reached nothing new of them (0 when nothing was reached).
func (c *Coverage) LastNew() uint64 {
	var last uint64
	for _, seeds := range []map[string]uint64{c.PairSeeds, c.OrderSeeds} {
		for _, seed := range seeds {
			last = max(last, seed)
		}
	}
	return last
}

// fits reports whether c and o add up without a count wrapping around.
func (c *Coverage) fits(o Coverage) bool {
	sums := func(a, b map[string]uint64) bool {
		for k, n := range b {
			if a[k]+n < n {
				return false
			}
		}
		return true
	}
	for k, r := range o.Sometimes {
		if c.Sometimes[k].Schedules+r.Schedules < r.Schedules {
			return false
		}
	}
	return sums(c.ISMPairs, o.ISMPairs) && sums(c.ShutdownOrders, o.ShutdownOrders)
}

// add merges o into c.
func (c *Coverage) add(o Coverage) {
	for k, n := range o.ISMPairs {
		c.ISMPairs[k] += n
	}
	for k, n := range o.ShutdownOrders {
		c.ShutdownOrders[k] += n
	}
	for k, r := range o.Sometimes {
		c.Sometimes[k] = c.Sometimes[k].add(r)
	}
	for k, seed := range o.PairSeeds {
		firstSeed(c.PairSeeds, k, seed)
	}
	for k, seed := range o.OrderSeeds {
		firstSeed(c.OrderSeeds, k, seed)
	}
}

// ismStates name the states an invocation's machine can be in when an
// event about it happens; "none" is no machine (before creation, after
// removal).
var ismStates = [...]string{"none", "new", "in-flight", "waiting-retry"}

func ismIndex(s invoker.ISMState) uint8 {
	switch s {
	case invoker.ISMNew:
		return 1
	case invoker.ISMInFlight:
		return 2
	case invoker.ISMWaitingRetry:
		return 3
	}
	return 0 // none, gone
}

// shutdownSteps are the phases of an invoker's shutdown, in the order a
// coverage key names them.
var shutdownSteps = map[invoker.Kind]string{
	invoker.KindAbortAll: "abort-all", invoker.KindCancel: "cancel", invoker.KindShutdown: "shutdown",
	invoker.KindPanic: "panic", invoker.KindJoined: "joined", invoker.KindSpillRemoved: "spill-removed",
	invoker.KindTermEnd: "term-end",
}

type machineKey struct {
	incarnation int
	inv         invoker.InvocationID
}

type invokerKey struct{ incarnation, id int }

// collector gathers one run's coverage as an event observer. It keeps its
// maps between runs, so a worker allocates them once.
type collector struct {
	// state is the machine state of each invocation of incarnation
	// current, older that of earlier incarnations: nearly every event is
	// of the current one, and a string key hashes faster than a struct.
	current   int
	state     map[invoker.InvocationID]uint8
	older     map[machineKey]uint8
	pairs     [len(ismStates)][invoker.NumKinds]uint64
	stopping  map[int]bool
	orders    map[invokerKey][]invoker.Kind
	keys      []invokerKey
	sometimes sometimesWatch
}

func newCollector() *collector {
	return &collector{state: map[invoker.InvocationID]uint8{}, older: map[machineKey]uint8{},
		stopping: map[int]bool{}, orders: map[invokerKey][]invoker.Kind{}, sometimes: newSometimesWatch()}
}

// catchUp files the machines of the current incarnation under older ones
// when a later incarnation shows up (the node restarted).
func (c *collector) catchUp(incarnation int) {
	if incarnation <= c.current {
		return
	}
	for inv, st := range c.state {
		c.older[machineKey{c.current, inv}] = st
	}
	clear(c.state)
	c.current = incarnation
}

// count counts e against st, the state its invocation's machine was in,
// and says what the state is after e.
func (c *collector) count(st uint8, e *invoker.Event) (after uint8, changed bool) {
	c.pairs[st][e.Kind]++
	if e.Kind == invoker.KindISM {
		return ismIndex(invoker.ISMState(e.To)), true
	}
	return st, false
}

func (c *collector) OnEvent(e invoker.Event) {
	c.sometimes.observe(&e)
	if e.Inv != "" {
		c.catchUp(e.Incarnation)
		if e.Incarnation == c.current {
			if st, changed := c.count(c.state[e.Inv], &e); changed {
				c.state[e.Inv] = st
			}
		} else {
			k := machineKey{e.Incarnation, e.Inv}
			if st, changed := c.count(c.older[k], &e); changed {
				c.older[k] = st
			}
		}
	}
	switch e.Kind {
	case invoker.KindStopIngress:
		c.stopping[e.Incarnation] = true
	case invoker.KindAbortAll, invoker.KindCancel, invoker.KindShutdown, invoker.KindPanic,
		invoker.KindJoined, invoker.KindSpillRemoved, invoker.KindTermEnd:
		if !c.stopping[e.Incarnation] || e.Invoker < 0 {
			return
		}
		k := invokerKey{e.Incarnation, e.Invoker}
		o, seen := c.orders[k]
		if !seen {
			c.keys = append(c.keys, k)
		}
		for _, x := range o {
			if x == e.Kind {
				return
			}
		}
		c.orders[k] = append(o, e.Kind)
	}
}

// flush adds the coverage of seed's run to cov and resets the collector.
func (c *collector) flush(cov *Coverage, seed uint64) {
	c.sometimes.flush(cov.Sometimes, seed)
	for s := range c.pairs {
		for k, n := range c.pairs[s] {
			if n > 0 {
				key := ismStates[s] + " " + invoker.Kind(k).String()
				cov.ISMPairs[key] += n
				firstSeed(cov.PairSeeds, key, seed)
				c.pairs[s][k] = 0
			}
		}
	}
	var b strings.Builder
	for _, k := range c.keys {
		b.Reset()
		for i, x := range c.orders[k] {
			if i > 0 {
				b.WriteString(">")
			}
			b.WriteString(shutdownSteps[x])
		}
		cov.ShutdownOrders[b.String()]++
		firstSeed(cov.OrderSeeds, b.String(), seed)
	}
	c.keys = c.keys[:0]
	clear(c.state)
	clear(c.older)
	c.current = 0
	clear(c.stopping)
	clear(c.orders)
}

// news are the keys a worker's coverage first reached at seed, its latest
// run, for Config.Observe. The map only grows, so it is searched only when
// it has more keys than *seen, its size at the last search.
func news(firstSeeds map[string]uint64, seen *int, seed uint64) []string {
	if len(firstSeeds) == *seen {
		return nil
	}
	*seen = len(firstSeeds)
	var out []string
	for k, first := range firstSeeds {
		if first == seed {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
