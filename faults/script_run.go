package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"lab/invoker"
)

// ScriptRunner executes scripts (README, Scripts) against a simulator whose
// transport is instant: a message arrives as soon as it is sent, so only the
// script decides which arm each invoker step takes.
type ScriptRunner struct {
	// SpillDir is where file-backed spill stores go ("" is the temp dir).
	SpillDir string
	sim      *Sim
	cfg      scriptConfig
	plan     *Plan
	outcomes map[invoker.InvocationID][]invoker.OutputKind
	// storeFaults makes the node's spill stores fail on demand (store-fault).
	storeFaults invoker.StoreFaults
	out         strings.Builder
	// Out, if set, takes what commands print as they print it, rather than
	// Exec returning it whole: a settle of a long script prints millions
	// of events, which a returned string held all at once.
	Out io.Writer
	// outErr is the first write to Out that failed.
	outErr error
	// ShowTime prefixes every event with its virtual time.
	ShowTime bool
	failures []ExpectFailure
	// planned counts the task outputs `task` commands planned, against
	// MaxPlannedOutputs.
	planned int
	// ctx interrupts a long command (see ExecContext).
	ctx context.Context
}

// scriptConfig is what `config` sets.
type scriptConfig struct {
	node     invoker.Config
	seed     uint64
	schedule string
	memory   bool
}

func defaultScriptConfig() scriptConfig {
	node := invoker.DefaultConfig()
	node.Partitions, node.Quota = 1, 1
	return scriptConfig{node: node, schedule: "priority"}
}

// NewScriptRunner returns a runner with the default configuration: one
// partition, one slot, the fixed variant, spill files on disk.
func NewScriptRunner() *ScriptRunner {
	return &ScriptRunner{cfg: defaultScriptConfig()}
}

// Exec runs one command and returns what it printed: the events it caused,
// and the outcome of an expect. An expect that does not hold is recorded
// (see Failures); a command that cannot run is a *ScriptError.
func (r *ScriptRunner) Exec(c Command) (string, error) {
	return r.ExecContext(context.Background(), c)
}

// ExecContext is Exec, stopped with ctx's error when ctx is done.
func (r *ScriptRunner) ExecContext(ctx context.Context, c Command) (string, error) {
	r.ctx = ctx
	defer func() { r.ctx = nil }()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	r.out.Reset()
	v, ok := verbs[c.Verb]
	if !ok {
		return "", &ScriptError{Line: c.Line, Msg: fmt.Sprintf("unknown verb %q (want %s)", c.Verb, verbList())}
	}
	if err := c.checkArgs(); err != nil {
		return "", err
	}
	if r.sim == nil && c.Verb != "config" {
		if err := r.reset(); err != nil {
			return "", &ScriptError{Line: c.Line, Msg: err.Error()}
		}
	}
	err := v.run(r, c)
	text := r.printed()
	if r.outErr != nil {
		return text, &ScriptOutputError{r.outErr}
	}
	if r.sim != nil {
		// The script cannot go on where the host, not the model, failed.
		if herr := r.sim.node.HostErr(); herr != nil {
			return text, herr
		}
	}
	if err != nil {
		var se *ScriptError
		var host *invoker.HostError
		if ctx.Err() != nil {
			return text, ctx.Err()
		}
		if errors.As(err, &host) { // a spill directory the host failed at a restart
			return text, err
		}
		if !errors.As(err, &se) {
			err = &ScriptError{Line: c.Line, Msg: err.Error()}
		}
		return text, err
	}
	return text, nil
}

// ScriptOutputError is a write to ScriptRunner.Out that failed: a full
// disk or a closed pipe.
type ScriptOutputError struct{ Err error }

func (e *ScriptOutputError) Error() string { return e.Err.Error() }
func (e *ScriptOutputError) Unwrap() error { return e.Err }

// printed is what the command printed and Out has not taken yet.
func (r *ScriptRunner) printed() string {
	if r.Out == nil {
		return r.out.String()
	}
	r.flush()
	return ""
}

// flush hands what was printed to Out.
func (r *ScriptRunner) flush() {
	if r.out.Len() > 0 && r.outErr == nil {
		_, r.outErr = io.WriteString(r.Out, r.out.String())
	}
	r.out.Reset()
}

// Failures lists the expects that did not hold.
func (r *ScriptRunner) Failures() []ExpectFailure { return r.failures }

// Result is the run so far: violations, counts and the log's hash.
func (r *ScriptRunner) Result() *Result {
	if r.sim == nil {
		return &Result{Hash: newEventLog(nil, true).sum()}
	}
	return r.sim.Result()
}

