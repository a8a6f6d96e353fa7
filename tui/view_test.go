package tui

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// The screens at fixed sizes, in plain text: a paused start, a run under
// way, the violation panel, the help, a filter, and each pane.
func TestScreens(t *testing.T) {
	type shot struct {
		name          string
		width, height int
		steps         int
		keys          string
	}
	for _, s := range []shot{
		{"start-80x24", 80, 24, 0, ""},
		{"running-80x24", 80, 24, 600, ""},
		{"running-120x40", 120, 40, 600, ""},
		{"help-80x24", 80, 24, 0, "?"},
		{"filter-100x30", 100, 30, 600, "/p3<enter>"},
		{"invocations-100x30", 100, 30, 600, "<tab><down><down>"},
		{"faults-100x30", 100, 30, 600, "<tab><tab>"},
		{"fault-prompt-80x24", 80, 24, 10, "f<right>"},
		{"tiny-30x10", 30, 10, 0, ""},
	} {
		t.Run(s.name, func(t *testing.T) {
			m := newTestModel(t, testConfig(t), s.width, s.height)
			m = stepTo(t, m, s.steps)
			m = keys(t, m, s.keys)
			golden(t, s.name, m.View())
		})
	}
}

// runToViolation resumes the run unpaced: it pauses itself at the panic.
func runToViolation(t *testing.T, m Model) Model {
	t.Helper()
	m.sess.runner.SetSpeed(0)
	m = keys(t, m, " ")
	m = tickUntil(t, m, func(m Model) bool { return m.panel && m.view.Paused })
	return settle(t, m)
}

// The violation panel of the README's run (faults.DefaultSeed) names the
// panic and what led to it: the invoker's dequeue of the invoke the panic
// names, after the abort-all of its partition, right before the panic.
func TestViolationPanel(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := runToViolation(t, newTestModel(t, testConfig(t), size[0], size[1]))
			screen := m.View()
			p := m.view.Violations[0].Event
			dequeue := fmt.Sprintf("#%d  invoker%d: dequeued p%d/e%d %s", p.Seq-1, p.Invoker, p.Partition, p.Epoch, p.Inv)
			for _, want := range []string{"VIOLATION no-panic", "run paused", dequeue, fmt.Sprintf("#%d  invoker%d: PANIC", p.Seq, p.Invoker),
				"events leading to no-panic", "lab replay ", fmt.Sprintf("lab run --seed %d --variant buggy", faults.DefaultSeed)} {
				if !strings.Contains(screen, want) {
					t.Errorf("the panel does not show %q", want)
				}
			}
			golden(t, fmt.Sprintf("violation-%dx%d", size[0], size[1]), screen)
			// esc goes back to the timeline, which ends with the panic.
			m = keys(t, m, "<esc>")
			if m.panel || !strings.Contains(m.View(), "[timeline]") {
				t.Fatalf("esc did not close the panel:\n%s", m.View())
			}
		})
	}
}

// The panel says which event broke an invariant; for a violation found
// between events (a bound that ran out), when it was found and the event
// before, which did not break it.
func TestBrokenBySaysWhenFound(t *testing.T) {
	last := invoker.Event{Seq: 2194, At: 292895370661, Kind: invoker.KindSent, Invoker: 0, Msg: invoker.MsgTimer,
		Inv: "i042", Due: 302895370661}
	caused := faults.Violation{Invariant: faults.NoPanic, Event: last, At: last.At}
	if got := brokenBy(caused); !strings.HasPrefix(got, "  broken by [4m52.895370661s] #2194 ") {
		t.Errorf("caused: %q", got)
	}
	found := faults.Violation{Invariant: faults.Progress, Event: last, At: 302895370661, Between: true}
	if got := brokenBy(found); !strings.HasPrefix(got, "  found at [5m2.895370661s], after [4m52.895370661s] #2194 ") {
		t.Errorf("found between events: %q", got)
	}
}

