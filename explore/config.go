package explore

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"lab/faults"
	"lab/invoker"
)

// Config is one exploration.
type Config struct {
	// Variant of the invoker every run uses.
	Variant invoker.Variant
	// Plan and the node's and workload's shape, unless Swarm.
	Plan     *faults.Plan
	Node     invoker.Config
	Workload faults.Workload
	// Swarm draws a node shape, workload and built-in plan per seed.
	Swarm bool
	// A swarm draws a throttle, a memory pool with invocations hungry
	// for it, and paused slots leaked, for some seeds; Node's throttle,
	// Node's pool with Workload's hungry invocations, or Node's paused
	// slots, replaces the draw on every shape when it is on (leaked), or
	// when SwarmTakesThrottle, SwarmTakesMemory or SwarmTakesPausedSlots
	// says to take it even off. It never draws the yield: Node's yield
	// goes to every shape with a pool.
	SwarmTakesThrottle, SwarmTakesMemory, SwarmTakesPausedSlots bool
	// Strategy is "random" or "pct"; Depth is PCT's depth d.
	Strategy string
	Depth    int
	// PCTSteps is the k of PCT (choices per run) change points are drawn
	// among; 0 estimates it from the workload.
	PCTSteps int
	// Seeds FirstSeed .. FirstSeed+Seeds-1, or, with Seeds 0, as many as
	// Duration allows. A shard takes every Shard.Count-th of them.
	FirstSeed uint64
	Seeds     uint64
	Duration  time.Duration
	Shard     Shard
	// StopOnFirst stops handing out seeds at the first failure.
	StopOnFirst bool
	// Workers run seeds in parallel (0: one).
	Workers int
	// CheckDeterminism runs every seed twice and compares the logs.
	CheckDeterminism bool
	// Invariants are those hunted (nil: all): a run goes on past a
	// violation of any other, which is no failure.
	Invariants []string
	// Bounds are the invariants' time bounds (zero: faults.DefaultBounds).
	Bounds faults.Bounds
	// Against, when set, reruns every failing seed with its one setting
	// changed, hunting the invariant the seed broke: whether the fix
	// holds on the very seeds that fail (Failure.Against).
	Against *Against
	// ListPerWay bounds the failures the report lists to the first of
	// each way of failing (an invariant and its check) by seed; 0 lists
	// every one, which holds every failure in memory. Every failure is
	// counted either way.
	ListPerWay int
	// Rerun is the command line that reruns one seed, for reports.
	Rerun func(seed uint64) string
	// Observe, when set, is called with every finished run, from the
	// worker that ran it (for progress and metrics).
	Observe func(RunSummary)
}

// RunSummary is what one seed gave, for progress bars and metrics.
type RunSummary struct {
	Seed      uint64
	Failed    bool
	Invariant string
	// Against is how the failure's other side fared (AgainstHeld, ...),
	// under Config.Against; "" when it was not rerun.
	Against string
	Picks   int
	Elapsed time.Duration
	// Reached are the situations the run reached before any violation
	// (Coverage.Sometimes); Pairs and Orders the (state, event) pairs and
	// shutdown orders it reached that its worker had not before.
	Reached       []string
	Pairs, Orders []string
}

// MaxWorkers bounds the workers of an exploration (and of lab
// inevitable): every worker starts at once and holds a run in memory
// (about 1 MB for the reference workload); 10^7 of them filled memory
// before a seed ran.
const MaxWorkers = 1024

// Shard is a slice of the seeds: those whose offset from the first seed
// is Index modulo Count.
type Shard struct{ Index, Count int }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, max(s.Count, 1)) }

// ParseShard reads "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 <= i < n", s)
	}
	return Shard{i, n}, nil
}

