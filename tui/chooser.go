package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lab/faults"
	"lab/invoker"
)

// chooser is a one-line prompt picking one of a few options.
type chooser struct {
	title   string
	options []string
	i       int
	apply   func(m *Model, i int) tea.Cmd
	// cancel, if set, is called when the chooser closes with nothing
	// chosen.
	cancel func(m *Model) tea.Cmd
	// listed shows every option at once, numbered, the selected one
	// marked: what a pick's options are read for is comparing them.
	listed bool
	// typed is the number typed so far into a numbered list: 1 of 12
	// options may be the start of 10 or 11, so it waits for enter.
	typed string
}

// list is a listed chooser's line in width: every option numbered, the
// selected one in brackets (and reversed), as many around it as fit.
func (c *chooser) list(width int) string {
	item := func(i int) string {
		s := fmt.Sprintf("%d %s", i+1, c.options[i])
		if i == c.i {
			return styleSel.Render("[" + s + "]")
		}
		return s
	}
	keys := styleDim.Render("  ←→ · enter · esc")
	room := width - lipgloss.Width(c.title) - 2 - lipgloss.Width(keys)
	// The options around the selected one that fit in room.
	window := func(room int) (from, to int) {
		from, to = c.i, c.i+1
		used := lipgloss.Width(item(c.i))
		for grown := true; grown; {
			grown = false
			if to < len(c.options) && used+3+lipgloss.Width(item(to)) <= room {
				used += 3 + lipgloss.Width(item(to))
				to, grown = to+1, true
			}
			if from > 0 && used+3+lipgloss.Width(item(from-1)) <= room {
				used += 3 + lipgloss.Width(item(from-1))
				from, grown = from-1, true
			}
		}
		return from, to
	}
	from, to := window(room)
	if from > 0 || to < len(c.options) {
		from, to = window(room - 8) // and a "… · " on either side
	}
	items := make([]string, 0, to-from+2)
	if from > 0 {
		items = append(items, "…")
	}
	for i := from; i < to; i++ {
		items = append(items, item(i))
	}
	if to < len(c.options) {
		items = append(items, "…")
	}
	return c.title + ": " + strings.Join(items, " · ") + keys
}

// chooserKey moves through the open chooser's options, or picks one.
func (m Model) chooserKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	c := *m.choose
	switch msg.String() {
	case "esc", "q":
		m.choose = nil
		if c.cancel != nil {
			return m, c.cancel(&m)
		}
		return m, nil
	case "left", "up", "h":
		c.i = (c.i + len(c.options) - 1) % len(c.options)
	case "right", "down", "l", "tab":
		c.i = (c.i + 1) % len(c.options)
	case "enter":
		m.choose = nil
		return m, c.apply(&m, c.i)
	case "backspace":
		if c.typed != "" {
			c.typed = c.typed[:len(c.typed)-1]
		}
	default:
		s := msg.String()
		if isDigit(c.options[0]) && len(s) == 1 && isDigit(s) {
			return m.typeNumber(c, s)
		}
		// An option's own name picks it; a digit picks the n-th option
		// of a list that is not numbered itself.
		for i, o := range c.options {
			if o == s {
				m.choose = nil
				return m, c.apply(&m, i)
			}
		}
		if len(s) == 1 && s >= "1" && s <= "9" && !isDigit(c.options[0]) && int(s[0]-'1') < len(c.options) {
			m.choose = nil
			return m, c.apply(&m, int(s[0]-'1'))
		}
	}
	m.choose = &c
	return m, nil
}

func isDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// typeNumber adds a digit to the number typed into a numbered list. The
// option it names is selected; it is picked at once only when no other
// option starts with it (with 12 partitions, 2 picks p2, 1 waits for a
// second digit or enter). A digit that makes a number no option starts
// with is ignored.
func (m Model) typeNumber(c chooser, digit string) (Model, tea.Cmd) {
	typed := c.typed + digit
	if !slices.ContainsFunc(c.options, func(o string) bool { return strings.HasPrefix(o, typed) }) {
		m.choose = &c
		return m, nil
	}
	c.typed = typed
	longer := false
	for i, o := range c.options {
		switch {
		case o == typed:
			c.i = i
		case strings.HasPrefix(o, typed):
			longer = true
		}
	}
	if c.options[c.i] == typed && !longer {
		m.choose = nil
		return m, c.apply(&m, c.i)
	}
	m.choose = &c
	return m, nil
}

