package faults

import (
	"fmt"
	"strings"

	"lab/invoker"
)

// verb is one script command. Each has an example line, shown in errors and
// the README.
type verb struct {
	example string
	run     func(r *ScriptRunner, c Command) error
}

var verbs map[string]verb

func init() {
	verbs = map[string]verb{
		"config":      {"config partitions=1 quota=1 variant=buggy queue-limit=8 invokers=shared seed=1 spill=memory on-panic=watch retry-timers=unkeyed paused-slots=leaked spill-dirs=removed in-tmp-dir=subdir", (*ScriptRunner).config},
		"leader":      {"leader p=0 epoch=1", (*ScriptRunner).leader},
		"invoke":      {"invoke p=0 inv=a", (*ScriptRunner).invoke},
		"abort":       {"abort p=0 inv=a", (*ScriptRunner).abort},
		"step-down":   {"step-down p=0", (*ScriptRunner).stepDown},
		"shutdown":    {"shutdown   (or: shutdown phase=stop-ingress|step-down|cancel)", (*ScriptRunner).shutdown},
		"restart":     {"restart", (*ScriptRunner).restart},
		"task":        {"task inv=a outcome=ok|fail|fail-transient|suspend|hang|panic entries=1", (*ScriptRunner).task},
		"deliver":     {"deliver arm=input|dequeue|task|timer|join|shutdown p=0 n=1", (*ScriptRunner).deliver},
		"advance":     {"advance 5s", (*ScriptRunner).advance},
		"settle":      {"settle", (*ScriptRunner).settleVerb},
		"pause":       {"pause p=0 inv=a", (*ScriptRunner).request},
		"retry-now":   {"retry-now p=0 inv=a", (*ScriptRunner).request},
		"resume":      {"resume p=0 inv=a", (*ScriptRunner).resume},
		"store-fault": {"store-fault op=write|read n=1", (*ScriptRunner).storeFault},
		"fault":       {"fault action=drop|delay|duplicate|reorder kind=ack p=0 epoch=1 inv=a n=1 d=5ms k=2", (*ScriptRunner).fault},
		"check":       {"check", (*ScriptRunner).checkVerb},
		"state":       {"state", (*ScriptRunner).state},
		"expect":      {"expect ok | panic | violation=no-panic | status inv=a is=completed | queue p=0 len=1 disk=0 | slots p=0 used=0 | permits used=0 | invoker p=0 is=dead", (*ScriptRunner).expect},
	}
}

