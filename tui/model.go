package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
	"lab/live"
)

// tickEvery paces the UI: 20 snapshots a second, however fast the run.
const tickEvery = 50 * time.Millisecond

// pane is what the bottom of the screen shows.
type pane uint8

const (
	paneTimeline pane = iota
	paneInvocations
	paneFaults
	numPanes
)

var paneNames = [numPanes]string{"timeline", "invocations", "faults"}

type (
	tickMsg    time.Time
	controlMsg struct {
		what string
		err  error
	}
	// violationSavedMsg: the session was saved at its first violation.
	violationSavedMsg struct {
		path string
		err  error
	}
	// chartMsg: the chart of when the first violation became inevitable.
	chartMsg struct {
		sess  *session
		chart Chart
		err   error
	}
	// compareMsg: where the session's seed parts from the fix's.
	compareMsg struct {
		sess  *session
		lines []string
		err   error
	}
)

// Model is the UI. It holds the latest view it has read (immutable, shared
// by nobody but the runner that published it) and what it derived from the
// events; the simulator stays on the runner's goroutine.
type Model struct {
	ctx  context.Context
	cfg  *Config
	sess *session
	view *live.View
	st   *state

	width, height int
	keys          keyMap
	help          help.Model
	filterIn      textinput.Model
	filtering     bool
	// gotoIn is the go-to prompt of a replay, while going; seeking is the
	// step a replay was last sent to, until a view shows it (a key
	// pressed before then moves from there, not from the view before).
	gotoIn textinput.Model
	going  bool
	// stallAtGo is the stall where g was pressed, for g s.
	stallAtGo faults.Stall
	seeking   *int
	// stepsAsked are the single steps taken in a replay since stepFrom
	// that the view may not show yet: a seek right after them moves from
	// where they lead (50 steps then 100 ahead went to 100, not 150).
	stepFrom, stepsAsked int
	filter               filter
	pane                 pane
	// scroll is how many lines the timeline is scrolled up (0 follows).
	scroll int
	// inv is the invocation selected in the invocations pane ("": the
	// newest); the selection stays on it while newer ones arrive.
	inv    invoker.InvocationID
	choose *chooser
	// picking: a asked for the next pick with a choice, not yet offered
	// or taken; takingOver, when that pick is a replay's.
	picking    bool
	takingOver *takingOver
	// odds are the odds of the pick offered (odds.go); oddsWanted asks
	// the next tick to compute them, and stopOdds stops that.
	odds       *odds
	oddsWanted bool
	stopOdds   context.CancelFunc
	showHelp   bool
	// life is the invocation whose lifecycle the panel shows (""; none),
	// its events scrolled up by lifeScroll.
	life       invoker.InvocationID
	lifeScroll int
	// panel shows the violation panel; violations counts those shown.
	panel      bool
	violations int
	// violationFile is the session saved at its first violation, once saved;
	// saving asks for that save on the next tick.
	violationFile string
	saving        bool
	// chart is when the first violation became inevitable, once charted;
	// stopChart, while Config.Inevitable runs, stops it (quit, restart).
	chart     *Chart
	stopChart context.CancelFunc
	// compared is where the session's seed parts from the fix's, once
	// compared; stopCompare, while Config.Compare runs, stops it.
	compared []string
	// comparedFrom says what was compared: the seed, or the schedule
	// saved at the violation of a session steered by controls.
	comparedFrom string
	stopCompare  context.CancelFunc
	speed        float64
	// pausing is the pause state last asked for, until a view shows it:
	// a second key press before the next view toggles from the first.
	pausing *bool
	status  string
	// quitting: the user asked to quit; Run finishes and saves the session.
	quitting bool
	// goingBack, while a live session finishes to be played back.
	goingBack *goingBack
	err       error
}

// newModel is the UI of a running session.
func newModel(ctx context.Context, cfg *Config, s *session) Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "p3 invoker1 i042 queue.spill ..."
	in.CharLimit = 80
	to := textinput.New()
	to.Prompt = "go to: "
	to.Placeholder = "step, #event, v (violation), j (jump), s (stall), end"
	to.CharLimit = 24                      // the longest target is a step or event number
	to.Cursor.SetMode(cursor.CursorStatic) // a prompt of a few keys needs no blinking
	return Model{ctx: ctx, cfg: cfg, sess: s, st: newState(), width: 80, height: 24,
		keys: newKeyMap(cfg.Replay != nil, cfg.TakeOver != nil), help: help.New(), filterIn: in, gotoIn: to, speed: cfg.Speed}
}

func tick() tea.Cmd { return tea.Tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg(t) }) }

// nextTick asks for the next tick (tests send their own).
var nextTick = tick

