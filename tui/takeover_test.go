package tui

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lab/faults"
)

// takeOverConfig plays the README's run from its schedule (replayConfig,
// the run's options edited by edit), to be taken over as lab tui --replay
// does: sessions from there are the schedule's seed's, under the plan it
// names.
func takeOverConfig(t *testing.T, edit ...func(*faults.Options)) *Config {
	t.Helper()
	cfg := replayConfig(t, edit...)
	live := *cfg
	live.Replay = nil
	live.Options = faults.SeededOptions(cfg.Replay.sched.Header)
	plan, err := faults.LoadPlan(cfg.Replay.sched.Header.Plan)
	if err != nil {
		t.Fatal(err)
	}
	live.Options.Plan = plan
	cfg.TakeOver = &live
	return cfg
}

// lastChoiceBefore is the replay's last pick with a choice before its
// violation: the README's run panics at a dequeue it could have left.
func lastChoiceBefore(t *testing.T, r *Replay) replayChoice {
	t.Helper()
	i := slices.IndexFunc(r.choices, func(c replayChoice) bool { return c.step >= r.Violation })
	if i < 1 {
		t.Fatalf("no pick with a choice before the violation at step %d", r.Violation)
	}
	return r.choices[i-1]
}

// a in a replay goes on to its next pick with a choice and offers what
// was ready, the recorded option marked and selected; another option
// makes the UI live from there. The session is steered (taken over), is
// saved as any session, replays byte for byte, and kept every pick the
// replay made before the one taken.
func TestTakingOverAReplay(t *testing.T) {
	cfg := takeOverConfig(t)
	m := newTestModel(t, cfg, 120, 40)
	defer func() { m.sess.stop() }() // the session the last key started
	// cfg is live once taken over.
	replay := cfg.Replay
	at := lastChoiceBefore(t, replay)
	if legend := m.help.ShortHelpView(m.keys.ShortHelp()); !strings.Contains(legend, "a take over") {
		t.Errorf("the legend does not offer to take the replay over: %s", legend)
	}
	m = keys(t, m, fmt.Sprintf("g%d<enter>", at.step-1))
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == at.step-1 })
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.choose != nil })
	c := m.choose
	if want := fmt.Sprintf("take over at step %d (", at.step); !strings.HasPrefix(c.title, want) || m.view.Steps != at.step-1 {
		t.Fatalf("chooser %q at step %d; want %q... at step %d", c.title, m.view.Steps, want, at.step-1)
	}
	if !strings.HasSuffix(c.options[c.i], " (recorded)") || m.view.Choices[c.i].Choice != at.taken {
		t.Fatalf("the selected option %q is not the recorded %v", c.options[c.i], at.taken)
	}
	if !strings.Contains(m.View(), "take over at step") || !strings.Contains(m.status, "enter keeps it") {
		t.Fatalf("the pick is not offered on the screen (status %q):\n%s", m.status, m.View())
	}
	other := (c.i + 1) % len(c.options)
	chosen := m.view.Choices[other].Choice
	m = keys(t, m, strconv.Itoa(other+1))
	m = tickUntil(t, m, func(m Model) bool { return m.sess.steered.picks == 1 && m.view.Choices == nil })
	if m.cfg.Replay != nil || m.keys.replay || !m.keys.Shutdown.Enabled() {
		t.Fatalf("taken over, the UI is still a replay")
	}
	from := fmt.Sprintf("taken over from readme.schedule at step %d, 0 controls sent, 1 pick taken by hand", at.step)
	if got := m.sess.steered.String(); got != from || !strings.Contains(m.status, "the run is yours from here") {
		t.Errorf("steering %q, status %q", got, m.status)
	}
	res, err := m.sess.finish()
	if err != nil {
		t.Fatal(err)
	}
	if m.sess.path != testSchedule {
		t.Errorf("saved to %s, not as a session of the seed (%s)", m.sess.path, testSchedule)
	}
	if h := replayHash(t, m); h != res.Hash {
		t.Fatalf("the saved session replays to %s, the session was %s", h, res.Hash)
	}
	saved, err := readScheduleFile(m.sess.path)
	if err != nil {
		t.Fatal(err)
	}
	got, want := saved.Picks(), replay.sched.Picks()
	if !slices.Equal(got[:at.pick-1], want[:at.pick-1]) || got[at.pick-1] != chosen {
		t.Errorf("the session's first %d picks are not the replay's, then %v", at.pick-1, chosen)
	}
	if left := tempFiles(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// The recorded option, or esc, goes on with the replay past the pick,
// with nothing saved; q before the pick is offered quits the replay.
func TestKeepingTheRecordedPick(t *testing.T) {
	cfg := takeOverConfig(t)
	m := newTestModel(t, cfg, 120, 40)
	defer func() { m.sess.stop() }() // the session the last key started
	first := cfg.Replay.choices[0]
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.choose != nil })
	m = keys(t, m, "<enter>")
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == first.step && m.view.Paused })
	if m.cfg.Replay == nil || m.takingOver != nil || m.sess.sched != nil || m.status != fmt.Sprintf("kept the recorded pick: at step %d of %d", first.step, cfg.Replay.Steps) {
		t.Fatalf("after enter on the recorded pick: replay %v, taking over %v, status %q", m.cfg.Replay != nil, m.takingOver, m.status)
	}
	second := cfg.Replay.choices[1]
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.choose != nil })
	if !strings.Contains(m.choose.title, fmt.Sprintf("at step %d ", second.step)) {
		t.Fatalf("the next a offers %q, not the pick at step %d", m.choose.title, second.step)
	}
	m = keys(t, m, "<esc>")
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == second.step && m.view.Paused })
	if m.cfg.Replay == nil || m.status != fmt.Sprintf("the pick is left to the recording: at step %d of %d", second.step, cfg.Replay.Steps) {
		t.Fatalf("after esc: replay %v, status %q", m.cfg.Replay != nil, m.status)
	}
	m = keys(t, m, "aq") // q before the pick is offered
	if m.cfg.Replay == nil || m.takingOver != nil || m.sess.sched != nil || !m.quitting {
		t.Fatalf("q while taking over: replay %v, taking over %v, quitting %v", m.cfg.Replay != nil, m.takingOver, m.quitting)
	}
	if _, err := os.Stat(testSchedule); !os.IsNotExist(err) || len(tempFiles(t)) > 0 {
		t.Errorf("a replay not taken over saved something: %v, %v", err, tempFiles(t))
	}
	m = keys(t, keys(t, m, "gend<enter>"), "a")
	if want := fmt.Sprintf("no pick after step %d has a choice: nothing left to take over", cfg.Replay.Steps); m.status != want {
		t.Errorf("a at the end: %q", m.status)
	}
}

