package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// withCompare gives cfg the comparison lab tui gives it from a seed: the
// seed under the session's variant and under its fix, as explore.Compare
// finds them. A steered session's schedule (lab tui compares it as lab
// compare FILE does, tested there) is only named back.
func withCompare(cfg *Config) *Config {
	cfg.Compare = func(ctx context.Context, seed uint64, v invoker.Variant, first faults.Violation, schedule string) ([]string, error) {
		if schedule != "" {
			return []string{"compared the schedule " + schedule}, nil
		}
		node := cfg.Options.Node
		node.Variant = v
		fix, ok := explore.FixFor(node, first.Invariant, first.Check)
		if !ok {
			return nil, fmt.Errorf("%s has no fix to compare with", v)
		}
		a, b := cfg.Options, cfg.Options
		a.Seed, b.Seed = seed, seed
		a.Node.Variant, b.Node.Variant = v, v
		fix.Apply(&b)
		a.Node.Store, b.Node.Store = invoker.MemStores(), invoker.MemStores()
		c, err := explore.Compare(ctx, a, b)
		if err != nil {
			return nil, err
		}
		return c.Summary(), nil
	}
	return cfg
}

// From the violation panel, c shows where the session's seed parts from the
// fix: the README's seed's buggy run (faults.DefaultSeed) panics at the
// node's shutdown on dequeuing an invoke of a partition its invoker has
// aborted, where the fixed one drops the stale invoke. The runs are alike
// up to the panic's event, and the strings are read from it.
func TestCompareWithTheFix(t *testing.T) {
	m := runToViolation(t, newTestModel(t, withCompare(testConfig(t)), 120, 40))
	p := m.view.Violations[0].Event
	if p.Kind != invoker.KindPanic || p.Inv == "" {
		t.Fatalf("the violation is not a panic about an invoke: %s", p.String())
	}
	m = keys(t, m, "c")
	screen := m.View()
	at := fmt.Sprintf("%s #%d  invoker%d: ", faults.FormatTime(p.At), p.Seq, p.Invoker)
	for _, want := range []string{"against the fix, from the seed:", fmt.Sprintf("buggy and fixed alike for %d events, then:", p.Seq-1),
		"buggy     " + at + "PANIC", fmt.Sprintf("fixed     %sstale invoke p%d/e%d %s", at, p.Partition, p.Epoch, p.Inv),
		"buggy: VIOLATED no-panic", "fixed: every invariant held"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the panel does not show %q:\n%s", want, screen)
		}
	}
	if m.stopCompare != nil {
		t.Error("the comparison's context was not released")
	}
}

// c says why it cannot compare outside the violation panel or without
// Config.Compare; once a control has been sent (a fault armed after the
// panic), the session is no longer its seed's run, and c compares the
// schedule saved at the violation instead.
func TestCompareRefusalsAndSteeredSessions(t *testing.T) {
	m := newTestModel(t, withCompare(testConfig(t)), 100, 30)
	if m = keys(t, m, "c"); !strings.Contains(m.status, "from the violation panel") {
		t.Errorf("c outside the panel: %q", m.status)
	}
	m = runToViolation(t, m)
	m = keys(t, m, "f<enter><enter>")
	if m.sess.steered.controls != 1 {
		t.Fatalf("the fault was not sent: %q", m.status)
	}
	m = tickUntil(t, m, func(m Model) bool { return m.violationFile != "" })
	if m = keys(t, m, "c"); len(m.compared) != 1 || m.compared[0] != "compared the schedule "+m.violationFile {
		t.Errorf("c after a control compared %q (status %q), want the schedule %s", m.compared, m.status, m.violationFile)
	}
	// And says so: it said "from the seed", which it was not.
	if screen := m.View(); !strings.Contains(screen, "against the fix, from the schedule saved at the violation:") ||
		strings.Contains(screen, "from the seed") {
		t.Errorf("the panel of a steered comparison:\n%s", screen)
	}
	n := runToViolation(t, newTestModel(t, testConfig(t), 100, 30))
	if n = keys(t, n, "c"); !strings.Contains(n.status, "not available") {
		t.Errorf("c without Config.Compare: %q", n.status)
	}
}

// A control sent once the run is over was refused with "stopped before
// the end of the run", as if the run had been cut short.
func TestControlAfterTheEnd(t *testing.T) {
	cfg := testConfig(t)
	cfg.Options.Node.Variant = invoker.Fixed // holds: no pause on the way
	m := newTestModel(t, cfg, 100, 30)
	m.sess.runner.SetSpeed(0)
	m = tickUntil(t, keys(t, m, " "), func(m Model) bool { return m.view.Done })
	if m = keys(t, m, "x"); m.status != "shutdown refused: the run is over" {
		t.Errorf("x after the end: %q", m.status)
	}
}