// Validate reports the first setting that cannot run.
func (c *Config) Validate() error {
	switch {
	case c.Strategy != "random" && c.Strategy != "pct":
		return fmt.Errorf("strategy %q: want random or pct", c.Strategy)
	case c.Strategy == "pct" && c.Depth < 1:
		return fmt.Errorf("pct depth must be at least 1, got %d", c.Depth)
	case c.Seeds == 0 && c.Duration <= 0:
		return fmt.Errorf("say how many seeds or for how long")
	case c.Shard.Count < 0 || (c.Shard.Count > 0 && (c.Shard.Index < 0 || c.Shard.Index >= c.Shard.Count)):
		return fmt.Errorf("shard %s: want i/n with 0 <= i < n", c.Shard)
	case c.Seeds > 0 && c.FirstSeed+(c.Seeds-1) < c.FirstSeed:
		return fmt.Errorf("%d seeds from seed %d go past the last seed, %d", c.Seeds, c.FirstSeed, uint64(math.MaxUint64))
	case c.ListPerWay < 0:
		return fmt.Errorf("list %d failures of each way of failing: want 0 (every one) or more", c.ListPerWay)
	}
	if err := faults.CheckInvariants(c.Invariants); err != nil {
		return err
	}
	if w := c.Against; w != nil && c.sameOnEveryShape(*w) {
		return fmt.Errorf("against %s: the other side would be the same run", w)
	}
	if c.Swarm {
		// what it takes for every shape it draws
		if err := c.Node.Throttle.Validate(); err != nil {
			return err
		}
		if err := invoker.ValidateMemoryLimit(c.Node.MemoryLimit); err != nil {
			return err
		}
		if c.Workload.Hungry < 0 || c.Workload.Hungry > faults.MaxInvocations {
			return fmt.Errorf("memory-hungry must be between 0 and %d, got %d", faults.MaxInvocations, c.Workload.Hungry)
		}
		if err := faults.CheckHungry(c.Node, c.Workload); err != nil {
			return err
		}
		if c.Node.VQueues != invoker.VQueuesOff && (c.Node.MemoryOn() || c.Node.Throttle.On()) {
			return fmt.Errorf("vqueues %v go to the shapes without a memory pool or a throttle, and this swarm gives every shape one", c.Node.VQueues)
		}
	}
	if !c.Swarm {
		if c.Plan == nil {
			return fmt.Errorf("no fault plan")
		}
		if err := c.Node.Validate(); err != nil {
			return err
		}
		return c.Workload.Validate()
	}
	return nil
}

// ShapeName names what every seed of the exploration shares beside the
// variant, plan and strategy: the node's and workload's settings (drawn
// per seed in a swarm), the invariants' bounds, and the invariants hunted
// if not all.
func (c *Config) ShapeName() string {
	b := c.Bounds
	if b == (faults.Bounds{}) {
		b = faults.DefaultBounds()
	}
	bounds := fmt.Sprintf("bound-shutdown=%v bound-crash=%v bound-progress=%v", b.Shutdown, b.Crash, b.Progress)
	if len(c.Invariants) > 0 {
		bounds += " invariants=" + strings.Join(c.Invariants, ",")
	}
	if c.Swarm {
		taken := faults.SwarmTakesArgs(c.Node, c.Workload)
		// and what it takes off rather than drawing it
		if c.takesThrottle() && !c.Node.Throttle.On() {
			taken += " throttle=unlimited"
		}
		if c.takesMemory() && !c.Node.MemoryOn() {
			taken += " memory-limit=0"
		}
		if c.takesPausedSlots() && c.Node.PausedSlots == invoker.PausedSlotsReleased {
			taken += " paused-slots=released"
		}
		return strings.TrimPrefix(taken+" "+bounds, " ")
	}
	return fmt.Sprintf("%s shutdown=%t %s", faults.DescribeShape(c.Node, c.Workload), c.Workload.Shutdown, bounds)
}

// sameOnEveryShape reports whether w changes nothing of any seed's run.
// A swarm draws what a panic takes down, its retry timers, its paused
// slots and whether its invokers share a tmp-dir per seed: w may change
// those of some shapes and not others, which the reruns count as skipped.
func (c *Config) sameOnEveryShape(w Against) bool {
	if !c.Swarm {
		return w.Same(c.Variant, c.Node)
	}
	switch {
	case w.OnPanic != nil, w.RetryTimers != nil, w.PausedSlots != nil && !c.takesPausedSlots(), w.VQueues != nil:
		return false
	case w.InTmpDir != nil:
		node := c.Node
		node.SharedTmpDir = true // as it draws for some
		return w.Same(c.Variant, node)
	}
	return w.Same(c.Variant, c.Node)
}