// The header names what a run changes from the defaults: what a panic
// takes down, unkeyed retry timers, spill directories removed, a throttle,
// a memory pool (and how much of it is in use), task panics, pauses,
// retry-nows and the effect channel's capacity; a default run's says none
// of them.
func TestHeaderNamesWhatDiffersFromTheDefaults(t *testing.T) {
	cfg := testConfig(t)
	m := newTestModel(t, cfg, 160, 40)
	for _, s := range []string{"tmp-dir", "throttle", "memory", "on-panic", "retry-timers", "spill-dirs", "task panics", "pauses", "retry-nows", "effect channel"} {
		if h := strings.Join(m.header(), "\n"); strings.Contains(h, s) {
			t.Errorf("a default run's header says %q: %q", s, h)
		}
	}
	cfg.Options.Node.OnPanic, cfg.Options.Workload.Tasks.Panic = invoker.PanicUnwinds, 0.05
	cfg.Options.Node.RetryTimers, cfg.Options.Workload.Pauses = invoker.RetryTimersUnkeyed, 8
	cfg.Options.Workload.RetryNows, cfg.Options.Node.EffectCapacity = 3, 2
	cfg.Options.Node.SpillDirs = invoker.SpillDirsRemoved
	cfg.Options.Node.SharedTmpDir, cfg.Options.Node.InTmpDir = true, invoker.InTmpDirSubdir
	cfg.Options.Node.Throttle = invoker.Throttle{Rate: 100, Per: time.Second, Burst: 8}
	cfg.Options.Node.MemoryLimit = 6
	m = newTestModel(t, cfg, 300, 40)
	if h := m.header()[0]; !strings.Contains(h, "per-partition, shared tmp-dir, in-tmp-dir subdir, on-panic unwind, retry-timers unkeyed, spill-dirs removed, throttle 100/s burst 8, memory-limit 6, task panics 0.05, 8 pauses, 3 retry-nows, effect channel 2") {
		t.Errorf("header: %q", h)
	}
	if h := m.header()[1]; !strings.Contains(h, " · memory 0/6") {
		t.Errorf("the pool's use: %q", h)
	}
}

// The session is saved when the invariant breaks, while the run goes on:
// the file replays up to the violation and stops there.
func TestSessionSavedAtTheViolation(t *testing.T) {
	m := runToViolation(t, newTestModel(t, testConfig(t), 120, 40))
	if m.violationFile == "" || !strings.Contains(m.View(), "lab replay "+faults.ShellQuote(m.violationFile)) {
		t.Fatalf("no saved file on the panel:\n%s", m.View())
	}
	data, err := os.ReadFile(m.violationFile)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := faults.ParseSchedule(m.violationFile, data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := faults.Run(context.Background(), faults.ReplayOptions(sch))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Violated(faults.NoPanic) || res.Events != m.view.Events {
		t.Fatalf("the saved session replays to %d events with %v; the UI was paused at %d events",
			res.Events, res.Violations, m.view.Events)
	}
}

// Every screen fills the terminal exactly, whatever its size, and carries
// no escape sequence in the plain profile (NO_COLOR).
func TestScreenFitsEverySize(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = stepTo(t, m, 400)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {40, 12}, {20, 5}, {81, 25}} {
		for _, k := range []string{"", "?", "<tab>", "<tab>", "<esc>", "f"} {
			m = keys(t, m, k)
			m = update(t, m, resize(size[0], size[1]))
			screen := m.View()
			lines := strings.Split(screen, "\n")
			if len(lines) != size[1] {
				t.Fatalf("%dx%d after %q: %d lines", size[0], size[1], k, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != size[0] {
					t.Fatalf("%dx%d after %q: line %d is %d wide: %q", size[0], size[1], k, i, w, l)
				}
			}
			if strings.Contains(screen, "\x1b[") {
				t.Fatalf("an escape sequence in the plain profile: %q", screen)
			}
		}
		m = keys(t, m, "<esc><esc>")
	}
}

// chartOf charts the schedule at path coarsely, as lab inevitable does.
func chartOf(ctx context.Context, path string) (Chart, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Chart{}, err
	}
	sch, err := faults.ParseSchedule(path, data)
	if err != nil {
		return Chart{}, err
	}
	c, err := explore.Inevitable(ctx, sch, explore.CurveConfig{Stride: 100, Suffixes: 5, Workers: 1})
	if err != nil {
		return Chart{}, err
	}
	chart := Chart{Lines: c.Summary()}
	if c.Jump != nil {
		chart.JumpAt = c.Jump.AtStep
	}
	return chart, nil
}

