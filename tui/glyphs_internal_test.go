package tui

import (
	"testing"

	"lab/invoker"
)

// Every kind of event has its lane's glyph: a kind added to the model
// without one would show as '*' in the timeline, in no group of the legend.
func TestEveryKindHasAGlyph(t *testing.T) {
	for k := invoker.KindNone + 1; k < invoker.NumKinds; k++ {
		if glyphs[k] == 0 {
			t.Errorf("%s has no glyph", k)
		}
	}
}
