package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
)

// Jobs run off the UI's goroutine on a key: the inevitability chart and
// the comparison with the fix. Their answers come back as messages (chartMsg,
// compareMsg); cancelJobs stops them on quit, restart or going back.

// startChart charts, off the UI's goroutine, when the session's first
// violation became inevitable, from the schedule saved at it.
func (m Model) startChart() (Model, tea.Cmd) {
	switch {
	case m.cfg.Inevitable == nil:
		m.status = "charting is not available here"
	case m.violationFile == "":
		m.status = "nothing to chart: no violation saved yet"
	case m.stopChart != nil:
		m.status = "still charting..."
	case m.chart != nil:
		m.panel, m.showHelp = true, false
	default:
		m.status = "charting when the violation became inevitable (a few seconds)..."
		ctx, stop := context.WithCancel(m.ctx)
		chart, sess, file := m.cfg.Inevitable, m.sess, m.violationFile
		m.stopChart = stop
		return m, func() tea.Msg {
			c, err := chart(ctx, file)
			return chartMsg{sess, c, err}
		}
	}
	return m, nil
}

// cancelJobs stops a chart or a comparison under way: its session is
// over, or the UI.
func (m *Model) cancelJobs() {
	for _, stop := range []*context.CancelFunc{&m.stopChart, &m.stopCompare, &m.stopOdds} {
		if *stop != nil {
			(*stop)()
			*stop = nil
		}
	}
}

// startCompare runs, off the UI's goroutine, the session's seed under its
// variant and under the fix (Config.Compare), for the violation panel. A
// session that sent controls is no longer its seed's run: the schedule
// saved at its violation is compared instead.
func (m Model) startCompare() (Model, tea.Cmd) {
	switch {
	case m.cfg.Compare == nil:
		m.status = "comparing is not available here"
	case m.sess == nil || !m.panel || m.view == nil || len(m.view.Violations) == 0:
		m.status = "c compares with the fix, from the violation panel"
	case m.sess.steered.any() && m.violationFile == "":
		m.status = "steered: the session is compared from the schedule saved at the violation, not saved yet"
	case m.stopCompare != nil:
		m.status = "still comparing..."
	case m.compared != nil:
		m.panel, m.showHelp, m.life = true, false, ""
	default:
		m.status = "comparing with the fix..."
		ctx, stop := context.WithCancel(m.ctx)
		compare, sess, file, first := m.cfg.Compare, m.sess, "", m.view.Violations[0]
		m.comparedFrom = "from the seed"
		if sess.steered.any() {
			file = m.violationFile // steered: not its seed's run
			m.comparedFrom = "from the schedule saved at the violation"
		}
		m.stopCompare = stop
		return m, func() tea.Msg {
			lines, err := compare(ctx, sess.seed, sess.variant, first, file)
			return compareMsg{sess, lines, err}
		}
	}
	return m, nil
}