// i charts when the first violation became inevitable, from the schedule
// saved at it, and the violation panel shows the chart.
func TestChartWhenTheViolationBecameInevitable(t *testing.T) {
	cfg := testConfig(t)
	cfg.Inevitable = chartOf
	m := newTestModel(t, cfg, 120, 40)
	if m = keys(t, m, "i"); !strings.Contains(m.status, "nothing to chart") || m.stopChart != nil {
		t.Fatalf("i before any violation: %q", m.status)
	}
	m = runToViolation(t, m)
	if !strings.Contains(m.View(), "the run paused · i: when it became inevitable") {
		t.Fatalf("the status line does not offer the chart:\n%s", m.View())
	}
	m = keys(t, m, "i")
	screen := m.View()
	for _, want := range []string{"when it became inevitable:", "P(0) ", "certain "} {
		if !strings.Contains(screen, want) {
			t.Errorf("the panel does not show %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "i: when it became inevitable") || m.stopChart != nil {
		t.Errorf("the status line still offers the chart the panel shows:\n%s", screen)
	}
}

// On a node left running, an invocation that stopped moving forward shows
// as stalled once that lasts longer than any retry backoff, with the time
// it has been, until the progress verdict at the bound. Seed 132 of
// `none`: i030, re-invoked by a new leader, is killed while queued and
// loops on NotInvoked from its dequeue at 145ms on.
func TestStalledInvocationShows(t *testing.T) {
	cfg := testConfig(t)
	cfg.Options.Seed, cfg.Options.Node.Variant = 132, invoker.Fixed
	cfg.Options.Plan, _ = faults.LoadPlan("none")
	cfg.Options.Workload.Kills, cfg.Options.Workload.Shutdown = 6, false
	at := stepAt(t, cfg.Options, 2*time.Minute)
	m := newTestModel(t, cfg, 100, 30)
	if strings.Contains(m.View(), "stalled:") {
		t.Fatalf("stalled at the start:\n%s", m.View())
	}
	m = stepTo(t, m, at)
	if !regexp.MustCompile(`stalled: i030 for 2m[\d.]+s of 5m0s\s`).MatchString(m.View()) {
		t.Errorf("at %v no stall shown, or shown as queued:\n%s", m.view.At, m.View())
	}
	// g s goes to its last step forward: i030's dequeue, event #859,
	// where nothing is stalled yet.
	m = keys(t, m, "gs<enter>")
	defer func() { m.sess.stop() }()
	m = settle(t, tickUntil(t, m, func(m Model) bool { return m.cfg.Replay != nil && m.view.Events >= 859 && m.view.At < time.Second }))
	if !strings.Contains(m.View(), "#859   invoker3: dequeued p3/e2 i030") || strings.Contains(m.View(), "stalled:") {
		t.Errorf("g s did not go to i030's dequeue:\n%s", m.View())
	}
}

// An invocation that waits in a queue that moves is on its way to a
// backlog verdict, not a stall, and the line says so: one slot and 300
// invocations, twelve simulated seconds in, the queue still draining.
func TestQueuedStallShows(t *testing.T) {
	cfg := testConfig(t)
	cfg.Options.Node.Variant, cfg.Options.Node.Partitions, cfg.Options.Node.Quota = invoker.Graceful, 1, 1
	cfg.Options.Plan, _ = faults.LoadPlan("none")
	cfg.Options.Workload.Invocations = 300
	m := stepTo(t, newTestModel(t, cfg, 100, 30), stepAt(t, cfg.Options, 12*time.Second))
	if !regexp.MustCompile(`stalled: i\d+ for 1\d[\d.]*s of 5m0s, in a moving queue`).MatchString(m.View()) {
		t.Errorf("at %v no queued stall shown:\n%s", m.view.At, m.View())
	}
}

// stepAt is the step at which a run of opts reaches virtual time d.
func stepAt(t *testing.T, opts faults.Options, d time.Duration) int {
	t.Helper()
	sim, err := faults.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	at := 0
	for ; sim.Now() < d; at++ {
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	return at
}

// A terminal under 40x12 says what it needs in the room it has: at 20x5
// it said "lab: the terminal i…" and no more.
func TestTooSmallSaysWhatItNeeds(t *testing.T) {
	m := newTestModel(t, testConfig(t), 20, 5)
	screen := m.View()
	if lines := strings.Split(screen, "\n"); len(lines) != 5 || !strings.Contains(screen, "20x5") ||
		!strings.Contains(screen, "40x12 at least") {
		t.Errorf("at 20x5:\n%s", screen)
	}
	for _, size := range [][2]int{{1, 1}, {5, 2}} {
		m.width, m.height = size[0], size[1]
		if lines := strings.Split(m.View(), "\n"); len(lines) != size[1] || len([]rune(lines[0])) != size[0] {
			t.Errorf("at %dx%d: %q", size[0], size[1], m.View())
		}
	}
}

// A message marks the lane of the invoker it travels to, as the model's
// own description routes it (…->invoker1): the segment-loaded of a
// background read had no mark in the invoker's lane.
func TestMessagesToAnInvokerMarkItsLane(t *testing.T) {
	for _, k := range invoker.MsgKinds() {
		e := invoker.Event{Kind: invoker.KindSent, Msg: k, Invoker: 1, Partition: 2, Inv: "i001"}
		_, lane := laneOf(&e)
		if to := strings.Contains(e.String(), "->invoker1"); to != (lane == 1) {
			t.Errorf("%s (%s): invoker lane %d", k, e.String(), lane)
		}
	}
}

// The legend drops keys from before ? and q, never those two, so that a
// narrow screen still says how to get help and how to quit.
func TestLegendKeepsHelpAndQuit(t *testing.T) {
	m := newTestModel(t, testConfig(t), 100, 30)
	for _, width := range []int{60, 80, 100, 120, 200} {
		m = update(t, m, resize(width, 30))
		legend := m.legend()
		if ansi.StringWidth(legend) > width || !strings.Contains(legend, "? help") || !strings.Contains(legend, "q quit and save") ||
			!strings.HasPrefix(legend, "space pause/resume") {
			t.Errorf("at %d columns: %q", width, legend)
		}
	}
	if legend := m.legend(); !strings.Contains(legend, "/ filter timeline") {
		t.Errorf("200 columns leave out a key: %q", legend)
	}
}
