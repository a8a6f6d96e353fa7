package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
)

// replayConfig plays the README's run (faults.DefaultSeed, buggy,
// shutdown-race) from its recorded schedule, readme.schedule, started
// paused.
func replayConfig(t testing.TB, edit ...func(*faults.Options)) *Config {
	t.Helper()
	cfg := testConfig(t)
	for _, e := range edit {
		e(&cfg.Options)
	}
	var rec bytes.Buffer
	o := cfg.Options
	o.Record = &rec
	if _, err := faults.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("readme.schedule", rec.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sch, err := faults.ParseSchedule("readme.schedule", rec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Options = faults.ReplayOptions(sch)
	if cfg.Replay, err = ScanReplay(context.Background(), "readme.schedule", cfg.Options); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The scan knows the replay's length, its violation and the step of
// every event, as a run of the same seed shows them.
func TestScanReplay(t *testing.T) {
	cfg := replayConfig(t)
	r := cfg.Replay
	sim, err := faults.New(cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	events, violation := uint64(0), 0
	for !sim.Done() {
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
		s := sim.Summary()
		for e := events + 1; e <= s.Events; e++ {
			if r.eventAt[e-1] != s.Steps {
				t.Fatalf("event #%d: scanned at step %d, logged at %d", e, r.eventAt[e-1], s.Steps)
			}
		}
		events = s.Events
		if violation == 0 && len(s.Violations) > 0 {
			violation = s.Steps
		}
	}
	if r.Steps != sim.Summary().Steps || r.Violation != violation || violation == 0 || len(r.eventAt) != int(events) {
		t.Errorf("scanned %d steps, violation at %d, %d events; the run: %d, %d, %d",
			r.Steps, r.Violation, len(r.eventAt), sim.Summary().Steps, violation, events)
	}
	for in, want := range map[string]int{"0": 0, "17": 17, "v": violation, "end": r.Steps, "#1": r.eventAt[0], " #5 ": r.eventAt[4]} {
		if got, err := r.target(in, 0, faults.Stall{}); err != nil || got != want {
			t.Errorf("target(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if got, err := r.target("s", 0, faults.Stall{Inv: "i001", Seq: 5}); err != nil || got != r.eventAt[4] {
		t.Errorf("target(s) with a stall since #5 = %d, %v; want %d", got, err, r.eventAt[4])
	}
	for _, in := range []string{"", "-1", "x", "#0", "#99999999", "99999999", "1e3", "s"} {
		if _, err := r.target(in, 0, faults.Stall{}); err == nil {
			t.Errorf("target(%q): no error", in)
		}
	}
}

// A replay goes back and forth: one step back, a hundred either way,
// to a step, an event or the violation; each stop shows what stepping
// there from the start shows, paused. Controls are off.
func TestReplayMovesBothWays(t *testing.T) {
	cfg := replayConfig(t)
	m := newTestModel(t, cfg, 100, 30)
	defer func() { m.sess.stop() }() // the session the last move started
	at := func(m Model, n int) Model {
		t.Helper()
		m = settle(t, tickUntil(t, m, func(m Model) bool { return m.view.Steps == n && m.view.Paused }))
		if !strings.Contains(m.View(), "replaying readme.schedule") || !strings.Contains(m.View(), "of "+strconv.Itoa(cfg.Replay.Steps)) {
			t.Fatalf("at %d, the header does not say it replays:\n%s", n, m.View())
		}
		return m
	}
	if view := at(m, 0).View(); !strings.Contains(view, "SHUTDOWN  not started") || strings.Contains(view, "x starts it") {
		t.Errorf("before the shutdown, a replay offers to start it:\n%s", view)
	}
	m = stepTo(t, m, 250)
	events := m.view.Events
	m = at(keys(t, m, "]"), 350)
	m = at(keys(t, m, ","), 349)
	m = at(keys(t, m, "[[[[["), 0)
	// Keys pressed before the replay has shown where it went move on from
	// there: three at once are 300 steps.
	m = at(update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("]]]")}), 300)
	m = at(keys(t, m, "g250<enter>"), 250)
	if m.view.Events != events || m.st.seen != events {
		t.Errorf("back at 250 by go-to: %d events (the UI saw %d), stepping there logged %d", m.view.Events, m.st.seen, events)
	}
	// Single steps the view does not show yet count too: a move right
	// after them went from where the view was.
	m = at(update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(".....]")}), 355)
	m = at(update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("..,")}), 356)
	m = at(keys(t, m, "g250<enter>"), 250)
	m = at(keys(t, m, "g#100<enter>"), cfg.Replay.eventAt[99])
	m = at(keys(t, m, "gv<enter>"), cfg.Replay.Violation)
	if !m.panel || len(m.view.Violations) == 0 || m.violationFile != "readme.schedule" {
		t.Errorf("at the violation: panel %v, violations %v, chart file %q", m.panel, m.view.Violations, m.violationFile)
	}
	golden(t, "replay-violation-100x30", m.View())
	m = keys(t, m, "?")
	golden(t, "replay-help-100x30", m.View())
	m = keys(t, m, "?")
	m = at(keys(t, m, "gend<enter>"), cfg.Replay.Steps)
	m = keys(t, m, "g#0<enter>")
	if !strings.Contains(m.status, "the replay logs events #1 to") {
		t.Errorf("a bad go-to: status %q", m.status)
	}
	m = keys(t, m, "xd")
	if m.choose != nil || m.status != "step-down partition: a replay steers nothing (its controls are in the schedule)" {
		t.Errorf("a control in a replay: chooser %v, status %q", m.choose, m.status)
	}
	if m = keys(t, m, "a"); m.picking || m.status != "choose the next pick: a replay steers nothing (its controls are in the schedule)" {
		t.Errorf("a pick by hand in a replay: picking %v, status %q", m.picking, m.status)
	}
	if strings.Contains(m.help.ShortHelpView(m.keys.ShortHelp()), "shutdown") {
		t.Errorf("the legend offers controls in a replay: %s", m.help.ShortHelpView(m.keys.ShortHelp()))
	}
}

