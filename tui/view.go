package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lab/faults"
	"lab/invoker"
)

// Styles add emphasis only: every state they mark also has a word or glyph.
var (
	styleTitle = lipgloss.NewStyle().Bold(true)
	styleBad   = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("9"))
	styleGood  = lipgloss.NewStyle().Foreground(lipgloss.Color("10"))
	styleDim   = lipgloss.NewStyle().Faint(true)
	styleSel   = lipgloss.NewStyle().Reverse(true)
)

// minBottom is the fewest lines the bottom pane gets.
const minBottom = 6

// tooSmall: the screen cannot show the UI, only what it needs.
func (m Model) tooSmall() bool { return m.width < 40 || m.height < 12 }

// View draws the screen: every line fits the width, and the lines fill the
// height exactly.
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	if m.tooSmall() {
		// Wrapped, so that a narrow screen still says what it needs.
		msg := fmt.Sprintf("lab: the terminal is %dx%d, too small: 40x12 at least (q quits)", m.width, m.height)
		return fit(strings.Split(ansi.Wordwrap(msg, max(m.width, 1), ""), "\n"), m.width, m.height)
	}
	if m.view == nil {
		return fit([]string{"lab: starting the run...", m.status}, m.width, m.height)
	}
	var lines []string
	lines = append(lines, m.header()...)
	l := m.layout()
	if l.tables > 0 {
		lines = append(lines, m.tables(l.tables)...)
	}
	if l.summary {
		lines = append(lines, m.invocationSummary()...)
		lines = append(lines, m.shutdownStrip())
	}
	bottom := m.bottom(l.bottom)
	for len(bottom) < l.bottom {
		bottom = append(bottom, "")
	}
	lines = append(lines, bottom[:l.bottom]...)
	lines = append(lines, m.footer()...)
	return fit(lines, m.width, m.height)
}

// layout is how many lines each part of the screen gets.
type layout struct {
	tables, bottom int
	summary        bool
}

const headerLines, summaryLines, footerLines = 2, 3, 2

func (m Model) layout() layout {
	rest := m.height - headerLines - footerLines
	l := layout{summary: true}
	// A panel (violation, help) takes the tables' room on small screens,
	// and the help the summary's too.
	big := !(m.panel || m.showHelp || m.life != "") || m.height >= 40
	if big {
		rows := max(len(m.view.Node.Partitions), len(m.view.Node.Invokers)) + 2
		l.tables = min(rows, max(0, rest-summaryLines-minBottom))
		if l.tables < 3 {
			l.tables = 0
		}
	}
	if rest-l.tables-summaryLines < minBottom || (m.showHelp && !big) {
		l.summary = false
	}
	l.bottom = rest - l.tables
	if l.summary {
		l.bottom -= summaryLines
	}
	return l
}

// bottomHeight is how many rows a page of the bottom pane scrolls.
func (m Model) bottomHeight() int {
	if m.view == nil {
		return 1
	}
	return max(1, m.layout().bottom-2)
}