// Close removes the spill stores of the current node.
func (r *ScriptRunner) Close() error {
	if r.sim == nil {
		return nil
	}
	return r.sim.node.Close()
}

// reset starts a fresh node with the current configuration.
func (r *ScriptRunner) reset() error {
	if err := r.Close(); err != nil {
		return err
	}
	node := r.cfg.node
	if r.cfg.memory {
		node.Store = invoker.MemStores()
	} else {
		node.Store = invoker.FileStores(r.SpillDir)
	}
	r.storeFaults = invoker.StoreFaults{}
	node.Store = r.storeFaults.Wrap(node.Store)
	r.plan = &Plan{Name: "script"}
	r.outcomes = map[invoker.InvocationID][]invoker.OutputKind{}
	strategy, err := NewStrategy(r.cfg.schedule, r.cfg.seed)
	if err != nil {
		return err
	}
	sim, err := newSim(Options{Seed: r.cfg.seed, Node: node, Plan: r.plan, Strategy: strategy,
		Observers: []Observer{EventFunc(r.print)}}, nil)
	if err != nil {
		return err
	}
	sim.planTask = r.planTask
	sim.instant = true
	r.sim = sim
	return nil
}

func (r *ScriptRunner) print(e invoker.Event) {
	if r.ShowTime {
		fmt.Fprintf(&r.out, "%s ", FormatTime(e.At))
	}
	r.out.WriteString(e.String())
	r.out.WriteByte('\n')
	if r.Out != nil && r.out.Len() >= 64<<10 {
		r.flush()
	}
}

// planTask gives an attempt the outputs the script set for it (default: one
// journal entry, then closed), all produced at once. A `hang` attempt
// produces its entries and then nothing.
func (r *ScriptRunner) planTask(t invoker.TaskInfo) []TaskStep {
	outs := []invoker.OutputKind{invoker.OutEntry, invoker.OutClosed}
	if q := r.outcomes[t.Inv]; len(q) > 0 {
		outs = nil
		for len(q) > 0 {
			o := q[0]
			q = q[1:]
			if o == invoker.OutNone {
				break
			}
			outs = append(outs, o)
			if o.Final() {
				break
			}
		}
		r.outcomes[t.Inv] = q
	}
	steps := make([]TaskStep, len(outs))
	for i, o := range outs {
		steps[i] = TaskStep{Out: o}
	}
	return steps
}

// send puts a message of the outside world on its way, now; with the
// instant transport it reaches its receiver's channel at once.
func (r *ScriptRunner) send(m invoker.Envelope) {
	r.sim.sendAt(r.sim.now, m)
	r.sim.deliverDue()
}

// step takes one arm on invoker i.
func (r *ScriptRunner) step(i int, arm invoker.Arm) error {
	var d StepInfo
	if err := r.sim.do(Choice{Invoker: i, Arm: arm}, &d); err != nil {
		return err
	}
	r.sim.deliverDue()
	return r.sim.node.HostErr()
}

// settle takes arms by the script's schedule until none is ready. A
// reordered message stays held until enough later messages pass it, or
// until nothing else is left to do.
func (r *ScriptRunner) settle() error {
	for n := 0; ; n++ {
		if n%1024 == 0 && r.ctx != nil && r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		var d StepInfo
		settled, err := r.sim.settleStep(&d)
		if err == nil {
			err = r.sim.node.HostErr()
		}
		if err == nil && r.outErr != nil {
			return &ScriptOutputError{r.outErr} // nobody reads what follows
		}
		if err != nil || settled {
			return err
		}
	}
}

// invokerFor resolves p= or invoker= to an invoker index.
func (r *ScriptRunner) invokerFor(a *args) (int, bool) {
	if _, ok := a.lookup("invoker"); ok {
		i := a.int("invoker", 0, false)
		if i >= r.sim.node.Invokers() {
			a.fail("no invoker %d", i)
		}
		return i, true
	}
	if _, ok := a.lookup("p"); ok {
		return r.sim.node.InvokerFor(r.partition(a)), true
	}
	return 0, false
}

func (r *ScriptRunner) partition(a *args) invoker.PartitionID {
	p := a.int("p", 0, true)
	if p >= r.sim.node.Partitions() {
		a.fail("no partition %d (config has %d)", p, r.sim.node.Partitions())
		return 0
	}
	return invoker.PartitionID(p)
}

func verbList() string {
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
