package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"lab/faults"
	"lab/invoker"
)

// A lifecycle is one invocation's story as the kept events tell it: its own
// events, and those it raced with (its partition's leadership, its
// invoker's shutdown or death, the node's), in the order they happened.
// The panel draws them as lanes over that order rather than over virtual
// time: a race is decided between events of one instant (#2543's abort-all,
// dequeue and panic share a timestamp), and order shows it where time
// cannot.
type lifecycle struct {
	inv       invoker.InvocationID
	partition invoker.PartitionID
	events    []invoker.Event
	// truncated: the timeline no longer keeps the invocation's first
	// events. leading: its partition had a leader when they begin (as far
	// as the kept events tell).
	truncated, leading bool
}

// lifecycleOf gathers inv's lifecycle from the events the timeline keeps:
// from its first event to its last, or to the newest if it has not ended.
func (s *state) lifecycleOf(inv invoker.InvocationID) lifecycle {
	l := lifecycle{inv: inv, partition: invoker.NoPartition}
	if rec := s.invocations[inv]; rec != nil {
		l.partition = rec.partition
	}
	kept := min(s.tlNext, timelineCap)
	invokers := map[int]bool{}
	last := -1
	for i := s.tlNext - kept; i < s.tlNext; i++ {
		e := &s.timeline[i%timelineCap]
		own := e.Inv == inv
		if len(l.events) == 0 && l.partition != invoker.NoPartition && e.Partition == l.partition {
			switch e.Kind {
			case invoker.KindLeader:
				l.leading = true
			case invoker.KindStepDown:
				l.leading = false
			}
		}
		if own && len(l.events) == 0 {
			l.truncated = s.tlNext > timelineCap && e.Kind != invoker.KindAccepted
			if l.partition == invoker.NoPartition {
				l.partition = e.Partition
			}
		}
		if !own && (len(l.events) == 0 || !l.racedWith(e, invokers)) {
			continue
		}
		if own && e.Invoker >= 0 && invoker.KindInfo(e.Kind).Actor == invoker.ActorInvoker {
			invokers[e.Invoker] = true
		}
		l.events = append(l.events, *e)
		if own {
			last = len(l.events)
		}
	}
	if rec := s.invocations[inv]; rec != nil && rec.status.Terminal() && last >= 0 {
		l.events = l.events[:last] // what came after its end is not its story
	}
	return l
}

// racedWith reports whether e, not inv's own, is part of inv's story: its
// partition's leadership, a shutdown or death of an invoker that held it,
// or the node's shutdown, abort or restart.
func (l *lifecycle) racedWith(e *invoker.Event, invokers map[int]bool) bool {
	switch e.Kind {
	case invoker.KindLeader, invoker.KindStepDown, invoker.KindAbortAll, invoker.KindPurge, invoker.KindTermEnd:
		return e.Partition == l.partition
	case invoker.KindCancel, invoker.KindShutdown, invoker.KindPanic:
		return invokers[e.Invoker]
	case invoker.KindStopIngress, invoker.KindNodeAbort, invoker.KindRestart:
		return true
	}
	return false
}

// A lifeLane is one row of the panel: what each event marks on it, and
// whether the mark opens a stretch (filled until a mark closes it).
type lifeLane struct {
	label string
	mark  func(l *lifecycle, e *invoker.Event) laneMark
	// before is the stretch open when the events begin, if any.
	before func(l *lifecycle) laneMark
}

type laneMark struct {
	glyph rune // 0: no mark
	// open starts a stretch filled with fill; shut ends one.
	open, shut bool
	fill       rune
}

func markOf(g rune) laneMark { return laneMark{glyph: g} }

