package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
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
	if msg.err != nil {
		m.sess, m.err = nil, msg.err
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

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case msg.Type == tea.KeyCtrlC:
		// From anywhere: a prompt, a chooser, a session going back.
		return m.quit()
	case m.tooSmall():
		// Nothing a key did could be seen: only q acts.
		if key.Matches(msg, m.keys.Quit) {
			return m.quit()
		}
		return m, nil
	case m.goingBack != nil && key.Matches(msg, m.keys.Quit):
		return m.quit()
	case m.goingBack != nil:
		m.goingBack.keys = append(m.goingBack.keys, msg)
		return m, nil
	case m.filtering:
		return m.filterKey(msg)
	case m.going:
		return m.gotoKey(msg)
	case m.choose != nil:
		return m.chooserKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, k.Back):
		switch {
		case m.showHelp:
			m.showHelp = false
		case m.life != "":
			m.life = ""
		case m.panel:
			m.panel = false
		default:
			m.filter, m.scroll = filter{}, 0
			m.filterIn.SetValue("")
		}
	case key.Matches(msg, k.Chart):
		return m.startChart()
	case key.Matches(msg, k.Lifecycle):
		m.openLifecycle()
	case key.Matches(msg, k.Compare):
		return m.startCompare()
	case key.Matches(msg, k.Filter):
		m.filtering = true
		m.filterIn.Focus()
		return m, textinput.Blink
	case key.Matches(msg, k.Pane):
		m.pane = (m.pane + 1) % numPanes
		m.panel, m.showHelp, m.life = false, false, ""
	case key.Matches(msg, k.Up):
		m.scrollBy(1)
	case key.Matches(msg, k.Down):
		m.scrollBy(-1)
	case key.Matches(msg, k.PgUp):
		m.scrollBy(m.bottomHeight())
	case key.Matches(msg, k.PgDn):
		m.scrollBy(-m.bottomHeight())
	case key.Matches(msg, k.Top):
		m.scrollBy(1 << 30)
	case key.Matches(msg, k.End):
		m.scroll, m.inv, m.lifeScroll = 0, "", 0
	}
	if b, off := k.off(msg.String()); off {
		m.status = b.Help().Desc + ": a replay steers nothing (its controls are in the schedule)"
		return m, nil
	}
	if m.cfg.Replay == nil && m.sess != nil && m.view != nil &&
		key.Matches(msg, k.StepBack, k.JumpBack, k.JumpAhead, k.GoTo) {
		// Going back in a live run: it becomes a replay of itself, played
		// from its saved schedule.
		if !m.sess.replayable() {
			m.status = "going back plays the saved schedule, and " + m.sess.path + " is not a file to read back"
			return m, nil
		}
		m.stallAtGo = m.shownStall() // g s: the replay is on its way back here
		m.cancelJobs()
		m.goingBack = &goingBack{keys: []tea.KeyMsg{msg}, done: make(chan struct{})}
		m.status = "finishing the session unpaced to play it back; keys wait until it plays"
		return m, m.finishToPlayBack(m.view.Steps)
	}
	if m.sess == nil || m.view == nil {
		return m, nil
	}
	r := m.sess.runner
	switch {
	case key.Matches(msg, k.Pause):
		want := !m.paused()
		m.pausing = &want
		if want {
			r.Pause()
			m.status = "paused"
		} else {
			r.Resume()
			m.status = "resumed"
		}
	case key.Matches(msg, k.StepBack):
		return m, m.seek(m.position() - 1)
	case key.Matches(msg, k.JumpBack):
		return m, m.seek(m.position() - 100)
	case key.Matches(msg, k.JumpAhead):
		return m, m.seek(m.position() + 100)
	case key.Matches(msg, k.GoTo):
		if m.seeking == nil { // the view shows where the replay is
			m.stallAtGo = m.shownStall()
		}
		m.going = true
		m.gotoIn.SetValue("")
		return m, m.gotoIn.Focus()
	case key.Matches(msg, k.Step):
		if !m.paused() {
			r.Pause()
			want := true
			m.pausing = &want
		}
		if m.cfg.Replay != nil {
			if m.stepsAsked == 0 {
				m.stepFrom = m.position()
			}
			m.stepsAsked++
		}
		r.StepOne()
		m.status = "one step"
	case key.Matches(msg, k.Faster):
		if m.speed == 0 {
			m.status = "already as fast as it goes"
			break
		}
		m.setSpeed(m.speed * 2)
	case key.Matches(msg, k.Slower):
		m.setSpeed(m.speed / 2)
	case key.Matches(msg, k.StepDown):
		m.choose = m.partitionChooser("step down partition", func(p invoker.PartitionID) faults.Control {
			return faults.Control{Kind: faults.ControlStepDown, Partition: p}
		})
	case key.Matches(msg, k.Leader):
		m.choose = m.partitionChooser("make leader (next epoch) partition", func(p invoker.PartitionID) faults.Control {
			return faults.Control{Kind: faults.ControlLeader, Partition: p}
		})
	case key.Matches(msg, k.Kill):
		m.choose = m.killChooser()
	case key.Matches(msg, k.PauseInv):
		m.choose = m.pauseChooser()
	case key.Matches(msg, k.Shutdown):
		return m, m.control(faults.Control{Kind: faults.ControlShutdown})
	case key.Matches(msg, k.Fault):
		m.choose = faultChooser()
	case key.Matches(msg, k.Choose):
		m.askPick()
	case key.Matches(msg, k.Variant):
		m.choose = m.variantChooser()
	case key.Matches(msg, k.NewSeed):
		return m, m.restart(m.cfg.NewSeed(), m.sess.variant)
	}
	return m, nil
}