// Going back in a live run saves the session, as quitting does, and plays
// it on as a replay from where it was: one step back shows what the
// run showed there, controls sent included, and controls are off.
func TestLiveRunGoesBackAsAReplay(t *testing.T) {
	m := newTestModel(t, testConfig(t), 100, 30)
	defer func() { m.sess.stop() }() // the session going back started
	m = stepTo(t, m, 200)
	m, _ = sendControl(t, m, "x") // the shutdown, as a control: the replay has it
	m = stepTo(t, m, 319)
	events := m.view.Events
	m = stepTo(t, m, 320)
	m = keys(t, m, ",")
	if !strings.HasPrefix(m.status, "session saved to "+testSchedule+"; it plays on as a replay") {
		t.Errorf("after , in a live run: status %q", m.status)
	}
	m = settle(t, tickUntil(t, m, func(m Model) bool { return m.view.Steps == 319 && m.view.Paused }))
	if m.cfg.Replay == nil || m.view.Events != events || !strings.Contains(m.View(), "lab replaying "+testSchedule) {
		t.Fatalf("after , in a live run: replay %v, %d events (the run logged %d there), screen:\n%s", m.cfg.Replay != nil, m.view.Events, events, m.View())
	}
	data, err := os.ReadFile(testSchedule)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "control shutdown") {
		t.Errorf("the saved session has no shutdown control:\n%.2000s", data)
	}
	m = settle(t, tickUntil(t, keys(t, m, "]"), func(m Model) bool { return m.view.Steps == 419 }))
	if m = keys(t, m, "d"); !strings.Contains(m.status, "a replay steers nothing") {
		t.Errorf("a control after going back: %q", m.status)
	}
}

// Going back finishes the live session off the UI loop: keys typed
// meanwhile wait and run, in order, once it plays back; quit does not wait.
func TestGoingBackHoldsKeysUntilItPlays(t *testing.T) {
	press := func(m Model, k tea.KeyMsg) (Model, tea.Cmd) {
		next, cmd := m.Update(k)
		return next.(Model), cmd
	}
	t.Run("keys", func(t *testing.T) {
		m := newTestModel(t, testConfig(t), 100, 30)
		defer func() { m.sess.stop() }()
		m = stepTo(t, m, 200)
		m, finish := press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(",")})
		if m.goingBack == nil || finish == nil || !strings.HasPrefix(m.status, "finishing the session unpaced") {
			t.Fatalf("after , in a live run: going back %v, status %q", m.goingBack != nil, m.status)
		}
		for _, r := range "g150" {
			m, _ = press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		m, _ = press(m, tea.KeyMsg{Type: tea.KeyEnter})
		if m.cfg.Replay != nil || m.going || len(m.goingBack.keys) != 6 {
			t.Fatalf("keys ran while the session finished: replay %v, go-to open %v", m.cfg.Replay != nil, m.going)
		}
		m = update(t, m, finish())
		m = settle(t, tickUntil(t, m, func(m Model) bool { return m.view.Steps == 150 && m.view.Paused }))
		if m.cfg.Replay == nil || m.goingBack != nil {
			t.Errorf("not a replay at step 150: replay %v, still going back %v", m.cfg.Replay != nil, m.goingBack != nil)
		}
	})
	t.Run("quit", func(t *testing.T) {
		m := newTestModel(t, testConfig(t), 100, 30)
		m = stepTo(t, m, 200)
		m, finish := press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(",")})
		m, quit := press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		if !m.quitting || quit == nil {
			t.Fatalf("q while going back: quitting %v", m.quitting)
		}
		if _, ok := quit().(tea.QuitMsg); !ok {
			t.Fatal("q while going back does not quit")
		}
		finish() // what Run waits for: the session saved, its scan stopped
		if _, err := os.Stat(testSchedule); err != nil {
			t.Errorf("the session was not saved: %v", err)
		}
		if _, err := m.sess.finish(); err != nil { // as Run does next
			t.Errorf("Run's finish after the UI's: %v", err)
		}
	})
}

