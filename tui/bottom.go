package tui

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"lab/faults"
	"lab/invoker"
)

// bottom is the pane under the tables: the violation panel, the help, or
// the pane chosen with tab; under the odds of a pick offered, if they
// leave it two lines.
func (m Model) bottom(height int) []string {
	if m.odds != nil && m.choose != nil {
		if block := m.oddsPanel(); len(block)+2 <= height {
			return append(block, m.underOdds(height-len(block))...)
		}
	}
	return m.underOdds(height)
}

// underOdds is the bottom without the odds.
func (m Model) underOdds(height int) []string {
	switch {
	case m.showHelp:
		return m.helpPane(height)
	case m.life != "":
		return m.lifecyclePanel(height)
	case m.panel && len(m.view.Violations) > 0:
		return m.violationPanel(height)
	}
	body := height - 1
	var title string
	var rows []string
	switch m.pane {
	case paneTimeline:
		title, rows = m.timeline(body)
	case paneInvocations:
		title, rows = m.invocationsPane(body)
	case paneFaults:
		title, rows = m.faultLog(body)
	}
	return append([]string{m.tabs() + "  " + styleDim.Render(title)}, rows...)
}

// tabs names the panes, the current one in brackets.
func (m Model) tabs() string {
	var b strings.Builder
	for p := range numPanes {
		if p > 0 {
			b.WriteString(" ")
		}
		if p == m.pane {
			b.WriteString(styleSel.Render("[" + paneNames[p] + "]"))
		} else {
			b.WriteString(" " + paneNames[p] + " ")
		}
	}
	return b.String()
}

// window is the part of rows a pane scrolled up by scroll shows.
func window[T any](rows []T, height, scroll int) ([]T, int) {
	scroll = min(scroll, max(0, len(rows)-height))
	end := len(rows) - scroll
	return rows[max(0, end-height):end], scroll
}

// timeline draws one row per event, with a lane per partition and one per
// invoker marked by a glyph of the event's kind.
func (m Model) timeline(height int) (string, []string) {
	parts, invs := len(m.view.Node.Partitions), len(m.view.Node.Invokers)
	rowsRoom := height - 1
	// Scrolling stops at the oldest event the filter selects.
	_, matching := m.st.latest(&m.filter, 0, 0)
	scroll := min(m.scroll, max(0, matching-rowsRoom))
	shown, _ := m.st.latest(&m.filter, rowsRoom, scroll)
	title := fmt.Sprintf("%d events kept", m.st.kept())
	if !m.filter.empty() {
		title = fmt.Sprintf("filter %q: %d of %d", m.filter.text, matching, m.st.kept())
	}
	if scroll > 0 {
		title += fmt.Sprintf(" · scrolled up %d (end follows)", scroll)
	}
	rows := []string{styleDim.Render(fmt.Sprintf("%-15s p:%s i:%s  %-6s %s", "time", laneHeader(parts), laneHeader(invs), "#seq", "event"))}
	for i := range shown {
		e := &shown[i]
		p, i := laneOf(e)
		rows = append(rows, fmt.Sprintf("%s p:%s i:%s  #%-5d %s", faults.FormatTime(e.At),
			lanes(parts, p, e), lanes(invs, i, e), e.Seq, e.String()))
	}
	return title, rows
}

// laneOf is the partition and invoker lanes an event belongs to (-1:
// none), from who its kind is about (invoker.KindInfo): a partition
// processor's events are not an invoker's, the node's are no one lane's,
// and a message (or a fault on one) is an invoker's only if it travels to
// one.
func laneOf(e *invoker.Event) (partition, invokerLane int) {
	partition, invokerLane = int(e.Partition), e.Invoker
	switch invoker.KindInfo(e.Kind).Actor {
	case invoker.ActorPartition:
		invokerLane = -1
	case invoker.ActorNode:
		partition, invokerLane = -1, -1
	case invoker.ActorMessage, invoker.ActorFault:
		if !toInvoker(e.Msg) {
			invokerLane = -1
		}
	case invoker.ActorSim:
		invokerLane = -1
	}
	return partition, invokerLane
}

// toInvoker reports whether messages of kind k are received by an invoker.
func toInvoker(k invoker.MsgKind) bool {
	switch k {
	case invoker.MsgTaskOutput, invoker.MsgTimer, invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup,
		invoker.MsgSegmentLoaded, invoker.MsgThrottleWake:
		return true
	}
	return k.IsInput()
}

