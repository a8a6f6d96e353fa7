package tui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
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