// A scan stops when its context is done: a long replay does not hold up
// an interrupted command.
func TestScanReplayStops(t *testing.T) {
	cfg := replayConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ScanReplay(ctx, "readme.schedule", cfg.Options); !errors.Is(err, context.Canceled) {
		t.Fatalf("scan with its context done: %v", err)
	}
}

// g j goes to the step the chart names as its jump, once charted.
func TestGoToTheChartsJump(t *testing.T) {
	cfg := replayConfig(t)
	cfg.Inevitable = func(context.Context, string) (Chart, error) {
		return Chart{Lines: []string{"P(0) 0.10 ... P(1076) 1.00"}, JumpAt: 123}, nil
	}
	m := newTestModel(t, cfg, 100, 30)
	defer func() { m.sess.stop() }()
	if m = keys(t, m, "gj<enter>"); !strings.Contains(m.status, "no jump charted") {
		t.Errorf("g j before a chart: %q", m.status)
	}
	m = settle(t, tickUntil(t, keys(t, m, "gv<enter>"), func(m Model) bool { return m.view.Steps == cfg.Replay.Violation }))
	m = keys(t, m, "i")
	if m.chart == nil || m.chart.JumpAt != 123 {
		t.Fatalf("charted: %+v (status %q)", m.chart, m.status)
	}
	m = settle(t, tickUntil(t, keys(t, m, "gj<enter>"), func(m Model) bool { return m.view.Steps == 123 }))
	if m.chart == nil {
		t.Errorf("the chart was dropped by the move")
	}
}

// In a replay, g s goes to the last step forward of the invocation stalled
// where the replay is: at the progress verdict of seed 132 of `none` (fixed,
// six kills, no shutdown), i030's dequeue, event #859. Seed 132 because
// there i030, re-invoked by a new leader, is killed while queued, and the
// dequeue then starts attempts that never invoke, so it stalls.
func TestGoToTheStallsLastStep(t *testing.T) {
	cfg := replayConfig(t, func(o *faults.Options) {
		o.Seed, o.Node.Variant = 132, invoker.Fixed
		o.Plan, _ = faults.LoadPlan("none")
		o.Workload.Kills, o.Workload.Shutdown = 6, false
	})
	m := newTestModel(t, cfg, 100, 30)
	defer func() { m.sess.stop() }()
	if m = keys(t, m, "gs<enter>"); !strings.Contains(m.status, "no invocation is stalled here") {
		t.Errorf("g s at the start: %q", m.status)
	}
	m = settle(t, tickUntil(t, keys(t, m, "gv<enter>"), func(m Model) bool { return m.view.Steps == cfg.Replay.Violation }))
	// Checked before going there: a stall from another event would leave
	// the wait below to time out.
	if m.view.Stall.Inv != "i030" || m.view.Stall.Seq != 859 {
		t.Fatalf("stalled at the verdict: %+v, want i030 since #859", m.view.Stall)
	}
	want := cfg.Replay.eventAt[858]
	m = settle(t, tickUntil(t, keys(t, m, "gs<enter>"), func(m Model) bool { return m.view.Steps == want }))
	if !strings.Contains(m.View(), "#859") {
		t.Errorf("g s did not go to i030's dequeue:\n%s", m.View())
	}
	// There i030 has just moved on: the screen names no stall, and g s
	// goes nowhere (it went to a stall under the retry backoff the screen
	// did not show).
	if strings.Contains(m.View(), "stalled:") {
		t.Fatalf("a stall shown at i030's dequeue:\n%s", m.View())
	}
	if m = keys(t, m, "gs<enter>"); !strings.Contains(m.status, "no invocation is stalled here") || m.view.Steps != want {
		t.Errorf("g s where the screen shows no stall: %q, at step %d", m.status, m.view.Steps)
	}
}

// A session too large for a replay to read (a yield loop at a long
// progress bound records hundreds of megabytes) is saved and not played
// back: going back quits as q does, and Run says why, where it would have
// named the replay.
func TestGoingBackSavesASessionTooLargeToPlay(t *testing.T) {
	defer func(limit int64) { playBackLimit = limit }(playBackLimit)
	playBackLimit = 1 << 10
	m := newTestModel(t, testConfig(t), 100, 30)
	m = stepTo(t, m, 200)
	next, finish := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(",")})
	m = next.(Model)
	if finish == nil {
		t.Fatal("going back started nothing")
	}
	msg := finish()
	next, quit := m.Update(msg)
	m = next.(Model)
	if quit == nil || m.err != nil || m.sess == nil || m.cfg.Replay != nil {
		t.Fatalf("going back to a session too large: err %v, session kept %v, replay %v", m.err, m.sess != nil, m.cfg.Replay != nil)
	}
	if _, ok := quit().(tea.QuitMsg); !ok {
		t.Fatal("going back to a session too large does not quit")
	}
	why := tooLargeToPlay(testSchedule)
	if !strings.Contains(why, "the session saved to "+testSchedule+",") || !strings.Contains(why, "is more than the 1024 bytes a replay reads") {
		t.Errorf("tooLargeToPlay = %q", why)
	}
	if _, err := m.sess.finish(); err != nil { // as Run does next
		t.Errorf("Run's finish after the UI's: %v", err)
	}
}