// config starts a fresh node.
// Example: config partitions=1 quota=1 variant=buggy
func (r *ScriptRunner) config(c Command) error {
	a := c.args("partitions", "quota", "variant", "seed", "queue-limit", "invokers", "effect-capacity", "spill", "schedule", "on-panic",
		"shared-tmp-dir", "retry-timers", "paused-slots", "spill-dirs", "in-tmp-dir", "throttle", "throttle-burst", "memory-limit", "yield", "vqueues", "yield-threshold")
	cfg := r.cfg
	cfg.node.Partitions = a.int("partitions", cfg.node.Partitions, false)
	cfg.node.Quota = a.int("quota", cfg.node.Quota, false)
	cfg.node.QueueLimit = a.int("queue-limit", cfg.node.QueueLimit, false)
	cfg.node.EffectCapacity = a.int("effect-capacity", cfg.node.EffectCapacity, false)
	if _, ok := a.lookup("seed"); ok { // any seed lab run takes
		cfg.seed = a.uint64("seed")
	}
	parseArg(a, "variant", invoker.ParseVariant, &cfg.node.Variant)
	parseArg(a, "on-panic", invoker.ParseOnPanic, &cfg.node.OnPanic)
	parseArg(a, "retry-timers", invoker.ParseRetryTimers, &cfg.node.RetryTimers)
	parseArg(a, "paused-slots", invoker.ParsePausedSlots, &cfg.node.PausedSlots)
	parseArg(a, "yield", invoker.ParseYield, &cfg.node.Yield)
	parseArg(a, "vqueues", invoker.ParseVQueues, &cfg.node.VQueues)
	if _, ok := a.lookup("yield-threshold"); ok {
		cfg.node.YieldThreshold = a.duration("yield-threshold", 0)
	}
	parseArg(a, "spill-dirs", invoker.ParseSpillDirs, &cfg.node.SpillDirs)
	parseArg(a, "in-tmp-dir", invoker.ParseInTmpDir, &cfg.node.InTmpDir)
	if _, ok := a.lookup("throttle"); ok {
		burst := cfg.node.Throttle.Burst
		parseArg(a, "throttle", invoker.ParseThrottleRate, &cfg.node.Throttle)
		cfg.node.Throttle.Burst = burst
	}
	cfg.node.Throttle.Burst = a.int("throttle-burst", cfg.node.Throttle.Burst, false)
	cfg.node.MemoryLimit = a.int("memory-limit", cfg.node.MemoryLimit, false)
	if err := CheckYield(cfg.node.MemoryLimit, cfg.node.Yield); err != nil && a.err == nil {
		a.fail("%v", err)
	}
	switch v, _ := a.lookup("invokers"); v {
	case "shared":
		cfg.node.SharedInvoker = true
	case "per-partition":
		cfg.node.SharedInvoker = false
	case "":
	default:
		a.fail("invokers=%s: want shared or per-partition", v)
	}
	if _, ok := a.lookup("shared-tmp-dir"); ok {
		cfg.node.SharedTmpDir = a.bool("shared-tmp-dir")
	}
	switch v, _ := a.lookup("spill"); v {
	case "memory":
		cfg.memory = true
	case "disk":
		cfg.memory = false
	case "":
	default:
		a.fail("spill=%s: want memory or disk", v)
	}
	if v, ok := a.lookup("schedule"); ok {
		cfg.schedule = v
	}
	if a.err != nil {
		return a.err
	}
	if err := cfg.node.Validate(); err != nil {
		return err
	}
	r.cfg = cfg
	return r.reset()
}

// leader makes partition p the leader at an epoch: one RegisterPartition,
// then one Invoke per invoked invocation, in id order.
// Example: leader p=0 epoch=1
func (r *ScriptRunner) leader(c Command) error {
	a := c.args("p", "epoch")
	p, e := r.partition(a), a.int("epoch", 0, true)
	if a.err != nil {
		return a.err
	}
	r.send(leaderMsg(p, invoker.Epoch(e)))
	return nil
}

// invoke: a new invocation arrives at partition p and is sent to the invoker.
// Example: invoke p=0 inv=a
// Example: invoke p=0 inv=a hungry=true (its attempts need a second lease
// of the memory pool)
func (r *ScriptRunner) invoke(c Command) error {
	a := c.args("p", "inv", "hungry")
	p, inv := r.partition(a), a.str("inv", true)
	hungry := false
	if _, ok := a.lookup("hungry"); ok {
		hungry = a.bool("hungry")
	}
	if a.err != nil {
		return a.err
	}
	r.send(invoker.Envelope{Kind: invoker.MsgSubmit, PLE: invoker.PLE{Partition: p}, Inv: invoker.InvocationID(inv), Hungry: hungry})
	return nil
}

// abort: the user kills an invocation; the partition sends Abort.
// Example: abort p=0 inv=a
func (r *ScriptRunner) abort(c Command) error {
	return r.toPartition(c, invoker.MsgKill)
}

func (r *ScriptRunner) toPartition(c Command, kind invoker.MsgKind) error {
	a := c.args("p", "inv")
	p, inv := r.partition(a), a.str("inv", true)
	if a.err != nil {
		return a.err
	}
	r.send(invoker.Envelope{Kind: kind, PLE: invoker.PLE{Partition: p}, Inv: invoker.InvocationID(inv)})
	return nil
}