func (m Model) header() []string {
	v, info := m.view, m.view.Info
	layout := "per-partition"
	if info.Node.SharedInvoker {
		layout = "shared"
	}
	if info.Node.SharedTmpDir {
		layout += ", shared tmp-dir"
	}
	if d := info.Node.TmpDirUse(); d != invoker.InTmpDirShared {
		layout += ", in-tmp-dir " + d.String()
	}
	// What differs from the defaults (a January 2025 node, but for its
	// keyed retry timers), which say nothing.
	if info.Node.OnPanic != invoker.PanicAbortsNode {
		layout += ", on-panic " + info.Node.OnPanic.String()
	}
	if info.Node.RetryTimers != invoker.RetryTimersKeyed {
		layout += ", retry-timers " + info.Node.RetryTimers.String()
	}
	if info.Node.PausedSlots != invoker.PausedSlotsReleased {
		layout += ", paused-slots " + info.Node.PausedSlots.String()
	}
	if info.Node.Yield != invoker.YieldOff {
		layout += ", yield " + info.Node.Yield.String()
	}
	if info.Node.VQueues != invoker.VQueuesOff {
		layout += ", vqueues " + info.Node.VQueues.String()
	}
	if t := info.Node.YieldThreshold; t > 0 {
		layout += ", yield-threshold " + t.String()
	}
	if info.Node.SpillDirs != invoker.SpillDirsKept {
		layout += ", spill-dirs " + info.Node.SpillDirs.String()
	}
	if t := info.Node.Throttle; t.On() {
		layout += ", throttle " + t.String()
		if t.Burst > 0 {
			layout += " burst " + strconv.Itoa(t.Burst)
		}
	}
	if n := info.Node.MemoryLimit; n > 0 {
		layout += ", memory-limit " + strconv.Itoa(n)
	}
	if p := info.Workload.Tasks.Panic; p > 0 {
		layout += ", task panics " + strconv.FormatFloat(p, 'g', -1, 64)
	}
	if n := info.Workload.Pauses; n > 0 {
		layout += ", " + strconv.Itoa(n) + " pauses"
	}
	if n := info.Workload.RetryNows; n > 0 {
		layout += ", " + strconv.Itoa(n) + " retry-nows"
	}
	if n := info.Node.EffectCapacity; n != invoker.DefaultConfig().EffectCapacity {
		layout += ", effect channel " + strconv.Itoa(n)
	}
	run := "▶ RUNNING " + formatSpeed(v.Speed)
	switch {
	case v.Err != nil:
		run = "■ STOPPED: " + v.Err.Error()
	case v.Done:
		run = "■ DONE"
	case v.Finishing:
		run = "▶ FINISHING"
	case v.Paused:
		run = styleTitle.Render("❚❚ PAUSED")
	}
	// The run's state before the layout: a narrow screen cuts the end.
	title := styleTitle.Render("lab")
	if r := m.cfg.Replay; r != nil {
		title += " replaying " + faults.ShellQuote(filepath.Base(r.Path)) + " ·" // a name's escapes shown, not obeyed
	}
	line1 := fmt.Sprintf("%s seed %d · %s · %s · %s · %s", title,
		info.Seed, info.Variant, info.Plan, run, layout)
	inv := styleGood.Render("invariants ok")
	if len(v.Violations) > 0 {
		inv = styleBad.Render("✗ VIOLATED " + violatedNames(v.Violations))
	}
	line2 := fmt.Sprintf("%s · %s/%s", v.At.Round(time.Microsecond), v.Phase, v.Stage)
	if v.Node.MemoryLimit > 0 {
		line2 += fmt.Sprintf(" · memory %d/%d", v.Node.MemoryInUse, v.Node.MemoryLimit)
	}
	if v.Node.PermitLimit > 0 {
		waiting := 0
		for _, p := range v.Node.Partitions {
			waiting += p.Waiting
		}
		line2 += fmt.Sprintf(" · permits %d/%d, %d waiting", v.Node.PermitsInUse, v.Node.PermitLimit, waiting)
	}
	if m.width >= 110 {
		// Narrower screens have it in the shutdown strip just below.
		sd := "no"
		if m.st.shutdown.started() {
			sd = m.st.shutdown.current(len(v.Node.Partitions), len(v.Node.Invokers))
		}
		line2 += " · shutdown: " + sd
	}
	if r := m.cfg.Replay; r != nil {
		line2 += fmt.Sprintf(" · %s · %d events · step %d of %d", inv, v.Events, v.Steps, r.Steps)
	} else {
		line2 += fmt.Sprintf(" · %s · %d events · %d steps", inv, v.Events, v.Steps)
	}
	if miss := m.st.missing(&v.Snapshot); miss > 0 {
		line2 += fmt.Sprintf(" (UI missed %d)", miss)
	}
	if id := m.traceID(); id != "" {
		line2 += " · trace " + id
	}
	return []string{line1, line2}
}

func (m Model) traceID() string {
	if m.cfg.TraceID == nil {
		return ""
	}
	return m.cfg.TraceID()
}

func violatedNames(vs []faults.Violation) string {
	var names []string
	seen := map[string]bool{}
	for _, v := range vs {
		if !seen[v.Invariant] {
			seen[v.Invariant] = true
			names = append(names, v.Invariant)
		}
	}
	return strings.Join(names, ", ")
}

