package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key of the UI; the help pane and the footer list them.
type keyMap struct {
	Pause, Step, Faster, Slower                  key.Binding
	StepDown, Leader, Kill, Shutdown, Fault      key.Binding
	Variant, NewSeed                             key.Binding
	Filter, Pane, Up, Down, PgUp, PgDn, Top, End key.Binding
	Back, Help, Quit                             key.Binding
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Pause:    b("space", "pause/resume", " ", "p"),
		Step:     b(".", "step one decision", ".", "s"),
		Faster:   b("+", "faster", "+", "="),
		Slower:   b("-", "slower", "-", "_"),
		StepDown: b("d", "step a partition down", "d"),
		Leader:   b("l", "make a partition leader", "l"),
		Kill:     b("k", "kill an invocation", "k"),
		Shutdown: b("x", "start the node's shutdown", "x"),
		Fault:    b("f", "inject a fault now", "f"),
		Variant:  b("v", "switch variant, same seed", "v"),
		NewSeed:  b("n", "restart on a new seed", "n"),
		Filter:   b("/", "filter the timeline", "/"),
		Pane:     b("tab", "timeline/invocations/faults", "tab"),
		Up:       b("↑", "scroll up", "up"),
		Down:     b("↓", "scroll down", "down"),
		PgUp:     b("pgup", "page up", "pgup"),
		PgDn:     b("pgdn", "page down", "pgdown"),
		Top:      b("home", "oldest", "home"),
		End:      b("end", "follow the newest", "end"),
		Back:     b("esc", "close / cancel / clear filter", "esc"),
		Help:     b("?", "help", "?"),
		Quit:     b("q", "quit: finish the run, save it", "q", "ctrl+c"),
	}
}

// ShortHelp is the footer's legend.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Step, k.Shutdown, k.Fault, k.Filter, k.Help, k.Quit}
}

// FullHelp is the help pane, by column.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Pause, k.Step, k.Faster, k.Slower, k.Variant, k.NewSeed, k.Quit},
		{k.StepDown, k.Leader, k.Kill, k.Shutdown, k.Fault},
		{k.Filter, k.Pane, k.Up, k.Down, k.PgUp, k.PgDn, k.Top, k.End, k.Back, k.Help},
	}
}