// stepDown: partition p sends AbortAllPartition for its epoch.
// Example: step-down p=0
func (r *ScriptRunner) stepDown(c Command) error {
	a := c.args("p")
	p := r.partition(a)
	if a.err != nil {
		return a.err
	}
	r.send(stepDownMsg(p))
	return nil
}

// shutdown begins the node's shutdown: ingress stops, every partition steps
// down, every invoker is cancelled (or just the phase named). When an
// invoker's loop exits, its tasks are joined and its spill directory removed.
// Example: shutdown phase=cancel
func (r *ScriptRunner) shutdown(c Command) error {
	a := c.args("phase")
	phase := a.str("phase", false)
	if a.err != nil {
		return a.err
	}
	n := r.sim.node
	switch phase {
	case "", "stop-ingress", "step-down", "cancel":
	default:
		return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("phase=%s: want stop-ingress, step-down or cancel", phase)}
	}
	if phase == "" || phase == "stop-ingress" {
		r.send(invoker.Envelope{Kind: invoker.MsgStopIngress, PLE: invoker.PLE{Partition: invoker.NoPartition}})
	}
	if phase == "" || phase == "step-down" {
		for p := range n.Partitions() {
			r.send(stepDownMsg(invoker.PartitionID(p)))
		}
	}
	if phase == "" || phase == "cancel" {
		for i := range n.Invokers() {
			r.send(invokerMsg(invoker.MsgCancel, i))
		}
	}
	return nil
}

// restart replaces every invoker, as a process restart does; partitions
// keep their status tables and wait for a leader.
// Example: restart
func (r *ScriptRunner) restart(c Command) error {
	if a := c.args(); a.err != nil {
		return a.err
	}
	if err := r.sim.node.Restart(); err != nil {
		return err
	}
	r.sim.pump()
	r.sim.deliverDue()
	return nil
}

// outcomes maps a script's outcome names to the attempt's last outputs;
// OutNone is `hang`: the attempt never ends by itself. A terminal failure
// is the SDK's output entry (carrying the failure), then Closed: in January
// 2025 the invoker itself never fails an invocation.
var outcomes = map[string][]invoker.OutputKind{
	"ok": {invoker.OutClosed}, "fail": {invoker.OutEntry, invoker.OutClosed},
	"fail-transient": {invoker.OutFailedTransient}, "suspend": {invoker.OutSuspended},
	"hang": {invoker.OutNone}, "panic": {invoker.OutPanicked},
}

// task sets how the next attempt of an invocation ends. By default an
// attempt writes one journal entry and closes; other endings write none
// unless entries= says so. A hanging attempt stays in flight until it is
// aborted.
// Example: task inv=a outcome=fail-transient entries=2
func (r *ScriptRunner) task(c Command) error {
	a, inv, entries, end := taskArgs(c, r.planned)
	if a.err != nil {
		return a.err
	}
	r.planned += entries + len(end)
	id := invoker.InvocationID(inv)
	for range entries {
		r.outcomes[id] = append(r.outcomes[id], invoker.OutEntry)
	}
	r.outcomes[id] = append(r.outcomes[id], end...)
	return nil
}

// taskArgs reads a task command: its invocation, its entries and how the
// attempt ends, refusing more outputs than a script may plan beyond the
// planned ones before it.
func taskArgs(c Command, planned int) (a *args, inv string, entries int, end []invoker.OutputKind) {
	a = c.args("inv", "outcome", "entries")
	inv = a.str("inv", true)
	name := a.str("outcome", true)
	end, ok := outcomes[name]
	if !ok && a.err == nil {
		a.fail("outcome=%s: want ok, fail, fail-transient, suspend, hang or panic", name)
	}
	def := 0
	if name == "ok" {
		def = 1
	}
	entries = a.int("entries", def, false)
	if a.err == nil && entries > MaxPlannedOutputs-planned-len(end) {
		a.fail("entries=%d: with the attempt's end and the %d outputs planned before, over the %d task outputs a script may plan",
			entries, planned, MaxPlannedOutputs)
	}
	return a, inv, entries, end
}

