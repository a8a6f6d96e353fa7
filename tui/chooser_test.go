package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// A numbered list takes numbers of more than one digit: with 12
// partitions, 1 waits for a second digit (10, 11) or enter, 2 picks p2 at
// once, and a digit no option goes on with is ignored.
func TestChooserTakesNumbers(t *testing.T) {
	for _, c := range []struct {
		typed string
		want  int // -1: nothing picked yet
	}{
		{"2", 2}, {"1", -1}, {"11", 11}, {"1<enter>", 1}, {"10", 10},
		{"15<enter>", 1}, {"1<backspace>3", 3}, {"0", 0}, {"<right><right><enter>", 2},
	} {
		picked := -1
		var opts []string
		for i := range 12 {
			opts = append(opts, fmt.Sprint(i))
		}
		m := Model{choose: &chooser{title: "step down", options: opts, apply: func(_ *Model, i int) tea.Cmd {
			picked = i
			return nil
		}}}
		for s := c.typed; s != ""; {
			var k tea.KeyMsg
			switch {
			case s[0] == '<':
				end := 1
				for s[end] != '>' {
					end++
				}
				k = tea.KeyMsg{Type: map[string]tea.KeyType{"enter": tea.KeyEnter, "backspace": tea.KeyBackspace, "right": tea.KeyRight}[s[1:end]]}
				s = s[end+1:]
			default:
				k = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{rune(s[0])}}
				s = s[1:]
			}
			if m.choose == nil {
				t.Fatalf("%q: the chooser closed before the last key", c.typed)
			}
			m, _ = m.chooserKey(k)
		}
		if picked != c.want {
			t.Errorf("typed %q: picked %d, want %d", c.typed, picked, c.want)
		}
		if open := m.choose != nil; open != (c.want < 0) {
			t.Errorf("typed %q: chooser open %v", c.typed, open)
		}
	}
}

// A listed chooser shows every option it has room for, numbered, the
// selected one in brackets and always among them, "…" where some are left
// out, and never runs past the width.
func TestListedChooserFits(t *testing.T) {
	opts := []string{"deliver register p1/e1", "invoker0 input", "invoker0 dequeue", "invoker0 shutdown", "invoker3 task"}
	for _, tc := range []struct {
		width, selected int
		shown, hidden   []int
	}{
		{200, 1, []int{0, 1, 2, 3, 4}, nil},
		{120, 0, []int{0, 1, 2}, []int{4}},
		{120, 4, []int{2, 3, 4}, []int{0}},
		{80, 2, []int{2}, []int{0, 4}},
	} {
		c := &chooser{title: "next pick (5 ready)", options: opts, i: tc.selected, listed: true}
		line := ansi.Strip(c.list(tc.width))
		if w := lipgloss.Width(line); w > tc.width {
			t.Errorf("width %d: the line is %d wide: %q", tc.width, w, line)
		}
		if want := fmt.Sprintf("[%d %s]", tc.selected+1, opts[tc.selected]); !strings.Contains(line, want) {
			t.Errorf("width %d: %q lacks the selected %q", tc.width, line, want)
		}
		for _, i := range tc.shown {
			if !strings.Contains(line, fmt.Sprintf("%d %s", i+1, opts[i])) {
				t.Errorf("width %d: %q lacks option %d", tc.width, line, i+1)
			}
		}
		for _, i := range tc.hidden {
			if strings.Contains(line, opts[i]) || !strings.Contains(line, "…") {
				t.Errorf("width %d: %q shows option %d, or no …", tc.width, line, i+1)
			}
		}
	}
	// Room kept for "…" is not taken from options that all fit.
	inputs := []string{"invoker0 input", "invoker1 input", "invoker2 input", "invoker3 input"}
	c := &chooser{title: "next pick (4 ready)", options: inputs, listed: true}
	if line := ansi.Strip(c.list(120)); strings.Contains(line, "…") || !strings.Contains(line, "4 invoker3 input") {
		t.Errorf("four that fit: %q", line)
	}
}

// Switching a node of one shared invoker to the per-term variant, which
// has none, is refused with a status line: the session on screen goes on.
func TestVariantTheNodeCannotRunIsRefused(t *testing.T) {
	cfg := testConfig(t)
	cfg.Options.Node.SharedInvoker = true
	m := newTestModel(t, cfg, 120, 40)
	before := m.sess
	m = keys(t, m, "v4")
	if m.sess != before || m.err != nil {
		t.Fatalf("the session was replaced (err %v)", m.err)
	}
	if !strings.Contains(m.status, "not restarted") || !strings.Contains(m.status, "shared invoker") {
		t.Errorf("status %q does not say why term was refused", m.status)
	}
}