// lifeLanes are the panel's rows, top to bottom.
var lifeLanes = []lifeLane{
	{"leader", func(l *lifecycle, e *invoker.Event) laneMark {
		switch {
		case e.Partition != l.partition:
		case e.Kind == invoker.KindLeader:
			return laneMark{glyph: 'L', open: true, fill: '─'}
		case e.Kind == invoker.KindStepDown:
			return laneMark{glyph: 'S', shut: true}
		case e.Kind == invoker.KindAbortAll:
			return markOf('A')
		case e.Kind == invoker.KindTermEnd:
			return markOf('E')
		case e.Kind == invoker.KindPurge:
			return markOf('P')
		}
		return laneMark{}
	}, func(l *lifecycle) laneMark {
		return laneMark{open: l.leading, fill: '─'}
	}},
	{"queue", func(l *lifecycle, e *invoker.Event) laneMark {
		own := e.Inv == l.inv
		switch {
		case own && e.Kind == invoker.KindEnqueue:
			return laneMark{glyph: 'Q', open: true, fill: '='}
		case own && e.Kind == invoker.KindDequeue:
			return laneMark{glyph: 'D', shut: true}
		case own && (e.Kind == invoker.KindStaleInvoke || e.Kind == invoker.KindDuplicateInvoke):
			return laneMark{glyph: 'x', shut: true}
		case e.Kind == invoker.KindPurge && e.Partition == l.partition:
			return laneMark{glyph: 'P', shut: true}
		case e.Kind == invoker.KindShutdown, e.Kind == invoker.KindNodeAbort, e.Kind == invoker.KindRestart,
			e.Kind == invoker.KindPanic && !own, e.Kind == invoker.KindTermEnd && e.Partition == l.partition:
			return laneMark{shut: true} // what was queued is gone
		}
		return laneMark{}
	}, nil},
	{"attempts", func(l *lifecycle, e *invoker.Event) laneMark {
		own := e.Inv == l.inv
		switch {
		case own && e.Kind == invoker.KindTaskStart:
			g := '+'
			if e.Attempt >= 1 && e.Attempt <= 9 {
				g = rune('0' + e.Attempt)
			}
			return laneMark{glyph: g, open: true, fill: '█'}
		case own && e.Kind == invoker.KindTaskEnd && e.Outcome == invoker.EndPanicked:
			return laneMark{glyph: '!', shut: true}
		case own && e.Kind == invoker.KindTaskEnd:
			return laneMark{glyph: '|', shut: true}
		case own && e.Kind == invoker.KindRetry:
			return laneMark{glyph: 'r', open: true, fill: '~'}
		case own && e.Kind == invoker.KindTimerFired:
			return laneMark{shut: true}
		case (e.Kind == invoker.KindAbortAll || e.Kind == invoker.KindTermEnd) && e.Partition == l.partition,
			e.Kind == invoker.KindShutdown,
			e.Kind == invoker.KindPanic, e.Kind == invoker.KindNodeAbort, e.Kind == invoker.KindRestart:
			return laneMark{shut: true} // its state machine is gone
		}
		return laneMark{}
	}, nil},
	{"status", func(l *lifecycle, e *invoker.Event) laneMark {
		switch {
		case e.Inv != l.inv:
		case e.Kind == invoker.KindAccepted:
			return markOf('I')
		case e.Kind == invoker.KindStatus:
			return markOf(statusGlyphs[invoker.Status(e.To)])
		}
		return laneMark{}
	}, nil},
	{"node", func(l *lifecycle, e *invoker.Event) laneMark {
		switch e.Kind {
		case invoker.KindStopIngress, invoker.KindCancel, invoker.KindShutdown:
			return markOf('X')
		case invoker.KindPanic, invoker.KindNodeAbort:
			return markOf('!')
		case invoker.KindRestart:
			return markOf('R')
		}
		return laneMark{}
	}, nil},
}

var statusGlyphs = map[invoker.Status]rune{invoker.StatusInvoked: 'I', invoker.StatusSuspended: 's',
	invoker.StatusCompleted: 'C', invoker.StatusFailed: 'F', invoker.StatusKilled: 'K', invoker.StatusPaused: 'p'}