func formatSpeed(s float64) string {
	if s == 0 {
		return "max speed"
	}
	return fmt.Sprintf("%gx", s)
}

// tables are the partitions and the invokers, side by side.
func (m Model) tables(height int) []string {
	left := m.partitionRows()
	right := m.invokerRows()
	rows := height
	out := make([]string, 0, rows)
	for i := range rows {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if i == rows-1 && (len(left) > rows || len(right) > rows) {
			l, r = styleDim.Render(fmt.Sprintf("… %d more", max(0, len(left)-rows+1))),
				styleDim.Render(fmt.Sprintf("… %d more", max(0, len(right)-rows+1)))
		}
		out = append(out, pad(l, partitionWidth)+"  "+r)
	}
	return out
}

const partitionWidth = 32

func (m Model) partitionRows() []string {
	snap := &m.view.Node
	held, queued := m.st.partitionCounts(snap.PermitLimit > 0)
	rows := []string{styleTitle.Render("PARTITIONS"), styleDim.Render("p  role      epoch reg  sm queue")}
	for _, p := range snap.Partitions {
		role, reg := "follower", "no"
		if p.Leader {
			role = "leader"
		}
		if p.Registered {
			reg = "yes"
		}
		waiting := queued[p.ID]
		if snap.PermitLimit > 0 {
			waiting = p.Waiting // with vqueues nothing queues in an invoker
		}
		rows = append(rows, fmt.Sprintf("%-2d %-9s %5d %-3s %3d %5d", p.ID, role, p.Epoch, reg, held[p.ID], waiting))
	}
	return rows
}

func (m Model) invokerRows() []string {
	rows := []string{styleTitle.Render("INVOKERS"), styleDim.Render("i  state      queue  mem disk seg slots depth")}
	for i, iv := range m.view.Node.Invokers {
		var hist []int
		if i < len(m.st.history) {
			hist = m.st.history[i]
		}
		state := invokerState(iv)
		if iv.State == invoker.InvokerDead {
			state = styleBad.Render(fmt.Sprintf("%-10s", state))
		} else {
			state = fmt.Sprintf("%-10s", state)
		}
		rows = append(rows, fmt.Sprintf("%-2d %s %5d %4d %4d %3d %5s %s", iv.ID, state, iv.QueueLen,
			iv.QueueInMemory, iv.QueueOnDisk, iv.SegmentsOnDisk, fmt.Sprintf("%d/%d", iv.SlotsUsed, iv.SlotLimit),
			sparkline(hist, m.sparkWidth())))
	}
	return rows
}

// sparkWidth is the room left for the queue-depth history.
func (m Model) sparkWidth() int {
	return max(4, min(historyCap, m.width-partitionWidth-2-41))
}

// invokerState is one word: dead outranks blocked, blocked outranks
// cancelled, cancelled outranks a dequeue waiting for its head segment's
// read, that one a queue asleep for a token with invokes to give, that
// one a queue waiting for the node's memory pool, and a loop that left
// running says where it got to.
func invokerState(iv invoker.InvokerSnapshot) string {
	switch {
	case iv.State == invoker.InvokerDead:
		return "DEAD ✗"
	case iv.Blocked:
		return "blocked"
	case iv.State == invoker.InvokerRunning && iv.Cancelled:
		return "cancelled"
	case iv.State == invoker.InvokerRunning && iv.HeadReading:
		return "reading"
	case iv.State == invoker.InvokerRunning && iv.Throttled && iv.QueueLen > 0:
		return "throttled"
	case iv.WaitsForMemory:
		return "no memory"
	}
	return iv.State.String()
}

var sparks = []rune(" ▁▂▃▄▅▆▇█")