func laneHeader(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteByte(byte('0' + i%10))
	}
	return b.String()
}

// lanes marks lane at with the event's glyph.
func lanes(n, at int, e *invoker.Event) string {
	b := []rune(strings.Repeat("·", n))
	if at >= 0 && at < n {
		b[at] = glyph(e.Kind)
	}
	return string(b)
}

// glyphs group the kinds, so a lane reads at a glance (legend in help).
var glyphs = func() [invoker.NumKinds]rune {
	var g [invoker.NumKinds]rune
	set := func(r rune, ks ...invoker.Kind) {
		for _, k := range ks {
			g[k] = r
		}
	}
	set('p', invoker.KindAccepted, invoker.KindRejected, invoker.KindStatus, invoker.KindJournal,
		invoker.KindEffectDropped, invoker.KindExitNoticed, invoker.KindVQWait, invoker.KindVQRun, invoker.KindVQPermit)
	set('L', invoker.KindLeader, invoker.KindRegister, invoker.KindTermBegin)
	set('S', invoker.KindStepDown, invoker.KindAbortAll, invoker.KindAbort, invoker.KindPurge, invoker.KindTermEnd)
	set('>', invoker.KindSent, invoker.KindUndelivered)
	set('Q', invoker.KindEnqueue)
	set('D', invoker.KindDequeue, invoker.KindVQInvoke, invoker.KindStaleInvoke, invoker.KindDuplicateInvoke)
	set('d', invoker.KindSpill, invoker.KindLoad, invoker.KindLoaded, invoker.KindSpillFailed, invoker.KindLoadFailed)
	set('#', invoker.KindSlotAcquired, invoker.KindSlotReleased)
	set('m', invoker.KindISM, invoker.KindAck, invoker.KindCompletion, invoker.KindRetryNow, invoker.KindPause)
	set('t', invoker.KindTaskStart, invoker.KindTaskEnd, invoker.KindTaskJoined, invoker.KindTaskOutput)
	set('r', invoker.KindRetry, invoker.KindTimerFired)
	set('z', invoker.KindThrottled, invoker.KindTokenDue)
	set('M', invoker.KindMemoryReserved, invoker.KindMemoryReturned)
	set('X', invoker.KindStopIngress, invoker.KindNodeAbort, invoker.KindCancel, invoker.KindShutdown, invoker.KindJoined,
		invoker.KindSpillRemoved, invoker.KindBlocked, invoker.KindUnblocked, invoker.KindRestart)
	set('!', invoker.KindPanic, invoker.KindViolation)
	set('F', invoker.KindFaultDelay, invoker.KindFaultDrop, invoker.KindFaultDuplicate, invoker.KindFaultReorder)
	set('C', invoker.KindControl)
	set('=', invoker.KindPhase, invoker.KindRun)
	return g
}()

func glyph(k invoker.Kind) rune {
	if k < invoker.NumKinds && glyphs[k] != 0 {
		return glyphs[k]
	}
	return '*'
}

const glyphLegend = "p partition bookkeeping (vqueue permits too)  L leader/register  S step-down/abort  > message  " +
	"Q enqueue  D dequeue or vqueue invoke  d disk (segment)  # slot  m state machine  t task  r retry/timer  z throttled  M memory  " +
	"X shutdown/restart  ! panic/violation  F fault  C control  = run/phase"

// invocationsPane lists the invocations touched last, newest first, as
// their events describe them.
func (m Model) invocationsPane(height int) (string, []string) {
	rows := []string{styleDim.Render(fmt.Sprintf("  %-6s %-3s %-10s %-20s %7s %7s  %s", "id", "p", "status", "state machine", "attempt", "journal", "trace"))}
	ids := m.st.touched
	sel := m.selectedRow()
	start := max(0, min(sel-(height-2), len(ids)-1))
	for i := start; i < len(ids) && len(rows) < height; i++ {
		id := ids[len(ids)-1-i]
		inv := m.st.invocations[id]
		if inv == nil {
			inv = &invocation{id: id, partition: invoker.NoPartition}
		}
		sm := "-"
		if inv.machine != invoker.ISMNone {
			sm = fmt.Sprintf("%s %s", inv.machine, inv.ple)
		}
		trace := cmp.Or(m.traceID(), "-")
		if m.cfg.TraceIDOf != nil {
			trace = cmp.Or(m.cfg.TraceIDOf(id), "-")
		}
		row := fmt.Sprintf("%-6s p%-2d %-10s %-20s %7d %7d  %s", id, inv.partition, inv.status, sm, inv.attempt, inv.journal, trace)
		if i == sel {
			row = styleSel.Render("> " + row)
		} else {
			row = "  " + row
		}
		rows = append(rows, row)
	}
	return fmt.Sprintf("%d touched lately, newest first · ↑↓ select · w its lifecycle · k kills it · u pauses or resumes it", len(ids)), rows
}

