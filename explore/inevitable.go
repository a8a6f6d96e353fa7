package explore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lab/faults"
	"lab/invoker"
)

// CurveConfig says how finely Inevitable charts a failure.
type CurveConfig struct {
	// Stride: a point every Stride picks (and every pick across the
	// steepest rise).
	Stride int
	// Suffixes: seeded suffixes run after each prefix.
	Suffixes int
	// Workers run suffixes in parallel (0: one; at most one per suffix).
	Workers int
	// Plan the suffixes draw faults from; nil is the built-in plan the
	// schedule names (a plan from a file is not in the schedule: without
	// Plan, its suffixes draw no faults).
	Plan *faults.Plan
	// Progress, when set, follows the chart as it goes.
	Progress *CurveProgress
}

// CurveProgress is how far Inevitable has got, for a progress bar and
// for metrics: safe to read from another goroutine while it runs.
type CurveProgress struct {
	k, picks, runs atomic.Int64

	mu     sync.Mutex
	points map[int]float64 // P by picks kept, as charted
	jump   int             // the jump's pick; 0: none named yet
}

// At is the prefix being charted, of how many picks, and the runs so far.
func (p *CurveProgress) At() (k, picks int, runs int64) {
	return int(p.k.Load()), int(p.picks.Load()), p.runs.Load()
}

// Points are the points charted so far: P by the number of picks kept.
func (p *CurveProgress) Points() map[int]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.points)
}

// Jump is the pick that raised P most, once the chart has named it.
func (p *CurveProgress) Jump() (pick int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jump, p.jump > 0
}

func (p *CurveProgress) charted(pt CurvePoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.points == nil {
		p.points = map[int]float64{}
	}
	p.points[pt.Picks] = pt.P
}

func (p *CurveProgress) jumpAt(pick int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jump = pick
}

// DefaultCurveConfig charts every 10th pick with 100 suffixes.
func DefaultCurveConfig() CurveConfig {
	return CurveConfig{Stride: 10, Suffixes: 100, Workers: DefaultWorkers()}
}

// Validate reports the first setting that cannot run.
func (c CurveConfig) Validate() error {
	switch {
	case c.Stride < 1:
		return fmt.Errorf("stride must be at least 1, got %d", c.Stride)
	case c.Suffixes < 1:
		return fmt.Errorf("suffixes must be at least 1, got %d", c.Suffixes)
	case c.Suffixes > MaxSuffixes:
		return fmt.Errorf("suffixes %d: at most %d", c.Suffixes, MaxSuffixes)
	}
	return nil
}

// MaxSuffixes bounds CurveConfig.Suffixes: each is a run per point.
const MaxSuffixes = 100_000

// Curve is P(K), the chance that a failing schedule's failure happens
// again when its first K scheduler picks are kept and random schedulers
// make the rest: where it rises is where the race was decided.
type Curve struct {
	// Invariant and Check are the failure charted: the schedule's first.
	Invariant string `json:"invariant"`
	Check     string `json:"check"`
	// Picks the schedule took up to its violation.
	Picks int `json:"picks"`
	// Plan is the plan the suffixes draw faults from: "" when the
	// schedule's is not built in and CurveConfig.Plan was not given.
	Plan     string `json:"plan"`
	Stride   int    `json:"stride"`
	Suffixes int    `json:"suffixes"`
	// Points, by Picks: every Stride-th, the last, and every one across
	// the steepest rise between two of those.
	Points []CurvePoint `json:"points"`
	// Every pick from FineFrom to FineTo is charted: the steepest rise
	// between two points every Stride picks (both 0 when none rises by
	// MinJump).
	FineFrom int `json:"fine_from"`
	FineTo   int `json:"fine_to"`
	// Jump is the pick that raised P the most; nil when P never rises by
	// MinJump between two points.
	Jump *CurveJump `json:"jump,omitempty"`
	// CertainFrom is the fewest picks kept from which every point charted
	// fails every time (Picks when interrupted before the last point).
	CertainFrom int     `json:"certain_from"`
	Runs        int     `json:"runs"`
	Workers     int     `json:"workers"`
	Seconds     float64 `json:"seconds"`
	// Interrupted: the context was cancelled. Points are the Stride-th
	// ones charted by then, the last of them missing (CertainFrom is then
	// Picks, and Jump nil), or all of them, with the rise not charted pick
	// by pick (Jump nil).
	Interrupted bool `json:"interrupted,omitempty"`
}

