package tui

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/live"
)

// Taking a replay over: a in a replay goes on to its next pick with a
// choice and offers what was ready there, the recorded option marked and
// selected. Keeping it goes on with the replay. Another option makes the
// UI live from that pick: a session that replays the schedule's picks
// before it (leniently, as lab inevitable does: the same events, byte for
// byte), takes the option chosen and goes on as a run of the schedule's
// seed would: its scheduler takes the later picks, the plan draws the
// faults, the workload the task outcomes, while what the outside world
// sends stays as recorded. It is saved and replayed like any session.

// takingOver is a replay's pick with a choice, offered to be taken over:
// the session on screen has replayed the schedule up to it, and waits.
type takingOver struct {
	at replayChoice
	// back is the step the replay was at, where q goes back to.
	back int
}

// askTakeOver replaces the replay on screen with a session that goes on
// to the replay's next pick with a choice and waits there.
func (m *Model) askTakeOver() {
	r, pos := m.cfg.Replay, m.position()
	at, ok := r.nextChoice(pos)
	if !ok {
		m.status = fmt.Sprintf("no pick after step %d has a choice: nothing left to take over", pos)
		return
	}
	s, err := startTakeOver(m.ctx, m.cfg.TakeOver, r, at)
	if err != nil {
		m.status = "not taken over: " + err.Error()
		return
	}
	m.sess.stop()
	// The chart and comparison are of the replay's file: still there
	// when the replay goes on.
	chart, compared := m.chart, m.compared
	m.show(s)
	m.chart, m.compared = chart, compared
	m.picking, m.takingOver = true, &takingOver{at: at, back: pos}
	m.status = fmt.Sprintf("on to the replay's next pick with a choice, at step %d...", at.step)
}

// startTakeOver starts the session that replays r's schedule up to the
// pick at, paused there with the pick waiting for a person, configured by
// t from then on.
func startTakeOver(ctx context.Context, t *Config, r *Replay, at replayChoice) (*session, error) {
	h := r.sched.Header
	o := faults.SeededOptions(h)
	o.Replay, o.Lenient, o.DrawAfterPicks = r.sched.KeepPicks(nil, at.pick-1), true, true
	o.JudgeByConfirmedBound()
	o.Invariants = h.Invariants
	o.Plan, o.Node.Store, o.Observers = t.Options.Plan, t.Options.Node.Store, t.Options.Observers
	path := t.SchedulePath(h.Seed, h.Node.Variant)
	if sameFile(path, r.Path) {
		// The replay is of a session saved there: not to be lost.
		path = strings.TrimSuffix(r.Path, ".schedule") + "-branch.schedule"
	}
	if t.CheckPaths != nil {
		if err := t.CheckPaths(path, ViolationPath(path, h.Seed, h.Node.Variant)); err != nil {
			return nil, err
		}
	}
	return openSession(ctx, t, o, path, live.Options{Paused: true, StartAt: at.step - 1, Choose: true})
}

// sameFile: a and b name the same file, which exists.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// offerTakeOver opens the chooser on the replay's pick, once the session
// waits there as the recording did: at the same step, with the same
// events logged and the recorded option among those ready. (Anything
// else would be another run shown as the replay: it goes back instead.)
func (m *Model) offerTakeOver() {
	at, v := m.takingOver.at, m.view
	recorded := slices.IndexFunc(v.Choices, func(o live.Option) bool { return o.Choice == at.taken })
	if v.Steps != at.step-1 || v.Events != at.events || recorded < 0 {
		m.seek(at.step - 1) // failing, it leaves m.err for the next tick
		m.status = fmt.Sprintf("not taken over: replayed up to its pick at step %d, the schedule is not as recorded there", at.step)
		return
	}
	opts := make([]string, len(v.Choices))
	for i, c := range v.Choices {
		opts[i] = c.What
	}
	opts[recorded] += " (recorded)"
	m.askOdds(opts)
	m.choose = &chooser{title: fmt.Sprintf("take over at step %d (%d ready)", at.step, len(opts)), options: opts, i: recorded, listed: true,
		apply: func(m *Model, i int) tea.Cmd {
			m.closeOdds()
			if i == recorded {
				return m.keepReplay("kept the recorded pick")
			}
			return m.goLive(i, opts[i])
		},
		cancel: func(m *Model) tea.Cmd { return m.keepReplay("the pick is left to the recording") }}
	m.status = fmt.Sprintf("the replay took %s: enter keeps it, another option takes the run over from here", v.Choices[recorded].What)
}

// keepReplay goes back to the replay, past the pick offered: the recorded
// option taken.
func (m *Model) keepReplay(what string) tea.Cmd {
	step := m.takingOver.at.step
	cmd := m.seek(step)
	m.status = fmt.Sprintf("%s: at step %d of %d", what, step, m.cfg.Replay.Steps)
	return cmd
}

// goLive takes option i (what) of the pick offered: the session on screen
// is the UI's now, live, configured by Config.TakeOver.
func (m *Model) goLive(i int, what string) tea.Cmd {
	from := fmt.Sprintf("%s at step %d", m.cfg.Replay.Path, m.takingOver.at.step)
	t := m.cfg.TakeOver
	cfg := *t
	cfg.TakeOver, cfg.direct = t, m.cfg.direct
	*m.cfg = cfg
	m.keys = newKeyMap(false, true)
	m.picking, m.takingOver = false, nil
	m.sess.steered.from = from
	sess := m.sess
	return func() tea.Msg { return pickMsg{sess: sess, what: what, err: sess.runner.Take(i)} }
}
