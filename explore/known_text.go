package explore

import (
	"fmt"
	"strings"
)

// ofKnown says how much of the known coverage was reached ("" when none
// is known).
func (g *Gaps) ofKnown() string {
	switch {
	case g == nil:
		return ""
	case len(g.New) == 0:
		return fmt.Sprintf(", of the %d known to be reachable*", g.Known)
	}
	return fmt.Sprintf(", %d of them among the %d known to be reachable*", g.Reached, g.Known)
}

// writeGaps lists what of the known coverage was missed and what was
// reached that is not known.
func writeGaps(b *strings.Builder, g *Gaps, firstSeeds map[string]uint64) {
	if g == nil {
		return
	}
	writeList(b, "not reached: ", g.Unreached)
	news := make([]string, len(g.New))
	for i, key := range g.New { // with a seed to replay to see it
		news[i] = fmt.Sprintf("%s (seed %d)", key, firstSeeds[key])
	}
	writeList(b, "reached, never by the swarm: ", news)
}

// writeList writes items after label, comma-separated, in lines of at
// most 100 columns (an item longer than a line gets one of its own).
func writeList(b *strings.Builder, label string, items []string) {
	if len(items) == 0 {
		return
	}
	line, empty := "    "+label, true
	for i, item := range items {
		if i < len(items)-1 {
			item += ","
		}
		if !empty && len(line)+1+len(item) > 100 {
			b.WriteString(line + "\n")
			line, empty = strings.Repeat(" ", 4+len(label)), true
		}
		if !empty {
			line += " "
		}
		line, empty = line+item, false
	}
	b.WriteString(line + "\n")
}