func (m Model) partitionChooser(title string, c func(invoker.PartitionID) faults.Control) *chooser {
	var opts []string
	for p := range m.view.Node.Partitions {
		opts = append(opts, fmt.Sprint(p))
	}
	if len(opts) == 0 {
		return nil
	}
	return &chooser{title: title, options: opts, apply: func(m *Model, i int) tea.Cmd {
		return m.control(c(invoker.PartitionID(i)))
	}}
}

// killChooser offers the invocations touched lately that have not ended,
// newest first.
func (m *Model) killChooser() *chooser {
	return m.invocationChooser("kill invocation", "no invocation to kill", func(*invocation) (faults.ControlKind, string) {
		return faults.ControlKill, ""
	})
}

// pauseChooser offers the same, each to pause, or to resume if paused: a
// pause while it waits to retry and a resume before its backoff ends is
// the race of restatedev/restate#4064 (--retry-timers unkeyed).
func (m *Model) pauseChooser() *chooser {
	return m.invocationChooser("pause or resume invocation", "no invocation to pause or resume", func(inv *invocation) (faults.ControlKind, string) {
		if inv.status == invoker.StatusPaused {
			return faults.ControlResume, "resume "
		}
		return faults.ControlPause, "pause "
	})
}

// invocationChooser offers the invocations touched lately that have not
// ended, newest first, starting at the one selected in the invocations
// pane; control says what choosing one does, and the verb its option
// starts with.
func (m *Model) invocationChooser(title, none string, control func(*invocation) (faults.ControlKind, string)) *chooser {
	var invs []*invocation
	var kinds []faults.ControlKind
	var opts []string
	for i := len(m.st.touched) - 1; i >= 0; i-- {
		inv := m.st.invocations[m.st.touched[i]]
		if inv != nil && !inv.status.Terminal() {
			kind, verb := control(inv)
			invs, kinds = append(invs, inv), append(kinds, kind)
			opts = append(opts, fmt.Sprintf("%s%s p%d", verb, inv.id, inv.partition))
		}
	}
	if len(invs) == 0 {
		m.status = none
		return nil
	}
	c := &chooser{title: title, options: opts, apply: func(m *Model, i int) tea.Cmd {
		return m.control(faults.Control{Kind: kinds[i], Partition: invs[i].partition, Inv: invs[i].id})
	}}
	if sel, ok := m.selectedInvocation(); ok {
		for i, inv := range invs {
			if inv.id == sel {
				c.i = i
			}
		}
	}
	return c
}

// faultActions are the actions a fault injected now can take, with the
// parameters it uses (a control's fault hits the next matching message).
var faultActions = []faults.Action{faults.Delay, faults.Drop, faults.Reorder, faults.Duplicate}

func faultChooser() *chooser {
	var opts []string
	for _, a := range faultActions {
		opts = append(opts, a.String())
	}
	return &chooser{title: "fault action", options: opts, apply: func(m *Model, i int) tea.Cmd {
		m.choose = kindChooser(faultActions[i])
		return nil
	}}
}

func kindChooser(a faults.Action) *chooser {
	kinds := invoker.MsgKinds()
	var opts []string
	for _, k := range kinds {
		opts = append(opts, k.String())
	}
	c := &chooser{title: "fault " + a.String() + " the next message of kind", options: opts,
		apply: func(m *Model, i int) tea.Cmd {
			r := faults.Rule{Kinds: []invoker.MsgKind{kinds[i]}, Action: a, Limit: 1}
			switch a {
			case faults.Delay:
				r.DelayMin, r.DelayMax = 20*time.Millisecond, 20*time.Millisecond
			case faults.Reorder:
				r.OvertakesMin, r.OvertakesMax = 2, 2
			case faults.Duplicate:
				r.DelayMin, r.DelayMax = time.Millisecond, time.Millisecond
			}
			return m.control(faults.Control{Kind: faults.ControlFault, Rule: r})
		}}
	for i, k := range kinds {
		if k == invoker.MsgInvoke {
			c.i = i
		}
	}
	return c
}

func (m Model) variantChooser() *chooser {
	var opts []string
	cur := 0
	for i, v := range invoker.Variants() {
		opts = append(opts, v.String())
		if v == m.sess.variant {
			cur = i
		}
	}
	return &chooser{title: fmt.Sprintf("restart seed %d with variant", m.sess.seed), options: opts, i: cur,
		apply: func(m *Model, i int) tea.Cmd { return m.restart(m.sess.seed, invoker.Variants()[i]) }}
}
