package tui

import (
	"strconv"
	"strings"
	"testing"

	"lab/faults"
)

// offered presses a and waits for the chooser of the next pick.
func offered(t *testing.T, m Model) Model {
	t.Helper()
	m = keys(t, m, "a")
	return tickUntil(t, m, func(m Model) bool { return m.choose != nil })
}

// replayHash replays the session's saved schedule.
func replayHash(t *testing.T, m Model) string {
	t.Helper()
	sch, err := readScheduleFile(m.sess.path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := faults.Run(t.Context(), faults.ReplayOptions(sch))
	if err != nil {
		t.Fatal(err)
	}
	return r.Hash
}

// a stops the run at the next pick with a choice and lists what each
// option does; the one typed is taken, counted as steering the session,
// and its schedule replays it.
func TestPickByHand(t *testing.T) {
	m := newTestModel(t, testConfig(t), 120, 40)
	m = offered(t, m)
	c := m.choose
	if !strings.HasPrefix(c.title, "next pick (") || len(c.options) < 2 || len(c.options) > 9 {
		t.Fatalf("chooser %q: %q", c.title, c.options)
	}
	if !strings.Contains(m.View(), "next pick (") || !strings.Contains(m.status, "which goes next?") {
		t.Fatalf("the pick is not offered on the screen (status %q):\n%s", m.status, m.View())
	}
	last := len(c.options)
	chosen := m.view.Choices[last-1].Choice
	m = keys(t, m, strconv.Itoa(last))
	m = tickUntil(t, m, func(m Model) bool { return m.sess.steered.picks == 1 && m.view.Choices == nil })
	// The step the run took is the one chosen.
	if d := m.view.Last; chosen.Invoker == faults.Transport && d.Kind != faults.StepDeliver ||
		chosen.Invoker != faults.Transport && (d.Kind != faults.StepInvoker || d.Invoker != chosen.Invoker || d.Arm != chosen.Arm) {
		t.Fatalf("chose %v, the run took %v", chosen, d)
	}
	if m.status != "took "+c.options[last-1] || m.picking {
		t.Fatalf("status %q after taking %q", m.status, c.options[last-1])
	}
	if got := m.sess.steered.String(); got != "0 controls sent, 1 pick taken by hand" {
		t.Errorf("steering: %q", got)
	}
	res, err := m.sess.finish()
	if err != nil {
		t.Fatal(err)
	}
	if h := replayHash(t, m); h != res.Hash {
		t.Fatalf("the saved session replays to %s, the session was %s", h, res.Hash)
	}
}

// esc leaves the pick to the scheduler: nothing steered the session, which
// is the seed's own run.
func TestPickLeftToTheScheduler(t *testing.T) {
	cfg := testConfig(t)
	want, err := faults.Run(t.Context(), cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, cfg, 100, 30)
	m = keys(t, offered(t, m), "<esc>")
	if m.choose != nil || m.picking || m.status != "the pick is left to the scheduler" || m.sess.steered.any() {
		t.Fatalf("after esc: chooser %v, picking %v, status %q, steered %v", m.choose, m.picking, m.status, m.sess.steered)
	}
	res, err := m.sess.finish()
	if err != nil {
		t.Fatal(err)
	}
	if res.Hash != want.Hash {
		t.Fatalf("a pick left to the scheduler ran %s, the seed %s", res.Hash, want.Hash)
	}
}

// A pick asked for in a session that is then replaced is not offered in
// the next one.
func TestRestartForgetsTheAskedPick(t *testing.T) {
	m := newTestModel(t, testConfig(t), 100, 30)
	m = keys(t, m, "an")
	defer m.sess.stop()
	if m.picking || m.sess.seed != 42 {
		t.Fatalf("after a then n: picking %v, seed %d", m.picking, m.sess.seed)
	}
}