// A live session gone back (a replay of the session saved) is taken over
// too, and the new session is saved beside it, not over it.
func TestTakingOverASessionGoneBack(t *testing.T) {
	m := newTestModel(t, testConfig(t), 100, 30)
	defer func() { m.sess.stop() }() // the session the last key started
	m = stepTo(t, m, 300)
	m = keys(t, m, ",")
	m = tickUntil(t, m, func(m Model) bool { return m.cfg.Replay != nil && m.view != nil && m.view.Steps == 299 })
	before, err := os.ReadFile(testSchedule)
	if err != nil {
		t.Fatal(err)
	}
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.choose != nil })
	m = keys(t, m, strconv.Itoa((m.choose.i+1)%len(m.choose.options)+1))
	m = tickUntil(t, m, func(m Model) bool { return m.sess.steered.picks == 1 })
	if _, err := m.sess.finish(); err != nil {
		t.Fatal(err)
	}
	branch := strings.TrimSuffix(testSchedule, ".schedule") + "-branch.schedule"
	after, err := os.ReadFile(testSchedule)
	if m.sess.path != branch || err != nil || string(after) != string(before) {
		t.Errorf("taken over, saved to %s; the session gone back changed: %v", m.sess.path, err)
	}
}

// A session that does not reach the pick as the recording did (here: the
// scan's count of events before it is off by one) is not shown as the
// replay: the UI goes back to the replay, before the pick.
func TestATakeOverThatPartsFromTheReplayGoesBack(t *testing.T) {
	cfg := takeOverConfig(t)
	cfg.Replay.choices[0].events++
	m := newTestModel(t, cfg, 120, 40)
	defer func() { m.sess.stop() }() // the session the last key started
	first := cfg.Replay.choices[0]
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.takingOver == nil && m.view.Steps == first.step-1 })
	if m.choose != nil || m.cfg.Replay == nil || m.sess.sched != nil || !strings.HasPrefix(m.status, "not taken over: ") {
		t.Fatalf("chooser %v, replay %v, status %q", m.choose, m.cfg.Replay != nil, m.status)
	}
	if left := tempFiles(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A schedule whose progress bound shrinking shortened is taken over under
// the bound that confirmed it: the shortened one held for the schedule's
// own road only, and the run is the person's from there.
func TestTakingOverJudgesByTheConfirmedBound(t *testing.T) {
	cfg := takeOverConfig(t, func(o *faults.Options) {
		o.Bounds = faults.Bounds{Shutdown: 5 * time.Second, Crash: time.Second, Progress: time.Hour, ProgressConfirmed: 2 * time.Hour}
	})
	m := newTestModel(t, cfg, 120, 40)
	defer func() { m.sess.stop() }()
	at := lastChoiceBefore(t, cfg.Replay)
	m = keys(t, m, fmt.Sprintf("g%d<enter>", at.step-1))
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == at.step-1 })
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.choose != nil })
	m = keys(t, m, strconv.Itoa((m.choose.i+1)%len(m.choose.options)+1))
	m = tickUntil(t, m, func(m Model) bool { return m.sess.steered.picks == 1 && m.view.Choices == nil })
	if _, err := m.sess.finish(); err != nil {
		t.Fatal(err)
	}
	saved, err := readScheduleFile(m.sess.path)
	if err != nil {
		t.Fatal(err)
	}
	if b := saved.Header.Bounds; b.Progress != 2*time.Hour || b.ProgressConfirmed != 0 {
		t.Errorf("taken over under %+v, want the confirmed bound of 2h", b)
	}
}