const lifeLegend = "L leader S step-down A abort-all E term ended · Q queued = waiting D dequeued x dropped P purged · " +
	"1-9 attempt █ running | ended r~ retry wait · I invoked C completed F failed K killed s suspended · " +
	"X shutdown ! panic R restart"

// lanes draws every lane width columns wide: event i of n at column
// i*(width-1)/(n-1), so events of one column overwrite each other's marks
// and stretches run between the columns of their marks.
func (l *lifecycle) lanes(width int) []string {
	n := len(l.events)
	col := func(i int) int {
		if n < 2 {
			return 0
		}
		return i * (width - 1) / (n - 1)
	}
	rows := make([]string, len(lifeLanes))
	for r, ln := range lifeLanes {
		row := []rune(strings.Repeat(" ", width))
		open, from, fill := false, 0, ' '
		if ln.before != nil {
			if mk := ln.before(l); mk.open {
				open, from, fill = true, -1, mk.fill
			}
		}
		stretch := func(to int) {
			for c := from + 1; c < to; c++ {
				if row[c] == ' ' {
					row[c] = fill
				}
			}
		}
		for i := range l.events {
			c := col(i)
			mk := ln.mark(l, &l.events[i])
			if (mk.open || mk.shut) && open {
				stretch(c)
				open = false
			}
			if mk.open {
				open, from, fill = true, c, mk.fill
			}
			if mk.glyph != 0 {
				row[c] = mk.glyph
			}
		}
		if open {
			stretch(width)
		}
		rows[r] = string(row)
	}
	return rows
}

// lifecyclePanel draws the lifecycle of the invocation m.life: its lanes,
// the span of time and events they cover, and the events themselves,
// scrolled by m.lifeScroll.
func (m Model) lifecyclePanel(height int) []string {
	l := m.st.lifecycleOf(m.life)
	head := styleTitle.Render("LIFECYCLE " + string(l.inv))
	if rec := m.st.invocations[l.inv]; rec != nil {
		head = fmt.Sprintf("%s · p%d · %s", head, rec.partition, rec.status)
	}
	head += styleDim.Render(" · esc: back · ↑↓ scroll its events")
	if len(l.events) == 0 {
		return []string{head, fmt.Sprintf("  no event of %s is kept any more: the timeline keeps the latest %d", l.inv, timelineCap)}
	}
	const labelW = 10
	width := max(10, m.width-labelW-2)
	lines := []string{head}
	for i, row := range l.lanes(width) {
		label := lifeLanes[i].label
		if i == 0 {
			label = fmt.Sprintf("p%d %s", l.partition, label)
		}
		lines = append(lines, fmt.Sprintf("  %-*s%s", labelW, label, row))
	}
	first, last := l.events[0], l.events[len(l.events)-1]
	from := fmt.Sprintf("%s #%d", faults.FormatTime(first.At), first.Seq)
	to := fmt.Sprintf("#%d %s", last.Seq, faults.FormatTime(last.At))
	lines = append(lines, styleDim.Render(fmt.Sprintf("  %-*s%s%*s", labelW, "", from, max(1, width-len(from)), to)))
	if l.truncated {
		lines = append(lines, styleDim.Render(fmt.Sprintf("  (its first events are no longer kept: the timeline keeps the latest %d)", timelineCap)))
	}
	for _, legend := range strings.Split(lipgloss.NewStyle().Width(max(20, m.width-4)).Render(lifeLegend), "\n") {
		lines = append(lines, styleDim.Render("  "+legend))
	}
	room := height - len(lines) - 1
	rows := make([]string, len(l.events))
	for i, e := range l.events {
		rows[i] = "    " + faults.DescribeEvent(e)
	}
	shown, scroll := window(rows, max(0, room), m.lifeScroll)
	title := fmt.Sprintf("  its events and what it raced with, in order (%d)", len(rows))
	if scroll > 0 {
		title += fmt.Sprintf(" · scrolled up %d", scroll)
	}
	lines = append(lines, title)
	return append(lines, shown...)
}
