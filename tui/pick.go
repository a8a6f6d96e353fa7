package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// Picking by hand: a asks the run for the next pick that has a choice
// (more than one thing ready); when the run waits there, a chooser lists
// what each option does, and the one taken is recorded in the session's
// schedule like any pick. esc leaves it to the scheduler.

// pickMsg: the run took (or refused) the option what of a waiting pick.
type pickMsg struct {
	sess *session
	what string
	err  error
}

// askPick asks the run to stop at the next pick with a choice; a replay
// is taken over there.
func (m *Model) askPick() {
	if m.cfg.Replay != nil {
		m.askTakeOver()
		return
	}
	if m.view.Done || m.view.Finishing {
		m.status = "the run is over: no pick left to choose"
		return
	}
	m.picking = true
	m.sess.runner.ChooseNext()
	m.status = "on to the next pick with a choice..."
}

// offerPick opens the chooser on a pick the run waits at, once the view
// shows it.
func (m *Model) offerPick() {
	switch {
	case !m.picking || m.choose != nil || m.view == nil:
	case m.takingOver != nil && (m.view.Done || m.view.Choices != nil):
		m.offerTakeOver()
	case m.view.Done:
		m.picking = false
		m.status = "the run ended before another pick with a choice"
	case m.view.Choices != nil:
		m.choose = m.pickChooser()
		m.status = fmt.Sprintf("%d things are ready: which goes next? (esc: the scheduler's pick)", len(m.view.Choices))
	}
}

func (m *Model) pickChooser() *chooser {
	opts := make([]string, len(m.view.Choices))
	for i, c := range m.view.Choices {
		opts[i] = c.What
	}
	m.askOdds(opts)
	return &chooser{title: fmt.Sprintf("next pick (%d ready)", len(opts)), options: opts, listed: true,
		apply: func(m *Model, i int) tea.Cmd {
			m.picking = false
			m.closeOdds()
			sess := m.sess
			return func() tea.Msg { return pickMsg{sess: sess, what: opts[i], err: sess.runner.Take(i)} }
		},
		cancel: func(m *Model) tea.Cmd {
			m.picking = false
			m.closeOdds()
			m.sess.runner.CancelChoose()
			m.status = "the pick is left to the scheduler"
			return nil
		}}
}

// picked takes in the run's answer to a pick taken.
func (m *Model) picked(msg pickMsg) {
	if msg.sess != m.sess {
		return // a pick of a session since replaced
	}
	if msg.err != nil {
		m.status = "pick refused: " + msg.err.Error()
		return
	}
	m.sess.steered.picks++
	m.status = "took " + msg.what
	if s := m.sess.steered; s.from != "" && s.picks == 1 {
		m.status += fmt.Sprintf(": the run is yours from here, live (saved to %s on quit)", m.sess.path)
	}
}