// openLifecycle opens the lifecycle panel on the invocation the
// violation panel names, or else on the one selected in the invocations
// pane.
func (m *Model) openLifecycle() {
	var id invoker.InvocationID
	if m.panel && m.view != nil && len(m.view.Violations) > 0 {
		v := m.view.Violations[0]
		id = cmp.Or(v.Inv, v.Event.Inv)
		if id == "" {
			m.status = "the violation names no invocation"
			return
		}
	} else if id, _ = m.selectedInvocation(); id == "" {
		m.status = "w shows an invocation's lifecycle: select one in the invocations pane (tab), or press w in the violation panel"
		return
	}
	m.life, m.lifeScroll, m.showHelp = id, 0, false
}

// paused is the run's pause state, as last asked for or else as last seen.
func (m *Model) paused() bool {
	if m.pausing != nil {
		return *m.pausing
	}
	return m.view.Paused
}

// setSpeed paces the run at s; 0 is as fast as it goes, which "faster"
// keeps and "slower" leaves for real time.
func (m *Model) setSpeed(s float64) {
	switch {
	case m.speed == 0 && s == 0:
		s = 1
	case s > 1e6:
		s = 0
	case s < 1e-4:
		s = 1e-4
	}
	m.speed = s
	m.sess.runner.SetSpeed(s)
	m.status = "speed " + formatSpeed(s)
}

// control sends c into the run; the answer comes back as a controlMsg.
func (m Model) control(c faults.Control) tea.Cmd {
	r := m.sess.runner
	return func() tea.Msg { return controlMsg{what: c.String(), err: r.Control(c)} }
}

// restart stops the session (dropping its unfinished schedule) and starts
// another one. Both take milliseconds, so they happen here, in order.
func (m *Model) restart(seed uint64, v invoker.Variant) tea.Cmd {
	// A file the new session may not write (another output's) refuses
	// the restart, not the UI: the session goes on.
	if err := m.cfg.checkPaths(seed, v); err != nil {
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

func (m *Model) scrollBy(n int) {
	if m.life != "" {
		m.lifeScroll = max(0, m.lifeScroll+n)
		return
	}
	if m.pane == paneInvocations {
		ids := m.st.touched
		if len(ids) > 0 {
			// Rows are newest first: up (n > 0) goes to newer ones.
			row := min(max(0, m.selectedRow()-n), len(ids)-1)
			m.inv = ids[len(ids)-1-row]
		}
		return
	}
	m.scroll = max(0, m.scroll+n)
}

// quit ends the UI; Run then reports the session and saves it.
func (m Model) quit() (Model, tea.Cmd) {
	switch {
	case m.goingBack != nil:
		// Now: the session is saved once it has finished.
		m.goingBack.stop()
	case m.takingOver != nil:
		// Not taken over yet: what Run finishes is the replay.
		if cmd := m.seek(m.takingOver.back); cmd != nil {
			return m, cmd
		}
	}
	m.quitting = true
	m.cancelJobs()
	return m, tea.Quit
}

func (m Model) filterKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.filtering = false
		m.filterIn.Blur()
		f, err := parseFilter(m.filterIn.Value())
		if err != nil {
			m.status = err.Error()
			return m, nil
		}
		m.filter, m.scroll, m.pane = f, 0, paneTimeline
		return m, nil
	case tea.KeyEsc:
		m.filtering = false
		m.filterIn.Blur()
		m.filterIn.SetValue(m.filter.text)
		return m, nil
	}
	var cmd tea.Cmd
	m.filterIn, cmd = m.filterIn.Update(msg)
	return m, cmd
}

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
		compare, sess, file, invariant := m.cfg.Compare, m.sess, "", m.view.Violations[0].Invariant
		m.comparedFrom = "from the seed"
		if sess.steered.any() {
			file = m.violationFile // steered: not its seed's run
			m.comparedFrom = "from the schedule saved at the violation"
		}
		m.stopCompare = stop
		return m, func() tea.Msg {
			lines, err := compare(ctx, sess.seed, sess.variant, invariant, file)
			return compareMsg{sess, lines, err}
		}
	}
	return m, nil
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

func (m Model) gotoKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.going = false
		m.gotoIn.Blur()
		jumpAt := 0
		if m.chart != nil {
			jumpAt = m.chart.JumpAt
		}
		n, err := m.cfg.Replay.target(m.gotoIn.Value(), jumpAt, m.stallAtGo)
		if err != nil {
			m.status = err.Error()
			return m, nil
		}
		return m, m.seek(n)
	case tea.KeyEsc:
		m.going = false
		m.gotoIn.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.gotoIn, cmd = m.gotoIn.Update(msg)
	return m, cmd
}
