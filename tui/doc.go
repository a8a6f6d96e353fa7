// Package tui is the lab's terminal UI: it watches a paced simulation
// (live.Runner) and steers it through the simulator's controls and picks
// taken by hand.
//
// The UI never touches the simulator. On a tea.Tick at 20 Hz it follows the
// runner's published views (live.View.Next) and folds the events they carry
// into its own state (ingest), so it sees every event exactly once without
// one tea message per event; the run never waits on rendering. Controls and
// picks go back over the runner's channel, so a session is a recorded
// schedule: on
// quit the run is finished headlessly and `lab replay FILE` reproduces it.
//
// Meaning is never carried by colour alone: every state has a word or a
// glyph, and NO_COLOR (honoured by lipgloss) leaves the screen readable.
package tui
