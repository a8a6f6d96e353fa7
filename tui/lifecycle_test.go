package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// lifeRow is the lane labelled label in the lifecycle panel on screen.
func lifeRow(t *testing.T, screen, label string) string {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok && strings.HasPrefix(line, "  ") {
			return rest
		}
	}
	t.Fatalf("no %q lane on the screen:\n%s", label, screen)
	return ""
}

// raceStory checks, on the violation panel of m, that w opens the
// lifecycle of the invocation the violation names and that its lanes tell
// the shutdown race: the invocation reached its partition while it had no
// leader (L comes after its first event), was queued under the new leader,
// the node's shutdown stepped the partition down and the invoker aborted
// it while the invoke still waited, and the invoker dequeued it after that
// and panicked. It returns the model with the lifecycle open and the
// invocation, or why the story is not that one.
func raceStory(t *testing.T, m Model) (Model, invoker.InvocationID, error) {
	t.Helper()
	if len(m.view.Violations) == 0 || m.view.Violations[0].Invariant != faults.NoPanic {
		return m, "", fmt.Errorf("the run's first violation is not a panic: %v", m.view.Violations)
	}
	v := m.view.Violations[0]
	want := cmp.Or(v.Inv, v.Event.Inv)
	m = keys(t, m, "w")
	screen := m.View()
	rec := m.st.invocations[want]
	if want == "" || m.life != want || rec == nil ||
		!strings.Contains(screen, fmt.Sprintf("LIFECYCLE %s · p%d · invoked", want, rec.partition)) {
		return m, want, fmt.Errorf("w in the violation panel did not open %q's lifecycle (opened %q)", want, m.life)
	}
	row := func(label string) []rune {
		for _, line := range strings.Split(screen, "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok && strings.HasPrefix(line, "  ") {
				return []rune(rest)
			}
		}
		return nil
	}
	leader, queue, node := row(fmt.Sprintf("p%d leader", rec.partition)), row("queue"), row("node")
	at := func(row []rune, g rune) int { return slices.Index(row, g) }
	l, q, s, a, d, panic := at(leader, 'L'), at(queue, 'Q'), at(leader, 'S'), at(leader, 'A'), at(queue, 'D'), at(node, '!')
	if !(0 <= l && l < q && q < s && s < a && a < d && d < panic) {
		return m, want, fmt.Errorf("want L < Q < S < A < D < !; got L %d, Q %d, S %d, A %d, D %d, ! %d", l, q, s, a, d, panic)
	}
	if strings.Trim(string(queue[q+1:d]), "=") != "" {
		return m, want, fmt.Errorf("the queue lane does not wait from Q to D: %q", string(queue))
	}
	return m, want, nil
}

// From the violation panel, w draws the race in the lanes of the
// invocation whose dequeue panicked (raceStory), and esc goes back to the
// panel. Not the README's seed: there the invocation that panics (seed
// 9: i043) was accepted while its partition (p0) led from the start, so
// its story has no L to draw. raceSeed is the first seed from 1 on whose buggy run tells
// raceStory at both sizes: under model revision 4 with a task joinable
// only at its last output, i036 reaches p3 while it has no leader after
// the mid-run step-down, is queued when p3 is elected again at epoch 2,
// and is dequeued after the shutdown's abort-all of p3 (seeds 172, 284
// and 380 are the others up to 400). Seeds 94, then 21, told it before.
const raceSeed = 165

func TestLifecycleShowsTheRace(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		cfg := testConfig(t)
		cfg.Options.Seed = raceSeed
		m, inv, err := raceStory(t, runToViolation(t, newTestModel(t, cfg, size[0], size[1])))
		if err != nil {
			t.Fatalf("seed %d, %s: %v:\n%s", raceSeed, inv, err, m.View())
		}
		golden(t, "lifecycle-"+map[int]string{80: "80x24", 120: "120x40"}[size[0]], m.View())
		m = keys(t, m, "<esc>")
		if m.life != "" || !m.panel || !strings.Contains(m.View(), "VIOLATION no-panic") {
			t.Fatalf("esc did not go back to the violation panel:\n%s", m.View())
		}
	}
}