// selectedRow is the row of the selected invocation, newest first.
func (m Model) selectedRow() int {
	ids := m.st.touched
	for i := len(ids) - 1; i >= 0 && m.inv != ""; i-- {
		if ids[i] == m.inv {
			return len(ids) - 1 - i
		}
	}
	return 0
}

func (m Model) selectedInvocation() (invoker.InvocationID, bool) {
	ids := m.st.touched
	if m.pane != paneInvocations || len(ids) == 0 {
		return "", false
	}
	return ids[len(ids)-1-m.selectedRow()], true
}

// faultLog lists the faults injected and the controls sent.
func (m Model) faultLog(height int) (string, []string) {
	var rows []string
	for _, e := range m.st.faults {
		rows = append(rows, faults.DescribeEvent(e))
	}
	shown, _ := window(rows, height, m.scroll)
	var counts []string
	for a := faults.Delay; a <= faults.Duplicate; a++ {
		counts = append(counts, fmt.Sprintf("%s %d", a, m.view.Faults[a]))
	}
	title := fmt.Sprintf("%s · controls %d", strings.Join(counts, " · "), m.st.kinds[invoker.KindControl])
	if len(shown) == 0 {
		shown = []string{styleDim.Render("no fault injected and no control sent yet (f injects one)")}
	}
	return title, shown
}

// brokenBy names the event that broke an invariant, or for a violation
// found between events, when it was found and the event before.
func brokenBy(v faults.Violation) string {
	if v.Between {
		return fmt.Sprintf("  found at %s, after %s #%d %s", faults.FormatTime(v.At), faults.FormatTime(v.Event.At),
			v.Event.Seq, v.Event.String())
	}
	return fmt.Sprintf("  broken by %s #%d %s", faults.FormatTime(v.Event.At), v.Event.Seq, v.Event.String())
}

// violationPanel explains the first violation: what broke, the event that
// broke it, the events that led there (as the report prints them), and
// how to get it back.
func (m Model) violationPanel(height int) []string {
	v := m.view.Violations[0]
	state := "run paused"
	if !m.view.Paused {
		state = "run resumed"
	}
	more := ""
	if n := len(m.view.Violations); n > 1 {
		more = fmt.Sprintf(" (+%d more)", n-1)
	}
	// q is on the footer below.
	keys := " · esc: back · space: resume · w: lifecycle"
	if m.cfg.Replay != nil {
		keys = " · esc: back · , [ g: what led here · w: lifecycle"
	}
	head := []string{
		styleBad.Render("✗ VIOLATION "+v.Invariant) + more + " · " + state + styleDim.Render(keys),
		"  " + v.Detail,
		brokenBy(v),
	}
	if m.chart != nil {
		head = append(head, "  when it became inevitable:")
		for _, l := range m.chart.Lines {
			head = append(head, "    "+l)
		}
	}
	if m.compared != nil {
		head = append(head, "  against the fix, "+m.comparedFrom+":")
		for _, l := range m.compared {
			head = append(head, "    "+l)
		}
	}
	trace := m.traceID()
	if trace == "" {
		trace = "none (telemetry off)"
	}
	tail := []string{"  trace id  " + trace}
	if r := m.cfg.Replay; r != nil {
		tail = append(tail, "  replay    lab replay "+faults.ShellQuote(r.Path)+styleDim.Render("   (the schedule played)"))
		tail = append(tail, "  chart     lab inevitable "+faults.ShellQuote(r.Path)+styleDim.Render("   (or i, here)"))
		return m.withRecent(head, tail, v, height)
	}
	if m.violationFile != "" {
		tail = append(tail, "  replay    lab replay "+faults.ShellQuote(m.violationFile)+styleDim.Render("   (saved now: up to this violation)"),
			"  play      lab tui --replay "+faults.ShellQuote(m.violationFile)+styleDim.Render("   (or , here: step back from it)"))
	}
	if m.sess.replayable() {
		tail = append(tail, "  replay    lab replay "+faults.ShellQuote(m.sess.path)+styleDim.Render("   (the whole session: saved when you quit with q)"))
	} else {
		tail = append(tail, styleDim.Render("            the whole session goes to "+faults.ShellQuote(m.sess.path)+" when you quit with q: save what it reads to replay it"))
	}
	if !m.sess.steered.any() {
		tail = append(tail, "            "+m.cfg.Command(m.sess.seed, m.sess.variant)+styleDim.Render("   (nothing steered it: the seed alone reproduces it)"))
	} else {
		tail = append(tail, styleDim.Render(fmt.Sprintf("            %s: only the saved schedule reproduces this run", m.sess.steered)))
	}
	return m.withRecent(head, tail, v, height)
}