// sparkline draws the latest width samples, scaled to their maximum.
func sparkline(h []int, width int) string {
	if len(h) > width {
		h = h[len(h)-width:]
	}
	top := 1
	for _, v := range h {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range h {
		b.WriteRune(sparks[(v*(len(sparks)-1)+top-1)/top])
	}
	return b.String()
}

func (m Model) invocationSummary() []string {
	var byStatus [invoker.StatusPaused + 1]int
	for _, p := range m.view.Node.Partitions {
		for s := range byStatus {
			byStatus[s] += p.ByStatus[s]
		}
	}
	line1 := styleTitle.Render("INVOCATIONS")
	for s := invoker.StatusInvoked; s <= invoker.StatusPaused; s++ {
		line1 += fmt.Sprintf("  %s %d", s, byStatus[s])
	}
	// The invokers count their state machines by state.
	var inFlight, waiting int
	for _, iv := range m.view.Node.Invokers {
		inFlight += iv.InFlight
		waiting += iv.WaitingRetry
	}
	line2 := styleDim.Render("state machines") + fmt.Sprintf("  in-flight %d  waiting-retry %d  ", inFlight, waiting)
	if stalled := m.stalled(); stalled != "" {
		return []string{line1, line2 + styleBad.Render(stalled)}
	}
	line2 += fmt.Sprintf("(invoked without one: %d)", max(0, byStatus[invoker.StatusInvoked]-inFlight-waiting))
	return []string{line1, line2}
}

// stalled says which invocation has gone longest without a step forward,
// once that is longer than any retry backoff: it is on its way to a
// progress violation, whose bound it names, and by backlog if it waits in
// a queue that moves.
func (m Model) stalled() string {
	st, v := m.shownStall(), m.view
	if st.Inv == "" {
		return ""
	}
	line := fmt.Sprintf("stalled: %s for %v of %v", st.Inv, (v.At - st.Since).Round(100*time.Millisecond), st.Bound)
	if st.Queued {
		line += ", in a moving queue"
	}
	return line
}

// shownStall is the stall the screen names (none until it outlasts every
// retry backoff): what g s goes to.
func (m Model) shownStall() faults.Stall {
	st, v := m.view.Stall, m.view
	if st.Inv == "" || v.At-st.Since <= v.Info.Node.Retry.Max {
		return faults.Stall{}
	}
	return st
}

// shutdownStrip shows the node's shutdown phases filling as they happen.
func (m Model) shutdownStrip() string {
	p := &m.st.shutdown
	if !p.started() && m.cfg.Replay != nil {
		return styleTitle.Render("SHUTDOWN") + "  not started" // a replay takes no controls
	}
	if !p.started() {
		return styleTitle.Render("SHUTDOWN") + "  not started (x starts it)"
	}
	parts, invs := len(m.view.Node.Partitions), len(m.view.Node.Invokers)
	steps := p.steps(parts, invs)
	var b strings.Builder
	b.WriteString(styleTitle.Render("SHUTDOWN"))
	for i, s := range steps {
		if i > 0 {
			b.WriteString(" ›")
		}
		b.WriteString(" " + s.String())
	}
	return b.String()
}

// footer is the prompt or the status, and the key legend.
func (m Model) footer() []string {
	var line string
	switch {
	case m.filtering:
		line = m.filterIn.View() + styleDim.Render("  enter: apply · esc: cancel")
	case m.going:
		line = m.gotoIn.View() + styleDim.Render("  enter: go · esc: cancel")
	case m.choose != nil && m.choose.listed:
		line = m.choose.list(m.width)
	case m.choose != nil:
		line = fmt.Sprintf("%s: ◂ %s ▸  %s", m.choose.title, styleSel.Render(m.choose.options[m.choose.i]),
			styleDim.Render("←→ choose · enter · esc"))
	default:
		line = m.status
	}
	return []string{line, m.legend()}
}

// legend is the footer's keys, as many as fit the width: those before
// help and quit go first, the last of them first, so that ? and q are
// always there (all the keys are in the help).
func (m Model) legend() string {
	keys := slices.DeleteFunc(m.keys.ShortHelp(), func(b key.Binding) bool { return !b.Enabled() })
	whole := m.help
	whole.Width = 0
	for len(keys) > 3 && lipgloss.Width(whole.ShortHelpView(keys)) > m.width {
		keys = slices.Delete(keys, len(keys)-3, len(keys)-2)
	}
	return m.help.ShortHelpView(keys)
}

// fit makes lines exactly width x height: cut, padded, the rest dropped.
func fit(lines []string, width, height int) string {
	var b strings.Builder
	for i := range height {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pad(ansi.Truncate(l, width, "…"), width))
	}
	return b.String()
}

// pad fills a line with spaces up to width cells.
func pad(s string, width int) string {
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}
