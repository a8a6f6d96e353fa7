package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"lab/invoker"
)

// Starting over: a restart on another seed or variant, and a replay moved
// to another step, both replace the session on screen with a new one.

// restart stops the session (dropping its unfinished schedule) and starts
// another one. Both take milliseconds, so they happen here, in order.
func (m *Model) restart(seed uint64, v invoker.Variant) tea.Cmd {
	// A file the new session may not write (another output's) refuses
	// the restart, not the UI: the session goes on.
	if err := m.cfg.checkPaths(seed, v); err != nil {
		m.status = "not restarted: " + err.Error()
		return nil
	}
	// A node this variant cannot run (term has no shared invoker) refuses
	// the switch, not the UI.
	node := m.cfg.Options.Node
	node.Variant = v
	if err := node.Validate(); err != nil {
		m.status = "not restarted: " + err.Error()
		return nil
	}
	m.sess.stop()
	if err := m.startOver(seed, v, false, 0); err != nil {
		return tea.Quit
	}
	m.speed = m.cfg.Speed
	m.status = fmt.Sprintf("restarted: seed %d, variant %s", seed, v)
	return nil
}

// startOver replaces the session with a new run of seed and v whose first
// startAt steps are taken at once, and forgets what the UI derived
// from the old one.
func (m *Model) startOver(seed uint64, v invoker.Variant, paused bool, startAt int) error {
	s, err := startSession(m.ctx, m.cfg, seed, v, paused, startAt)
	if err != nil {
		m.sess, m.err = nil, err
		return err
	}
	m.cancelJobs()
	m.chart, m.compared = nil, nil
	m.show(s)
	return nil
}

// show makes s the session on screen, from its first view.
func (m *Model) show(s *session) {
	m.sess, m.view, m.st = s, nil, newState()
	m.panel, m.violations, m.scroll, m.inv, m.life = false, 0, 0, "", ""
	m.violationFile, m.saving, m.picking, m.takingOver = "", false, false, nil
	m.closeOdds()
	m.follow()
}

// seek shows the replay at step n (clamped to the replay), paused: it
// starts the replay again and takes its first n steps at once. The
// chart of the replay, if drawn, stays: it is the same file.
func (m *Model) seek(n int) tea.Cmd {
	r := m.cfg.Replay
	if r == nil {
		return nil
	}
	n = min(max(n, 0), r.Steps)
	chart, compared := m.chart, m.compared
	m.sess.stop()
	// Said before the replay starts over: a violation at step n says so
	// instead, whether the UI reads it at once or later.
	m.status = fmt.Sprintf("at step %d of %d", n, r.Steps)
	// Set before starting over, which reads what the replay has published
	// so far: it may be at step n, paused, already, and publish no more.
	want := true
	m.pausing, m.seeking, m.stepsAsked = &want, &n, 0
	if err := m.startOver(m.sess.seed, m.sess.variant, true, n); err != nil {
		return tea.Quit
	}
	m.chart, m.compared = chart, compared
	return nil
}

// position is the step the replay shows, or is on its way to.
func (m *Model) position() int {
	if m.stepsAsked > 0 { // steps taken from where a seek, too, was going
		return min(max(m.view.Steps, m.stepFrom+m.stepsAsked), m.cfg.Replay.Steps)
	}
	if m.seeking != nil {
		return *m.seeking
	}
	return m.view.Steps
}