// w opens the lifecycle of the invocation selected in the invocations
// pane; elsewhere it says how to pick one. tab closes it.
func TestLifecycleOfTheSelectedInvocation(t *testing.T) {
	m := stepTo(t, newTestModel(t, testConfig(t), 100, 30), 600)
	m = keys(t, m, "w")
	if m.life != "" || !strings.Contains(m.status, "select one in the invocations pane") {
		t.Fatalf("w on the timeline: life %q, status %q", m.life, m.status)
	}
	m = keys(t, m, "<tab><down><down>")
	want, ok := m.selectedInvocation()
	if !ok {
		t.Fatal("nothing selected")
	}
	m = keys(t, m, "w")
	screen := m.View()
	if m.life != want || !strings.Contains(screen, "LIFECYCLE "+string(want)) || !strings.Contains(screen, "its events and what it raced with") {
		t.Fatalf("w opened %q, want %q:\n%s", m.life, want, screen)
	}
	if !strings.Contains(lifeRow(t, screen, "status"), "I") {
		t.Errorf("the status lane does not mark the invocation invoked:\n%s", screen)
	}
	m = keys(t, m, "<tab>")
	if m.life != "" {
		t.Fatal("tab left the lifecycle open")
	}
}

// However many events share the lanes' columns, the first and last marks
// stay at the ends and a stretch fills only what lies between marks.
func TestLifecycleLanesCompress(t *testing.T) {
	l := lifecycle{inv: "i001", partition: 0}
	l.events = append(l.events, invoker.Event{Kind: invoker.KindEnqueue, Inv: "i001"})
	for range 100 {
		l.events = append(l.events, invoker.Event{Kind: invoker.KindJournal, Inv: "i001"})
	}
	l.events = append(l.events, invoker.Event{Kind: invoker.KindDequeue, Inv: "i001"},
		invoker.Event{Kind: invoker.KindTaskStart, Inv: "i001", Attempt: 12})
	rows := l.lanes(10)
	// 103 events on 10 columns: the dequeue, event 101, at column 8.
	if rows[1] != "Q=======D " {
		t.Errorf("queue lane %q, want \"Q=======D \"", rows[1])
	}
	// The attempt started in the last column, with a number past 9.
	if rows[2] != "         +" {
		t.Errorf("attempts lane %q", rows[2])
	}
	if l := (lifecycle{}); len(l.lanes(5)) != len(lifeLanes) {
		t.Error("an empty lifecycle has not every lane")
	}
}

// A task that panics ends its attempt with '!', not '|': the README's seed
// of none, fixed, with task panics, stops where an invoker re-raised the
// panic of a task of the invocation the violation names. The lane's last
// attempt is that task's: its number, running, then '!'. (An attempt
// before it, as when the invocation suspended and was invoked again,
// ends with '|'.)
func TestLifecycleMarksATaskPanic(t *testing.T) {
	cfg := testConfig(t)
	plan, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Options.Plan, cfg.Options.Node.Variant = plan, invoker.Fixed
	cfg.Options.Node.OnPanic, cfg.Options.Workload.Tasks.Panic = invoker.PanicWatched, 0.05
	m := runToViolation(t, newTestModel(t, cfg, 120, 40))
	m = keys(t, m, "w")
	screen := m.View()
	if v := m.view.Violations[0]; m.life == "" || v.Event.Inv != m.life || v.Check != invoker.TaskPanicMessage {
		t.Fatalf("w opened %q's lifecycle for %+v:\n%s", m.life, v, screen)
	}
	attempts := strings.TrimSpace(lifeRow(t, screen, "attempts"))
	start := strings.LastIndexFunc(attempts, func(r rune) bool { return '1' <= r && r <= '9' || r == '+' })
	if last := attempts[max(0, start):]; start < 0 || len(last) < 2 || !strings.HasSuffix(last, "!") ||
		strings.Trim(last[1:len(last)-1], "█") != "" {
		t.Errorf("attempts lane %q: want its last attempt's number, running, then !", attempts)
	}
}
