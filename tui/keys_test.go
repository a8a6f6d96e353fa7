package tui

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
)

// lastControl is the latest sim.control event the UI has seen.
func lastControl(m Model) (invoker.Event, bool) {
	f, _ := parseFilter("sim.control")
	evs, _ := m.st.latest(&f, 1, 0)
	if len(evs) == 0 {
		return invoker.Event{}, false
	}
	return evs[0], true
}

// sendControl types keys that send a control, then waits until the run
// has applied and logged it.
func sendControl(t *testing.T, m Model, typed string) (Model, invoker.Event) {
	t.Helper()
	before := m.st.kinds[invoker.KindControl]
	m = keys(t, m, typed)
	m = settle(t, tickUntil(t, m, func(m Model) bool { return m.st.kinds[invoker.KindControl] > before }))
	e, _ := lastControl(m)
	return m, e
}

func TestPauseResumeAndStep(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = stepTo(t, m, 5)
	m = settle(t, tickUntil(t, keys(t, m, "."), func(m Model) bool { return m.view.Steps > 5 }))
	if m.view.Steps != 6 {
		t.Fatalf(". took %d steps, want 1", m.view.Steps-5)
	}
	// Typed faster than read, three dots arrive as one message: three steps.
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("...")})
	m = settle(t, tickUntil(t, m, func(m Model) bool { return m.view.Steps == 9 }))
	m = keys(t, m, " ")
	m = tickUntil(t, m, func(m Model) bool { return !m.view.Paused })
	if !strings.Contains(m.View(), "RUNNING") {
		t.Fatalf("resumed, the header does not say RUNNING:\n%s", m.View())
	}
	m = keys(t, m, " ")
	m = settle(t, tickUntil(t, m, func(m Model) bool { return m.view.Paused }))
	if !strings.Contains(m.View(), "PAUSED") {
		t.Fatalf("paused, the header does not say PAUSED:\n%s", m.View())
	}
	// A step while running pauses first.
	m = keys(t, m, " ")
	m = tickUntil(t, m, func(m Model) bool { return !m.view.Paused })
	before := m.view.Steps
	m = settle(t, tickUntil(t, keys(t, m, "."), func(m Model) bool { return m.view.Paused && m.view.Steps > before }))
	if !m.view.Paused {
		t.Fatal(". while running did not pause the run")
	}
}

// Two presses before the next view toggle twice: resume, then pause.
func TestPauseTwiceQuickly(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = keys(t, m, "  ")
	m = tickUntil(t, m, func(m Model) bool { return m.view.Paused && m.pausing == nil })
	if m.paused() != true {
		t.Fatal("space space from paused did not end paused")
	}
}

func TestSpeedKeys(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = keys(t, m, "++")
	if m.speed != 4 {
		t.Fatalf("speed %g after ++ from 1, want 4", m.speed)
	}
	m = keys(t, m, "---")
	if m.speed != 0.5 {
		t.Fatalf("speed %g after --- from 4, want 0.5", m.speed)
	}
	m = tickUntil(t, keys(t, m, " "), func(m Model) bool { return m.view.Speed == 0.5 && !m.view.Paused })
	m.speed = 0 // as fast as it goes: faster keeps it, slower is real time
	if m = keys(t, m, "+"); m.speed != 0 {
		t.Fatalf("faster than as fast as it goes: %g", m.speed)
	}
	if m = keys(t, m, "-"); m.speed != 1 {
		t.Fatalf("slower than as fast as it goes: %g, want 1", m.speed)
	}
	if m.view.Speed != 0.5 {
		t.Fatalf("the run's speed is %g, want 0.5", m.view.Speed)
	}
}