// CheckScript finds, before a script runs, what would stop it on a later
// line after the earlier ones ran and printed: an unknown verb, arguments
// that are not key=value or give a key twice, a task's arguments, and task
// outputs past MaxPlannedOutputs. What depends on the run (a deliver of an
// arm that is not ready) is found as it runs.
func CheckScript(cmds []Command) error {
	planned := 0
	for _, c := range cmds {
		if _, ok := verbs[c.Verb]; !ok {
			return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("unknown verb %q (want %s)", c.Verb, verbList())}
		}
		if err := c.checkArgs(); err != nil {
			return err
		}
		if c.Verb != "task" {
			continue
		}
		a, _, entries, end := taskArgs(c, planned)
		if a.err != nil {
			return a.err
		}
		planned += entries + len(end)
	}
	return nil
}

// storeFault makes the next n spill writes (or reads) fail.
// Example: store-fault op=write n=1
func (r *ScriptRunner) storeFault(c Command) error {
	a := c.args("op", "n")
	op := a.str("op", true)
	n := a.int("n", 1, false)
	if a.err == nil && n < 1 {
		a.fail("n=%d: want 1 or more", n)
	}
	if a.err != nil {
		return a.err
	}
	switch op {
	case "write":
		r.storeFaults.Writes += n
	case "read":
		r.storeFaults.Reads += n
	default:
		return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("op=%s: want write or read", op)}
	}
	fmt.Fprintf(&r.out, "armed: the next %d spill %ss fail\n", n, op)
	return nil
}

// deliver forces the next n steps of an invoker to take one arm.
// Example: deliver arm=dequeue p=0 n=2
func (r *ScriptRunner) deliver(c Command) error {
	a := c.args("arm", "p", "invoker", "n")
	name := a.str("arm", true)
	n := a.int("n", 1, false)
	i, named := r.invokerFor(a)
	if a.err != nil {
		return a.err
	}
	arm, ok := invoker.ParseArm(name)
	if !ok {
		return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("arm=%s: want input, dequeue, memory, task, timer, join or shutdown", name)}
	}
	for k := range n {
		if !named {
			var ready []int
			for j := range r.sim.node.Invokers() {
				if r.sim.node.ReadyArms(j).Has(arm) {
					ready = append(ready, j)
				}
			}
			switch len(ready) {
			case 1:
				i = ready[0]
			case 0:
				return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("step %d of %d: no invoker has the %s arm ready", k+1, n, arm)}
			default:
				return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("%s is ready on several invokers: say p= or invoker=", arm)}
			}
		}
		if ready := r.sim.node.ReadyArms(i); !ready.Has(arm) {
			return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("step %d of %d: invoker%d's %s arm is not ready (ready: %s)", k+1, n, i, arm, ready)}
		}
		if err := r.step(i, arm); err != nil {
			return err
		}
	}
	return nil
}

// advance moves virtual time on; timers that are due fire (their arm
// becomes ready).
// Example: advance 5s
func (r *ScriptRunner) advance(c Command) error {
	w := c.words()
	if len(w) != 1 || len(c.Args) != 1 {
		return &ScriptError{Line: c.Line, Msg: "advance needs one duration, like: advance 50ms"}
	}
	d, err := parseDuration(w[0], -1)
	if err != nil {
		return &ScriptError{Line: c.Line, Msg: err.Error()}
	}
	to, err := laterBy(r.sim.now, d)
	if err != nil {
		return &ScriptError{Line: c.Line, Msg: err.Error()}
	}
	r.sim.advance(to)
	r.sim.deliverDue()
	fmt.Fprintf(&r.out, "time: %v\n", r.sim.now)
	return nil
}

// settleVerb runs with the default schedule until nothing is ready.
// Example: settle
func (r *ScriptRunner) settleVerb(c Command) error {
	if a := c.args(); a.err != nil {
		return a.err
	}
	return r.settle()
}