// Init starts the ticks.
func (m Model) Init() tea.Cmd { return nextTick() }

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
	case tickMsg:
		if m.goingBack != nil {
			// The session is finishing off the loop: it is shown as it was.
			return m, nextTick()
		}
		m.follow()
		if m.sess == nil && m.err != nil {
			return m, tea.Quit // a replay that could not start over
		}
		cmds := []tea.Cmd{nextTick()}
		if m.saving {
			m.saving = false
			sess := m.sess
			cmds = append(cmds, func() tea.Msg {
				path, err := sess.saveViolation()
				return violationSavedMsg{path, err}
			})
		}
		if m.oddsWanted {
			cmds = append(cmds, m.startOdds())
		}
		return m, tea.Batch(cmds...)
	case violationSavedMsg:
		if msg.err != nil {
			m.status = msg.err.Error()
		} else {
			m.violationFile = msg.path
			if m.cfg.Inevitable != nil {
				// On the status line: the panel's title is full at 80 wide.
				m.status += " · i: when it became inevitable"
			}
		}
	case compareMsg:
		if msg.sess != m.sess {
			break // a comparison of a session since replaced
		}
		if m.stopCompare != nil {
			m.stopCompare() // done: releases its context
			m.stopCompare = nil
		}
		if msg.err != nil {
			m.status = "comparing failed: " + msg.err.Error()
		} else {
			m.compared, m.panel, m.showHelp, m.life = msg.lines, true, false, ""
			m.status = "compared with the fix, " + m.comparedFrom
		}
	case chartMsg:
		if msg.sess != m.sess {
			break // a chart of a session since replaced
		}
		m.cancelJobs() // done: releases its context
		if msg.err != nil {
			m.status = "charting failed: " + msg.err.Error()
		} else {
			m.chart, m.panel, m.showHelp = &msg.chart, true, false
			m.status = "charted when the violation became inevitable"
		}
	case playBackMsg:
		return m.playedBack(msg)
	case pickMsg:
		m.picked(msg)
	case oddsMsg:
		m.gotOdds(msg)
	case controlMsg:
		switch {
		case errors.Is(msg.err, live.ErrStopped) && m.view != nil && m.view.Done:
			m.status = msg.what + " refused: the run is over"
		case msg.err != nil:
			m.status = fmt.Sprintf("%s refused: %v", msg.what, msg.err)
		default:
			m.sess.steered.controls++
			m.status = msg.what + " sent"
		}
	case tea.KeyMsg:
		// Keys typed faster than they are read arrive as one message.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				var cmd tea.Cmd
				m, cmd = m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
				cmds = append(cmds, cmd)
			}
			return m, tea.Batch(cmds...)
		}
		return m.key(msg)
	}
	return m, nil
}

// playedBack goes on from a live session finished to play it back: as a
// replay, where it was, then with the keys typed since, in order.
func (m Model) playedBack(msg playBackMsg) (Model, tea.Cmd) {
	keys := m.goingBack.keys
	m.goingBack = nil
	switch {
	case msg.err != nil:
		m.sess, m.err = nil, msg.err
		return m, tea.Quit
	case msg.tooLarge:
		// Saved, and done: Run reports it as on quit, and says why it
		// was not played back.
		m.quitting = true
		return m, tea.Quit
	}
	m.playBack(msg)
	m.seek(msg.at) // where it was, then where the keys go
	saved := fmt.Sprintf("session saved to %s; it plays on as a replay, controls off", m.sess.path)
	var cmds []tea.Cmd
	for i, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.key(k)
		if i == 0 {
			m.status = saved + " · " + m.status
		}
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// follow reads every view published since the last one read.
func (m *Model) follow() {
	if m.sess == nil {
		return
	}
	if m.view == nil {
		first := m.sess.runner.First()
		if first == nil {
			return
		}
		// The first view read may already be where a seek or a pause was
		// going (the runner got there before the UI looked), so it is held
		// to the same checks as those after it.
		m.view = first
		m.read(first)
	}
	for v := m.view.Next(); v != nil; v = v.Next() {
		m.view = v
		m.read(v)
	}
	if n := len(m.view.Violations); n > m.violations {
		if m.cfg.Replay != nil {
			m.violationFile = m.cfg.Replay.Path // what the chart reads: the replay stops there
		} else {
			m.saving = m.saving || m.violations == 0
		}
		m.violations, m.panel, m.showHelp, m.pausing = n, true, false, nil
		m.status = "an invariant was violated: the run paused"
	}
	m.offerPick()
}

// read takes in one view: its events, and whether it is where a pause, a
// seek or single steps were going.
func (m *Model) read(v *live.View) {
	m.st.ingest(v)
	if m.scroll > 0 {
		// A timeline scrolled up stays where it is as events arrive.
		for i := range v.Fresh {
			if m.filter.match(&v.Fresh[i]) {
				m.scroll++
			}
		}
	}
	if m.pausing != nil && v.Paused == *m.pausing {
		m.pausing = nil
	}
	if m.seeking != nil && v.Steps >= *m.seeking {
		m.seeking = nil
	}
	if m.stepsAsked > 0 && v.Steps >= m.stepFrom+m.stepsAsked {
		m.stepsAsked = 0
	}
}

// control sends c into the run; the answer comes back as a controlMsg.
func (m Model) control(c faults.Control) tea.Cmd {
	r := m.sess.runner
	return func() tea.Msg { return controlMsg{what: c.String(), err: r.Control(c)} }
}