// Every control goes through the simulator: it is logged as sim.control
// with its subject, and counted for the violation panel.
func TestControls(t *testing.T) {
	m := newTestModel(t, testConfig(t), 100, 30)
	m = stepTo(t, m, 300)
	var e invoker.Event
	m, e = sendControl(t, m, "d2")
	if e.Reason != "step-down p=2" || e.Partition != 2 {
		t.Fatalf("d2 logged %q", e)
	}
	m, e = sendControl(t, m, "l<right><enter>")
	if !strings.HasPrefix(e.Reason, "leader p=1 epoch=") {
		t.Fatalf("l → enter logged %q", e)
	}
	// u pauses the invocation selected in the invocations pane (and
	// would resume it, were it paused); k kills it.
	m = keys(t, m, "<tab>")
	sel, ok := m.selectedInvocation()
	if !ok {
		t.Fatal("no invocation selected in the invocations pane")
	}
	if !strings.Contains(m.View(), "> "+string(sel)) {
		t.Fatalf("the selected invocation %s is not marked:\n%s", sel, m.View())
	}
	m, e = sendControl(t, m, "u<enter>")
	if e.Inv != sel || !strings.HasPrefix(e.Reason, "pause p=") {
		t.Fatalf("u on %s logged %q", sel, e)
	}
	st := m.st.invocations[sel].status
	m.st.invocations[sel].status = invoker.StatusPaused
	if c := m.pauseChooser(); c == nil || !strings.HasPrefix(c.options[c.i], "resume "+string(sel)+" p") {
		t.Fatalf("u on paused %s offers %v", sel, c)
	}
	m.st.invocations[sel].status = st
	m, e = sendControl(t, m, "k<enter>")
	if e.Inv != sel || !strings.HasPrefix(e.Reason, "kill ") {
		t.Fatalf("k on %s logged %q", sel, e)
	}
	m, e = sendControl(t, m, "f<right><enter><enter>")
	if e.Reason != "fault action=drop kind=invoke n=1" {
		t.Fatalf("f → drop → invoke logged %q", e.Reason)
	}
	m, e = sendControl(t, m, "x")
	if e.Reason != "shutdown" || e.Partition != invoker.NoPartition {
		t.Fatalf("x logged %q", e.Reason)
	}
	if m.sess.steered.controls != 6 {
		t.Fatalf("%d controls counted, want 6", m.sess.steered.controls)
	}
	m = keys(t, m, "<tab>")
	if got := m.View(); !strings.Contains(got, "[faults]") || !strings.Contains(got, "controls 6") {
		t.Fatalf("the fault log does not list the controls:\n%s", got)
	}
}

func TestChooserCancels(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = keys(t, m, "d<esc>f<esc>v<esc>")
	if m.choose != nil || m.st.kinds[invoker.KindControl] != 0 {
		t.Fatal("esc did not cancel the prompt")
	}
	// While a prompt is up, its keys are its own: q cancels, not quits.
	m = keys(t, m, "dq")
	if m.quitting || m.choose != nil {
		t.Fatalf("q in a prompt: quitting %v, prompt %v", m.quitting, m.choose)
	}
}

func TestFilterKeys(t *testing.T) {
	m := newTestModel(t, testConfig(t), 100, 30)
	m = stepTo(t, m, 400)
	m = keys(t, m, "/invoker2 slot.<enter>")
	if m.filter.text != "invoker2 slot." {
		t.Fatalf("filter %q", m.filter.text)
	}
	title, rows := m.timeline(20)
	if !strings.Contains(title, `filter "invoker2 slot."`) || len(rows) < 2 {
		t.Fatalf("filtered timeline %q with %d rows", title, len(rows))
	}
	for _, r := range rows[1:] {
		if !strings.Contains(r, "invoker2: slot ") {
			t.Fatalf("the filter let through %q", r)
		}
	}
	m = keys(t, m, "/<esc>")
	if m.filter.text != "invoker2 slot." {
		t.Fatal("esc while editing dropped the applied filter")
	}
	m = keys(t, m, "<esc>")
	if !m.filter.empty() {
		t.Fatal("esc did not clear the filter")
	}
	m = keys(t, m, "/nonsense<enter>")
	if !m.filter.empty() || !strings.Contains(m.status, `filter "nonsense"`) {
		t.Fatalf("a bad filter: filter %q, status %q", m.filter.text, m.status)
	}
}

func TestScrollKeys(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = stepTo(t, m, 400)
	last := func(m Model) string {
		_, rows := m.timeline(m.layout().bottom - 1)
		return rows[len(rows)-1]
	}
	following := last(m)
	m = keys(t, m, "<up><up><up>")
	if m.scroll != 3 || last(m) == following {
		t.Fatalf("up did not scroll (scroll %d)", m.scroll)
	}
	// Scrolled up, the timeline stays put while the run goes on.
	scrolled := last(m)
	m = stepTo(t, m, 450)
	if last(m) != scrolled {
		t.Fatalf("the scrolled timeline moved: %q, was %q", last(m), scrolled)
	}
	m = keys(t, m, "<end>")
	if m.scroll != 0 || last(m) == following || !strings.Contains(last(m), fmt.Sprintf("#%d ", m.view.Events)) {
		t.Fatalf("end did not follow the newest again: %q", last(m))
	}
	m = keys(t, m, "<home>")
	if _, rows := m.timeline(m.layout().bottom - 1); !strings.Contains(rows[1], "#1 ") {
		t.Fatalf("home does not show the first event: %q", rows[1])
	}
}

