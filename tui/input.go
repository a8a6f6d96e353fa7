package tui

import (
	"cmp"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
)

// What each key does: the key map (keys.go) names them, this acts on them.

// key acts on one key. A prompt, a chooser or a session going back takes
// the keys first (ctrl+c excepted); a replay refuses those that steer.
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