// shardSeed is the n-th seed (from 0) of the shard, and whether it is in
// range.
func (c *Config) shardSeed(n uint64) (uint64, bool) {
	count := uint64(max(c.Shard.Count, 1))
	off := n*count + uint64(c.Shard.Index)
	if c.Seeds > 0 && off >= c.Seeds {
		return 0, false
	}
	seed := c.FirstSeed + off
	if seed < c.FirstSeed {
		return 0, false // past the last seed (--duration from a seed near it)
	}
	return seed, true
}

// shape is what one seed runs: the node, workload and plan.
type shape struct {
	node     invoker.Config
	workload faults.Workload
	plan     *faults.Plan
}

// SeedOptions are the options of seed's run in the exploration (its shape
// drawn, in a swarm), as a recorded or traced rerun takes them: not
// stopped at a violation.
func (c *Config) SeedOptions(seed uint64) (faults.Options, error) {
	plans, err := builtinPlans()
	if err != nil {
		return faults.Options{}, err
	}
	return c.options(seed, c.shapeOf(seed, plans))
}

func (c *Config) shapeOf(seed uint64, plans map[string]*faults.Plan) shape {
	if !c.Swarm {
		n := c.Node
		n.Variant = c.Variant
		return shape{n, c.Workload, c.Plan}
	}
	sh := swarmShape(seed, c.Variant, plans)
	// the swarm draws neither of these; in-tmp-dir matters where it draws
	// one tmp-dir
	sh.node.SpillDirs, sh.node.InTmpDir = c.Node.SpillDirs, c.Node.InTmpDir
	// a throttle, paused slots or a memory pool asked for replaces the
	// one drawn
	if c.takesThrottle() {
		sh.node.Throttle = c.Node.Throttle
	}
	if c.takesPausedSlots() {
		sh.node.PausedSlots = c.Node.PausedSlots
	}
	if c.takesMemory() {
		sh.node.MemoryLimit = c.Node.MemoryLimit
		// as many hungry invocations as asked for, or every one of a
		// shape that draws fewer
		sh.workload.Hungry = min(c.Workload.Hungry, sh.workload.Invocations)
	}
	if sh.node.MemoryOn() {
		// nor the yield, which only a node with a memory pool has
		sh.node.Yield = c.Node.Yield
	} else if !sh.node.Throttle.On() {
		// nor vqueues, which leave memory and throttling to a scheduler
		// the lab does not model: only a node without either takes them
		sh.node.VQueues, sh.node.YieldThreshold = c.Node.VQueues, c.Node.YieldThreshold
	}
	return sh
}

// takesThrottle: a swarm gives every shape Node's throttle.
func (c *Config) takesThrottle() bool { return c.SwarmTakesThrottle || c.Node.Throttle.On() }

// takesPausedSlots: a swarm gives every shape Node's paused slots.
func (c *Config) takesPausedSlots() bool {
	return c.SwarmTakesPausedSlots || c.Node.PausedSlots != invoker.PausedSlotsReleased
}

// takesMemory: a swarm gives every shape Node's memory pool and
// Workload's hungry invocations.
func (c *Config) takesMemory() bool { return c.SwarmTakesMemory || c.Node.MemoryOn() }

// options are the options of one seed's run.
func (c *Config) options(seed uint64, sh shape) (faults.Options, error) {
	o := faults.Options{Seed: seed, Node: sh.node, Plan: sh.plan, Workload: sh.workload, Bounds: c.Bounds,
		Invariants: c.Invariants}
	if c.Strategy == "pct" {
		steps := c.PCTSteps
		if steps == 0 {
			steps = EstimateChoices(sh.node, sh.workload)
		}
		p, err := faults.NewPCT(seed, c.Depth, steps)
		if err != nil {
			return o, err
		}
		o.Strategy = p
	}
	return o, nil
}

// EstimateChoices is about how many choices (picks with more than one
// thing ready) a complete run of this shape takes: PCT draws its change
// points among them. Fitted to complete runs: about 4 per invocation and 3
// per partition, of about 19 and 15 picks; the reference workload, 64
// invocations on 4 partitions, takes 190-330 by plan against the 268
// estimated. TestEstimateChoicesFitsRealRuns holds it to the runs.
func EstimateChoices(n invoker.Config, w faults.Workload) int {
	return 4*w.Invocations + 3*n.Partitions
}

// StrategyName is how reports name the strategy.
func (c *Config) StrategyName() string {
	if c.Strategy == "pct" {
		return fmt.Sprintf("pct-d%d", c.Depth)
	}
	return c.Strategy
}