func TestRestartKeys(t *testing.T) {
	cfg := testConfig(t)
	m := newTestModel(t, cfg, 80, 24)
	m = stepTo(t, m, 50)
	first := m.sess.rec.Name()
	m = keys(t, m, "v<right><enter>")
	if m.sess.variant != invoker.Fixed || m.sess.seed != faults.DefaultSeed {
		t.Fatalf("v → fixed restarted seed %d variant %s", m.sess.seed, m.sess.variant)
	}
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Fatalf("the abandoned session's schedule is still there: %v", err)
	}
	m = tickUntil(t, m, func(m Model) bool { return m.view != nil && m.view.Info.Variant == invoker.Fixed })
	if m.st.seen > m.view.Events {
		t.Fatal("the new session's counts include the old one's events")
	}
	m = keys(t, m, "n")
	if m.sess.seed != 42 || m.sess.variant != invoker.Fixed {
		t.Fatalf("n restarted seed %d variant %s, want 42 fixed", m.sess.seed, m.sess.variant)
	}
}

// A restart whose session file CheckPaths refuses (another output's) is
// refused on the status line, and the session goes on: it ended the UI,
// losing the session.
func TestRestartRefusedKeepsSession(t *testing.T) {
	cfg := testConfig(t)
	cfg.CheckPaths = func(schedule, violation string) error {
		if strings.Contains(schedule, "fixed") || strings.Contains(schedule, "-42-") {
			return errors.New("the session's schedule " + schedule + ": the same file as --events")
		}
		return nil
	}
	m := newTestModel(t, cfg, 80, 24)
	m = stepTo(t, m, 50)
	sess := m.sess
	for _, k := range []string{"v<right><enter>", "n"} {
		m = keys(t, m, k)
		if m.sess != sess || m.err != nil {
			t.Fatalf("%s: the session was replaced or ended (err %v)", k, m.err)
		}
		if !strings.Contains(m.status, "not restarted: the session's schedule session-") ||
			!strings.Contains(m.status, "the same file as --events") {
			t.Fatalf("%s: status %q, want the refusal", k, m.status)
		}
	}
	m = stepTo(t, m, 60) // the session still runs
	if m.view.Steps < 60 {
		t.Fatalf("the session stopped at step %d", m.view.Steps)
	}
	if _, err := os.Stat(sess.rec.Name()); err != nil {
		t.Fatalf("the session's schedule is gone: %v", err)
	}
}

