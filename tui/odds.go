package tui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lab/faults"
)

// The odds of a pick: while a pick waits for a person, the panel over the
// pane says what the runs that go on from each of its options come to
// (Config.Odds), so that the option that leads to a failure is seen
// before it is taken.

// odds is what the panel shows for the pick offered at step at: each
// option's line once computed, or a note (computing, or why not).
type odds struct {
	at      int
	options []string
	lines   []string
	note    string
}

// oddsMsg: the odds of the pick a session offered at step at.
type oddsMsg struct {
	sess  *session
	at    int
	lines []string
	err   error
}

// askOdds readies the odds of the pick the chooser offers, its options
// described as options; the next tick starts them (startOdds).
func (m *Model) askOdds(options []string) {
	if m.cfg.Odds == nil {
		return
	}
	m.odds = &odds{at: m.view.Steps, options: options, note: "running..."}
	if vs := m.view.Violations; len(vs) > 0 {
		// Every run on from here would stop at it.
		m.odds.note = "none: the run has violated " + vs[0].Invariant + " already"
		return
	}
	m.oddsWanted = true
}

// startOdds is the command that computes the odds asked for, off the UI's
// goroutine, from what the session recorded before the pick.
func (m *Model) startOdds() tea.Cmd {
	m.oddsWanted = false
	if m.odds == nil || m.view.Choices == nil {
		return nil
	}
	ctx, stop := context.WithCancel(m.ctx)
	m.stopOdds = stop
	sess, at, compute := m.sess, m.odds.at, m.cfg.Odds
	options := make([]faults.Choice, len(m.view.Choices))
	for i, c := range m.view.Choices {
		options[i] = c.Choice
	}
	return func() tea.Msg {
		data, err := sess.recorded()
		if err != nil {
			return oddsMsg{sess: sess, at: at, err: err}
		}
		cut, err := faults.ParseSchedule(sess.path, data)
		if err != nil {
			return oddsMsg{sess: sess, at: at, err: err}
		}
		lines, err := compute(ctx, cut, options)
		if err == nil && len(lines) != len(options) {
			err = fmt.Errorf("%d lines of odds for %d options", len(lines), len(options))
		}
		return oddsMsg{sess: sess, at: at, lines: lines, err: err}
	}
}

// gotOdds takes in the odds of a pick, if it is still the one offered.
func (m *Model) gotOdds(msg oddsMsg) {
	if m.odds == nil || msg.sess != m.sess || msg.at != m.odds.at {
		return
	}
	m.stopOddsJob()
	if msg.err != nil {
		m.odds.note = "not computed: " + msg.err.Error()
		return
	}
	m.odds.lines, m.odds.note = msg.lines, ""
}

// closeOdds drops the odds of a pick no longer offered.
func (m *Model) closeOdds() {
	m.stopOddsJob()
	m.odds, m.oddsWanted = nil, false
}

func (m *Model) stopOddsJob() {
	if m.stopOdds != nil {
		m.stopOdds()
		m.stopOdds = nil
	}
}

// oddsPanel is the odds block: a title, and a line for each option, the
// one selected marked.
func (m Model) oddsPanel() []string {
	o := m.odds
	lines := []string{styleTitle.Render("ODDS") + styleDim.Render("  runs going on from each option: later picks, tasks and faults drawn")}
	if o.note != "" {
		return append(lines, "  "+o.note)
	}
	width := 0
	for _, opt := range o.options {
		width = max(width, lipgloss.Width(opt))
	}
	for i, opt := range o.options {
		mark := "  "
		if m.choose != nil && i == m.choose.i {
			mark = "▸ "
		}
		lines = append(lines, fmt.Sprintf("%s%d %s%*s  %s", mark, i+1, opt, width-lipgloss.Width(opt), "", o.lines[i]))
	}
	return lines
}
