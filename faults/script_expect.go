package faults

import (
	"fmt"
	"strings"

	"lab/invoker"
)

// expect checks the run so far. A check that does not hold is printed and
// recorded; `lab script` then exits 1.
// Example: expect status inv=a is=completed
func (r *ScriptRunner) expect(c Command) error {
	a := c.args("violation", "inv", "is", "p", "len", "disk", "used")
	words := c.words()
	what := ""
	if len(words) == 1 {
		what = words[0]
	} else if _, ok := a.lookup("violation"); ok && len(words) == 0 {
		what = "violation"
	}
	var problem string
	n := r.sim.node
	switch what {
	case "ok":
		if vs := r.sim.res.Violations; len(vs) > 0 {
			problem = fmt.Sprintf("%d violations, the first: %s", len(vs), vs[0])
		}
	case "panic":
		if !r.sim.res.Violated(NoPanic) {
			problem = "no invoker panicked"
		}
	case "violation":
		inv := a.str("violation", true)
		if !knownInvariant(inv) && a.err == nil {
			a.fail("violation=%s: want one of %s", inv, strings.Join(Invariants, ", "))
		}
		if a.err == nil && !r.sim.res.Violated(inv) {
			problem = inv + " held"
		}
	case "status":
		inv := invoker.InvocationID(a.str("inv", true))
		want, ok := invoker.ParseStatus(a.str("is", true))
		if !ok && a.err == nil {
			a.fail("is=%s: want invoked, suspended, completed, failed, killed or paused", a.str("is", true))
		}
		got := invoker.StatusNone
		for p := range n.Partitions() {
			if s, ok := n.Status(invoker.PartitionID(p), inv); ok {
				got = s
			}
		}
		if a.err == nil && got != want {
			problem = fmt.Sprintf("%s is %s", inv, got)
		}
	case "queue":
		i := n.InvokerFor(r.partition(a))
		want, disk := a.int("len", 0, true), a.int("disk", -1, false)
		if a.err == nil {
			is := n.Snapshot().Invokers[i]
			if is.QueueLen != want || (disk >= 0 && is.QueueOnDisk != disk) {
				problem = fmt.Sprintf("invoker%d's queue holds %d (%d on disk)", i, is.QueueLen, is.QueueOnDisk)
			}
		}
	case "slots":
		i := n.InvokerFor(r.partition(a))
		want := a.int("used", 0, true)
		if a.err == nil {
			if is := n.Snapshot().Invokers[i]; is.SlotsUsed != want {
				problem = fmt.Sprintf("invoker%d has %d/%d slots in use", i, is.SlotsUsed, is.SlotLimit)
			}
		}
	case "permits":
		want := a.int("used", 0, true)
		if inUse, limit := n.Permits(); a.err == nil && inUse != want {
			problem = fmt.Sprintf("%d/%d vqueue permits in use", inUse, limit)
		}
	case "invoker":
		i := n.InvokerFor(r.partition(a))
		name := a.str("is", true)
		want, ok := invoker.ParseInvokerState(name)
		if a.err == nil && !ok {
			return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("expect invoker: is=%q is not an invoker state (running, exited, joined, closed, dead)", name)}
		}
		if a.err == nil {
			if got := n.InvokerState(i); got != want {
				problem = fmt.Sprintf("invoker%d is %s", i, got)
			}
		}
	default:
		return &ScriptError{Line: c.Line, Msg: "expect what? " + verbs["expect"].example}
	}
	if a.err != nil {
		return a.err
	}
	if problem != "" {
		f := ExpectFailure{Line: c.Line, Expect: c.String(), Problem: problem}
		r.failures = append(r.failures, f)
		r.out.WriteString(f.String() + "\n")
	}
	return nil
}

// ExpectFailure is an expect that did not hold.
type ExpectFailure struct {
	Line    int
	Expect  string
	Problem string
}

func (f ExpectFailure) String() string {
	return fmt.Sprintf("line %d: %s: FAILED: %s", f.Line, f.Expect, f.Problem)
}

func knownInvariant(name string) bool {
	for _, inv := range Invariants {
		if inv == name {
			return true
		}
	}
	return false
}

// state prints the node: partitions, invokers and invocations.
// Example: state
func (r *ScriptRunner) state(c Command) error {
	if a := c.args(); a.err != nil {
		return a.err
	}
	WriteSnapshot(&r.out, r.sim.node.Snapshot())
	return nil
}

// WriteSnapshot prints a snapshot in a few lines per component.
func WriteSnapshot(b *strings.Builder, s invoker.Snapshot) {
	for _, p := range s.Partitions {
		role := "follower"
		if p.Leader {
			role = "leader"
		}
		reg := "not registered"
		if p.Registered {
			reg = "registered"
		}
		fmt.Fprintf(b, "p%d: %s at epoch %d, %s with invoker%d;%s\n", p.ID, role, p.Epoch, reg, p.Invoker, statusCounts(p.ByStatus[:]))
	}
	for _, iv := range s.Invokers {
		fmt.Fprintf(b, "invoker%d: %s", iv.ID, iv.State)
		if iv.Cancelled {
			b.WriteString(" (cancelled)")
		}
		fmt.Fprintf(b, "; queue %d (%d on disk in %d segments); slots %d/%d; in-flight %d, waiting-retry %d; ready %s\n",
			iv.QueueLen, iv.QueueOnDisk, iv.SegmentsOnDisk, iv.SlotsUsed, iv.SlotLimit, iv.InFlight, iv.WaitingRetry, iv.Ready)
	}
	for _, inv := range s.Invocations {
		fmt.Fprintf(b, "%s: %s", inv.ID, inv.Status)
		if inv.State != invoker.ISMNone {
			fmt.Fprintf(b, ", %s on %s attempt %d", inv.State, inv.PLE, inv.Attempt)
		}
		b.WriteByte('\n')
	}
}

func statusCounts(by []int) string {
	var parts []string
	for s, n := range by {
		if n > 0 {
			parts = append(parts, fmt.Sprintf(" %s %d", invoker.Status(s), n))
		}
	}
	if len(parts) == 0 {
		return " no invocations"
	}
	return strings.Join(parts, ",")
}