// CurvePoint is P at one prefix length.
type CurvePoint struct {
	// Picks is K, the schedule's picks kept.
	Picks int `json:"picks"`
	// Same of Suffixes runs failed the same way; Other failed another way
	// first, or did not settle within the pick budget.
	Same  int     `json:"same"`
	Other int     `json:"other"`
	P     float64 `json:"p"`
}

// CurveJump is the pick after which P rose the most, and what it did.
type CurveJump struct {
	// Pick is its number (from 1): P rose from Before (its first Pick-1
	// picks kept) to After (Pick kept).
	Pick   int     `json:"pick"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	// Step and Events are the pick as the schedule took it, and the
	// events it caused, described; Drawn are the task outcomes and fault
	// verdicts drawn while it ran, as the schedule has them. AtStep is
	// the pick's place among all the run's steps, as the terminal UI
	// counts them: where `lab tui --replay` goes with g.
	Step   string   `json:"step"`
	AtStep int      `json:"at_step"`
	Events []string `json:"events"`
	Drawn  []string `json:"drawn"`
	// Took says what the pick did, and Over what else was ready then
	// (faults.Sim.Describe): the race it decided. Over is empty when the
	// pick was forced.
	Took string   `json:"took"`
	Over []string `json:"over,omitempty"`
	// Otherwise is P had the pick taken each of Over instead, in order:
	// the race decided the other way, with the same suffixes.
	Otherwise []CurveOtherwise `json:"otherwise,omitempty"`
}

// CurveOtherwise is P after a jump's pick, had it taken Took instead.
type CurveOtherwise struct {
	Took string  `json:"took"`
	Same int     `json:"same"`
	P    float64 `json:"p"`
}

// ErrNothingToChart: the schedule violates no invariant.
var ErrNothingToChart = errors.New("the schedule violates no invariant: nothing to chart")

// Inevitable charts when s's first failure became certain. For K = 0,
// Stride, 2·Stride, ..., up to the picks s took to its violation, it
// replays s leniently, as shrinking does, up to its K-th scheduler pick,
// and from there draws as a seeded run would (faults.DrawAfterPicks):
// picks from tokio's select!, task outcomes from the workload, faults from
// the plan; what the outside world sends (invocations, step-downs, the
// shutdown) stays as recorded. P(K) is the share of those suffixes that
// fail the same way, the same check of the same invariant. Suffix i uses
// seed i at every K, so that points differ by their prefix, not by luck.
// Where P rises most between two points, every pick between them is
// charted too; the single pick that raised P most is the jump.
//
// Cancelling ctx ends the chart with the points charted so far
// (Interrupted), once there is one; before that, it is ctx's error.
func Inevitable(ctx context.Context, s *faults.Schedule, cfg CurveConfig) (*Curve, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	sh := newShrinker(ctx, ctx, time.Time{}) // its failingBase, and the replays it charts
	base, _, err := sh.failingBase(s)
	if errors.Is(err, errNoViolation) {
		return nil, ErrNothingToChart
	}
	if err != nil {
		return nil, err
	}
	c := &Curve{Invariant: sh.first.Invariant, Check: sh.first.Check, Picks: sizeOf(base).Picks,
		Stride: cfg.Stride, Suffixes: cfg.Suffixes, Workers: min(max(cfg.Workers, 1), cfg.Suffixes)}
	ch := &charter{sh: sh, base: base, cfg: cfg, workers: c.Workers, plan: &faults.Plan{Name: base.Header.Plan},
		progress: cfg.Progress}
	if ch.progress == nil {
		ch.progress = new(CurveProgress)
	}
	ch.progress.picks.Store(int64(c.Picks))
	plans, err := builtinPlans()
	if err != nil {
		return nil, err
	}
	if p, ok := plans[base.Header.Plan]; ok {
		ch.plan, c.Plan = p, p.Name
	}
	if cfg.Plan != nil {
		ch.plan, c.Plan = cfg.Plan, cfg.Plan.Name
	}
	defer func() {
		_, _, runs := ch.progress.At()
		c.Runs, c.Seconds = int(runs), time.Since(start).Seconds()
	}()
	var coarse []CurvePoint
	for k := 0; ; k += min(cfg.Stride, c.Picks-k) {
		p, err := ch.point(k)
		if err != nil {
			if ctx.Err() == nil || len(coarse) == 0 {
				return nil, err
			}
			// The points charted so far, and no claim on the rest: the
			// failure is known certain only at the violation itself.
			c.Points, c.CertainFrom, c.Interrupted = coarse, c.Picks, true
			return c, nil
		}
		coarse = append(coarse, p)
		if k == c.Picks {
			break
		}
	}
	c.Points = coarse
	c.CertainFrom = certainFrom(c)
	if err := ch.chartSteepest(c); err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		// Every Stride-th point stands, and where it became certain by
		// them; the rise was not charted pick by pick.
		c.Points, c.FineFrom, c.FineTo, c.Jump, c.Interrupted = coarse, 0, 0, nil, true
		return c, nil
	}
	c.CertainFrom = certainFrom(c)
	return c, nil
}

// certainFrom is the fewest picks kept from which every point of c fails
// the same way every time.
func certainFrom(c *Curve) int {
	from := c.Picks
	for i := len(c.Points) - 1; i >= 0 && c.Points[i].Same == c.Suffixes; i-- {
		from = c.Points[i].Picks
	}
	return from
}

// MinJump is the least rise of P between two points that is charted
// pick by pick and named as the jump: below it, chance moves P as much.
const MinJump = 0.1

// chartSteepest charts every pick across the steepest rise of c's points
// (if P rises by MinJump there) and names the pick that raised P most.
func (ch *charter) chartSteepest(c *Curve) error {
	coarse := c.Points
	i := steepest(coarse)
	if i < 0 || coarse[i+1].P-coarse[i].P < MinJump {
		return nil
	}
	c.FineFrom, c.FineTo = coarse[i].Picks, coarse[i+1].Picks
	fine := []CurvePoint{coarse[i]}
	for k := coarse[i].Picks + 1; k < coarse[i+1].Picks; k++ {
		p, err := ch.point(k)
		if err != nil {
			return err
		}
		fine = append(fine, p)
	}
	fine = append(fine, coarse[i+1])
	c.Points = slices.Concat(coarse[:i+1], fine[1:len(fine)-1], coarse[i+1:])
	j := steepest(fine)
	c.Jump = &CurveJump{Pick: fine[j+1].Picks, Before: fine[j].P, After: fine[j+1].P, Drawn: drawnAt(ch.base, fine[j+1].Picks)}
	ch.progress.jumpAt(c.Jump.Pick)
	return ch.story(c.Jump)
}

// steepest is the i where P rises most from points[i] to points[i+1] (the
// first of equals), or -1 when it never rises.
func steepest(points []CurvePoint) int {
	best, rise := -1, 0.0
	for i := 0; i+1 < len(points); i++ {
		if d := points[i+1].P - points[i].P; d > rise {
			best, rise = i, d
		}
	}
	return best
}

// charter runs the suffixes of one schedule.
type charter struct {
	sh      *shrinker
	base    *faults.Schedule
	cfg     CurveConfig
	workers int
	// plan draws the suffixes' faults: the built-in plan the schedule
	// names, or one with no rules.
	plan     *faults.Plan
	progress *CurveProgress
	prefix   []faults.Entry
}

// point runs every suffix after the first k picks.
func (ch *charter) point(k int) (CurvePoint, error) {
	// Points run one after the other, so one prefix's entries serve all.
	prefix := ch.base.KeepPicks(ch.prefix, k)
	ch.prefix = prefix.Entries
	ch.progress.k.Store(int64(k))
	same, other, err := ch.suffixes(prefix)
	if err != nil {
		return CurvePoint{}, err
	}
	pt := CurvePoint{Picks: k, Same: same, Other: other, P: float64(same) / float64(ch.cfg.Suffixes)}
	ch.progress.charted(pt)
	return pt, nil
}

// suffixes runs every suffix after prefix's picks: how many failed the
// same way, and how many another way or not at all within the budget.
func (ch *charter) suffixes(prefix *faults.Schedule) (sameRuns, otherRuns int, err error) {
	var next atomic.Int64
	var same, other atomic.Int64
	errs := make([]error, ch.workers)
	var wg sync.WaitGroup
	for w := range ch.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(ch.cfg.Suffixes) || ch.sh.ctx.Err() != nil {
					return
				}
				o, err := suffixOptions(prefix, ch.sh.budget, uint64(i), ch.plan, true)
				if err != nil {
					errs[w] = err
					return
				}
				r, err := faults.Run(ch.sh.ctx, o)
				ch.progress.runs.Add(1)
				switch {
				case err == nil && ch.sh.sameFailure(r):
					same.Add(1)
				case err == nil && !ch.sh.failed(r):
				case err == nil, errors.Is(err, faults.ErrBudget):
					other.Add(1)
				default:
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(append(errs, ch.sh.ctx.Err())...); err != nil {
		return 0, 0, err
	}
	return int(same.Load()), int(other.Load()), nil
}

// suffixOptions are the options of suffix seed after prefix: a lenient
// replay whose later picks a seeded random scheduler takes and which, with
// draw, goes on as a seeded run (faults.DrawAfterPicks), faults from plan;
// without draw, task outcomes and faults stay as recorded.
func suffixOptions(prefix *faults.Schedule, budget int, seed uint64, plan *faults.Plan, draw bool) (faults.Options, error) {
	strategy, err := faults.NewStrategy("random", seed)
	if err != nil {
		return faults.Options{}, err
	}
	o := faults.ReplayOptions(prefix)
	o.Lenient, o.StopAtViolation, o.SkipHash, o.MaxPicks, o.Strategy = true, true, true, budget, strategy
	o.JudgeByConfirmedBound()
	if draw {
		o.DrawAfterPicks, o.Seed, o.Plan = true, seed, plan
		// Schedules do not record the task model: every run has the
		// default one, with the task panics the header names.
		o.Workload.Tasks = faults.TaskModelOf(prefix.Header)
	}
	return o, nil
}

// story replays the base schedule and tells j's pick: the step that took
// it, its place among the steps, what it took over what else was ready,
// and the events it caused; then charts P after it had it taken each of
// the others.
func (ch *charter) story(j *CurveJump) error {
	var pending []string
	var others []faults.Choice
	picks, seen := 0, 0
	o := faults.ReplayOptions(ch.base)
	o.Lenient, o.StopAtViolation, o.SkipHash, o.MaxPicks = true, true, true, ch.sh.budget
	o.Observers = []faults.Observer{
		faults.EventFunc(func(e invoker.Event) {
			pending = append(pending, faults.DescribeEvent(e))
		}),
		faults.PickFunc(func(ready []faults.Choice, taken int, describe func(faults.Choice) string) {
			if seen++; seen != j.Pick {
				return
			}
			j.Took = describe(ready[taken])
			for i, c := range ready {
				if i != taken {
					j.Over = append(j.Over, describe(c))
					others = append(others, c)
				}
			}
		}),
		faults.StepFunc(func(d faults.StepInfo) {
			if d.Kind == faults.StepDeliver || d.Kind == faults.StepInvoker {
				if picks++; picks == j.Pick {
					j.Step, j.AtStep, j.Events = d.String(), d.Index, pending
				}
			}
			pending = nil
		}),
	}
	if _, err := faults.Run(ch.sh.ctx, o); err != nil {
		return err
	}
	if j.Step == "" {
		return fmt.Errorf("the schedule has no pick %d", j.Pick)
	}
	for i, c := range others {
		prefix := ch.base.KeepPicks(nil, j.Pick)
		prefix.Entries[pickEntry(prefix, j.Pick)].Choice = c
		same, _, err := ch.suffixes(prefix)
		if err != nil {
			return err
		}
		j.Otherwise = append(j.Otherwise, CurveOtherwise{Took: j.Over[i], Same: same, P: float64(same) / float64(ch.cfg.Suffixes)})
	}
	return nil
}

// pickEntry is the index of s's k-th pick among its entries.
func pickEntry(s *faults.Schedule, k int) int {
	picks := 0
	return slices.IndexFunc(s.Entries, func(e faults.Entry) bool {
		if e.Op == faults.OpPick {
			picks++
		}
		return picks == k
	})
}

// drawnAt are the task outcomes and fault verdicts s recorded while its
// n-th pick ran: the entries between it and the next pick.
func drawnAt(s *faults.Schedule, n int) []string {
	var drawn []string
	picks := 0
	for _, e := range s.Entries {
		switch {
		case e.Op == faults.OpPick:
			picks++
		case picks == n && (e.Op == faults.OpTask || e.Op == faults.OpFault):
			drawn = append(drawn, e.String())
		}
		if picks > n {
			break
		}
	}
	return drawn
}