func TestQuitKey(t *testing.T) {
	for _, k := range []string{"q", "<ctrl+c>"} {
		m := newTestModel(t, testConfig(t), 80, 24)
		next, cmd := m.Update(keyMsg(t, k))
		if !next.(Model).quitting || cmd == nil {
			t.Fatalf("%s: not quitting", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s: the command is not tea.Quit", k)
		}
	}
}

// ctrl+c quits from a prompt or a chooser too, where q is typed or
// cancels: a person expects it to stop the program wherever they are.
func TestCtrlCQuitsFromAnyPrompt(t *testing.T) {
	for _, open := range []string{"/", "g", "d", "f"} {
		m := newTestModel(t, testConfig(t), 80, 24)
		m = keys(t, m, open+"in")
		if !m.filtering && !m.going && m.choose == nil {
			t.Fatalf("%s opened no prompt", open)
		}
		next, cmd := m.Update(keyMsg(t, "<ctrl+c>"))
		m = next.(Model)
		m.sess.stop() // g played the live run back: a session Run would stop
		if !m.quitting || cmd == nil {
			t.Fatalf("ctrl+c in the prompt of %s: not quitting", open)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("ctrl+c in the prompt of %s: the command is not tea.Quit", open)
		}
	}
}

// On a screen too small to show what a key does, keys do nothing but
// quit: what was typed blind is not acted on.
func TestTooSmallScreenOnlyQuits(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m = stepTo(t, m, 5)
	m = update(t, m, resize(30, 8))
	if said := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(said, "too small") || !strings.Contains(said, "(q quits)") {
		t.Fatalf("the small screen does not say it is too small, or how to quit:\n%s", m.View())
	}
	m = keys(t, m, ". xgdf/a<enter>")
	m = settle(t, m)
	if m.view.Steps != 5 || m.filtering || m.going || m.choose != nil || m.st.kinds[invoker.KindControl] != 0 || m.quitting {
		t.Fatalf("keys acted on the small screen: step %d, prompts %v %v %v, %d controls, quitting %v",
			m.view.Steps, m.filtering, m.going, m.choose != nil, m.st.kinds[invoker.KindControl], m.quitting)
	}
	m = update(t, m, resize(80, 24))
	m = settle(t, tickUntil(t, keys(t, m, "."), func(m Model) bool { return m.view.Steps > 5 }))
	if m.view.Steps != 6 {
		t.Fatalf("back to 80x24, . took %d steps, want 1", m.view.Steps-5)
	}
	m = update(t, m, resize(30, 8))
	next, cmd := m.Update(keyMsg(t, "q"))
	if !next.(Model).quitting || cmd == nil {
		t.Fatal("q on the small screen: not quitting")
	}
}

func keyMsg(t *testing.T, k string) tea.KeyMsg {
	if strings.HasPrefix(k, "<") {
		return namedKey(t, strings.Trim(k, "<>"))
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// The UI sees every event the run logs, with the same counts by kind,
// however the views were batched.
func TestNoEventMissing(t *testing.T) {
	m := newTestModel(t, testConfig(t), 80, 24)
	m.sess.runner.SetSpeed(0)
	m.sess.runner.Finish()
	res, err := m.sess.runner.Wait()
	if err != nil {
		t.Fatal(err)
	}
	m = update(t, m, tickMsg{})
	if m.st.seen != res.Events || m.st.kinds != res.Kinds || m.st.missing(&m.view.Snapshot) != 0 {
		t.Fatalf("the UI saw %d events, the run logged %d (kinds equal: %v)", m.st.seen, res.Events, m.st.kinds == res.Kinds)
	}
}

// shutdownPanicStep is the first step, from 100 on by 25, at which a
// shutdown sent into o's run (as x sends it) makes the invoker panic
// before the run's own shutdown has started: the panic is the control's
// doing. 0 if there is none.
func shutdownPanicStep(t *testing.T, o faults.Options) int {
	t.Helper()
	// run plays o with the shutdown sent after n steps (never if n is 0)
	// and says when its ingress was first stopped and when it panicked.
	run := func(n int) (stopped, panicked time.Duration, sent bool) {
		o := o
		o.Node.Store = invoker.MemStores()
		stopped, panicked = -1, -1
		o.Observers = append(slices.Clip(o.Observers), eventObserver(func(e invoker.Event) {
			if e.Kind == invoker.KindStopIngress && stopped < 0 {
				stopped = e.At
			}
		}))
		sim, err := faults.New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		for step := 0; !sim.Done(); step++ {
			if step == n && n > 0 && stopped < 0 {
				if err := sim.Control(faults.Control{Kind: faults.ControlShutdown}); err != nil {
					t.Fatal(err)
				}
				sent = true
			}
			if _, err := sim.Step(); err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range sim.Result().Violations {
			if v.Invariant == faults.NoPanic {
				panicked = v.Event.At
			}
		}
		return stopped, panicked, sent
	}
	own, _, _ := run(0)
	for n := 100; ; n += 25 {
		stopped, panicked, sent := run(n)
		if !sent {
			return 0 // the run's own shutdown had started by step n
		}
		if 0 <= stopped && stopped <= panicked && panicked < own {
			return n
		}
	}
}

type eventObserver func(invoker.Event)

func (f eventObserver) OnEvent(e invoker.Event) { f(e) }

// Quitting saves a schedule that replays the session to the same hash.
// The shutdown is sent at a step of the README's seed
// (faults.DefaultSeed) where the buggy invoker panics at it, before the
// seed's own shutdown (shutdownPanicStep: sent at steps 100 to 300 of
// seed 9, it does not; at 325, 96.48ms in, it panics at 97.11ms, and the
// seed's own shutdown starts at 155.84ms), so the replay must reproduce
// the control and the panic it led to.
func TestQuitSavesAReplayableSession(t *testing.T) {
	cfg := testConfig(t)
	at := shutdownPanicStep(t, cfg.Options)
	if at == 0 {
		t.Fatalf("no step of seed %d where the buggy invoker panics at a shutdown sent before its own", cfg.Options.Seed)
	}
	t.Logf("seed %d: the shutdown is sent at step %d", cfg.Options.Seed, at)
	m := newTestModel(t, cfg, 80, 24)
	m = stepTo(t, m, at)
	m, _ = sendControl(t, m, "x")
	res, err := m.sess.finish()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(m.sess.path)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := faults.ParseSchedule(m.sess.path, src)
	if err != nil {
		t.Fatal(err)
	}
	again, err := faults.Run(t.Context(), faults.ReplayOptions(sch))
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != res.Hash || !again.Violated(faults.NoPanic) {
		t.Fatalf("replay hash %s (panic %v), session hash %s", again.Hash, again.Violated(faults.NoPanic), res.Hash)
	}
	if left := tempFiles(t); len(left) > 0 {
		t.Fatalf("the session's recording is left behind: %v", left)
	}
	m.sess = nil // finished: nothing to stop
}