// withRecent fills the violation panel between head and tail with as many
// of the events that led to v as fit in height.
func (m Model) withRecent(head, tail []string, v faults.Violation, height int) []string {
	room := height - len(head) - len(tail) - 1
	recent := v.Recent
	if room < len(recent) {
		recent = recent[len(recent)-max(0, room):]
	}
	lines := append(head, fmt.Sprintf("  events leading to %s (last %d of %d):", v.Invariant, len(recent), len(v.Recent)))
	for _, e := range recent {
		lines = append(lines, "    "+faults.DescribeEvent(e))
	}
	return append(lines, tail...)
}

// helpPane lists every key and what the panes show.
func (m Model) helpPane(height int) []string {
	lines := []string{styleTitle.Render("HELP") + styleDim.Render(" · ? or esc closes")}
	cols := m.keys.FullHelp()
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	keyW, descW := make([]int, len(cols)), make([]int, len(cols))
	for j, c := range cols {
		for _, b := range c {
			keyW[j] = max(keyW[j], len(b.Help().Key))
			descW[j] = max(descW[j], len(b.Help().Desc))
		}
	}
	for i := range n {
		var row string
		for j, c := range cols {
			cell := ""
			if i < len(c) {
				h := c[i].Help()
				cell = fmt.Sprintf("%-*s %s", keyW[j], h.Key, h.Desc)
			}
			row += pad(cell, keyW[j]+descW[j]+3)
		}
		lines = append(lines, "  "+strings.TrimRight(row, " "))
	}
	text := helpText
	if m.cfg.Replay != nil {
		text = replayHelpText
	}
	text = lipgloss.NewStyle().Width(max(20, m.width-2)).Render(text)
	for _, l := range strings.Split(text, "\n") {
		lines = append(lines, "  "+l)
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return lines
}

const paneHelp = "Partitions: sm = its state machines holding a slot; queue = its invokes waiting " +
	"in the invoker's queue (with --vqueues, its permits and its vqueue). Invokers: queue length, in memory " +
	"and on disk (seg: segment files; a segment being read back counts in memory from its queue.load, " +
	"though the dequeue arm waits for its queue.loaded, and the invoker shows reading; with --throttle, a queue asleep for a token shows throttled; with --memory-limit, a queue waiting for the node's memory pool shows no memory), slots used/limit, depth: the queue length after each of " +
	"its latest changes. Timeline: a lane per partition (p:) and per invoker (i:), marked " +
	glyphLegend + ". Filter: p3 invoker1 i042 or a kind prefix (queue. pp.step-down). " +
	"Lifecycle (w, on the invocation selected or the violation's): its events and those it raced with " +
	"(its partition's leadership, its invoker's and the node's shutdown), in order, as lanes: order, not time, " +
	"because a race is decided within one instant. "

const helpText = paneHelp + "Quit finishes the run unpaced with no further controls, saves its schedule and prints " +
	"lab replay FILE, which reproduces the session byte for byte. Going back (, [ ] g) does the same, " +
	"then plays the saved session on as a replay from where it was."

const replayHelpText = paneHelp + "A replay goes back as well as forward: each move starts it again " +
	"and takes its first steps at once. Go to takes a step number, #N for the step " +
	"that logged event N, v for the violation, j for the jump of the chart (i), s for the last step forward " +
	"of the invocation stalled there, or end. Quit finishes the replay and prints its report."