// request forwards a user request (pause, retry-now) through the partition.
// Example: pause p=0 inv=a
func (r *ScriptRunner) request(c Command) error {
	a := c.args("p", "inv")
	p, inv := r.partition(a), a.str("inv", true)
	if a.err != nil {
		return a.err
	}
	kind := invoker.MsgPause
	if c.Verb == "retry-now" {
		kind = invoker.MsgRetryNow
	}
	if !r.sim.node.Request(kind, p, invoker.InvocationID(inv), 0) {
		return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("%s: p%d is not leader or %s is not invoked", c.Verb, p, inv)}
	}
	r.sim.pump()
	r.sim.deliverDue()
	return nil
}

// resume resumes a paused invocation: its partition processor invokes it
// again. Example: resume p=0 inv=a
func (r *ScriptRunner) resume(c Command) error {
	a := c.args("p", "inv")
	p, inv := r.partition(a), a.str("inv", true)
	if a.err != nil {
		return a.err
	}
	if !r.sim.node.Resume(p, invoker.InvocationID(inv)) {
		return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("resume: %s of p%d is not paused", inv, p)}
	}
	r.sim.pump()
	r.sim.deliverDue()
	return nil
}

// fault arms a rule for the next n matching messages.
// Example: fault action=delay kind=abort-all d=5s
func (r *ScriptRunner) fault(c Command) error {
	a := c.args("action", "kind", "p", "epoch", "inv", "n", "d", "k")
	rule := faultRule(a)
	if _, ok := a.lookup("p"); ok {
		p := r.partition(a)
		rule.Partition = &p
	}
	if a.err != nil {
		return a.err
	}
	r.sim.inj.arm(rule)
	fmt.Fprintf(&r.out, "armed: %s\n", rule)
	return nil
}

// faultRule reads a rule from the arguments of the `fault` verb, which a
// schedule also uses for a fault armed by a control. The caller reads p=.
func faultRule(a *args) Rule {
	act, ok := parseAction(a.str("action", true))
	if !ok && a.err == nil {
		a.fail("action= must be delay, drop, reorder or duplicate")
	}
	var kinds []invoker.MsgKind
	for _, k := range strings.Split(a.str("kind", true), ",") {
		mk, ok := invoker.ParseMsgKind(k)
		if !ok && a.err == nil {
			a.fail("kind=%s: want one of %s", k, kindList())
		}
		kinds = append(kinds, mk)
	}
	rule := Rule{Kinds: kinds, Action: act, Probability: 1, Limit: a.int("n", 1, false),
		Invocation: invoker.InvocationID(a.str("inv", false))}
	if _, ok := a.lookup("epoch"); ok {
		e := invoker.Epoch(a.int("epoch", 0, false))
		rule.Epoch = &e
	}
	rule.DelayMin = a.duration("d", 0)
	rule.DelayMax = rule.DelayMin
	switch act {
	case Delay:
		if rule.DelayMin == 0 && a.err == nil {
			a.fail("a delay needs d=, like d=5ms")
		}
	case Reorder:
		rule.OvertakesMin = a.int("k", 1, false)
		rule.OvertakesMax = rule.OvertakesMin
	}
	if _, ok := a.lookup("d"); ok && act != Delay && act != Duplicate {
		a.fail("d= only applies to delay and duplicate")
	}
	if _, ok := a.lookup("k"); ok && act != Reorder {
		a.fail("k= only applies to reorder")
	}
	return rule
}

// checkVerb runs the end-of-run checks now: bounds, lost invocations and
// leftover spill files.
// Example: check
func (r *ScriptRunner) checkVerb(c Command) error {
	if a := c.args(); a.err != nil {
		return a.err
	}
	r.sim.check.tick(r.sim.now, true)
	r.sim.check.finish(r.sim.node)
	r.sim.pump()
	return nil
}
