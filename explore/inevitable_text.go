package explore

import (
	"fmt"
	"io"
	"math"
	"strings"

	"lab/faults"
)

// WriteText writes the curve for a person: a sparkline, the points where P
// moved, the jump with what its pick did, and where failing became certain.
func (c *Curve) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "failure      %s\n", c.failure())
	drawn := "faults from plan " + c.Plan
	if c.Plan == "" {
		drawn = "no faults (a plan from a file is not in the schedule: give it with --plan)"
	}
	fmt.Fprintf(&b, "schedule     %d picks to the violation; after the first K, suffixes draw picks, task outcomes and %s\n", c.Picks, drawn)
	fmt.Fprintf(&b, "suffixes     %d after %s%s: %d runs in %.1fs on %s\n",
		c.Suffixes, c.every(), c.fineSpan(), c.Runs, c.Seconds, faults.Plural(c.Workers, "worker"))
	fmt.Fprintf(&b, "\nP(the same failure | the first K picks as recorded)\n")
	fmt.Fprintf(&b, "  K 0 %s %d\n", sparkline(c.coarse(), 64), c.lastCharted())
	fmt.Fprintf(&b, "  %6s  %5s  %s\n", "K", "P", "other failures")
	last := math.NaN()
	for i, p := range c.Points {
		if i > 0 && i < len(c.Points)-1 && math.Abs(p.P-last) < 0.05 {
			continue
		}
		fmt.Fprintf(&b, "  %6d  %5.2f  %d\n", p.Picks, p.P, p.Other)
		last = p.P
	}
	if j := c.Jump; j != nil {
		fmt.Fprintf(&b, "\njump         pick %d: P %.2f -> %.2f (step %d: g %d in lab tui --replay)\n  %s\n  %s\n",
			j.Pick, j.Before, j.After, j.AtStep, j.AtStep, j.Step, j.race())
		for _, o := range j.Otherwise {
			fmt.Fprintf(&b, "  %s\n", o)
		}
		for _, e := range j.Events {
			fmt.Fprintf(&b, "    %s\n", e)
		}
		for _, d := range j.Drawn {
			fmt.Fprintf(&b, "    drawn: %s\n", d)
		}
	} else {
		fmt.Fprintf(&b, "\njump         %s\n", c.noJump())
	}
	fmt.Fprintf(&b, "certain      %s\n", c.certain())
	if c.Interrupted {
		fmt.Fprintf(&b, "interrupted  %s\n", c.cutShort())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is the curve in a few lines, for a panel of the terminal UI.
func (c *Curve) Summary() []string {
	lines := []string{fmt.Sprintf("P(0) %.2f %s P(%d) %.2f   (%d suffixes every %d picks)",
		c.Points[0].P, sparkline(c.coarse(), 40), c.lastCharted(), c.Points[len(c.Points)-1].P, c.Suffixes, c.Stride)}
	if j := c.Jump; j != nil {
		// "step N" (g N goes there), not "#N": the UI numbers events so.
		what := strings.TrimPrefix(j.Step, fmt.Sprintf("#%d ", j.AtStep))
		lines = append(lines, fmt.Sprintf("jump at pick %d (step %d), P %.2f -> %.2f: %s", j.Pick, j.AtStep, j.Before, j.After, what))
		lines = append(lines, "  "+j.race())
		for _, o := range j.Otherwise {
			lines = append(lines, "  "+o.String())
		}
		if n := len(j.Events); n > 0 {
			lines = append(lines, "  "+j.Events[n-1])
		}
		for _, d := range j.Drawn {
			lines = append(lines, "  drawn: "+d)
		}
	} else {
		lines = append(lines, "jump "+c.noJump())
	}
	lines = append(lines, "certain "+c.certain())
	if c.Interrupted {
		lines = append(lines, "interrupted: "+c.cutShort())
	}
	return lines
}

// String says P had the pick gone the other way.
func (o CurveOtherwise) String() string {
	return fmt.Sprintf("had it taken %s: P %.2f", o.Took, o.P)
}

// race says what the jump's pick took, over what else was ready.
func (j *CurveJump) race() string {
	if len(j.Over) == 0 {
		return "took " + j.Took + ", the only thing ready"
	}
	return "took " + j.Took + " over " + strings.Join(j.Over, ", ")
}

// noJump says why the curve names no jump.
func (c *Curve) noJump() string {
	if c.Interrupted {
		return "not named: interrupted"
	}
	return fmt.Sprintf("none: P never rises by %.2f or more between two points", MinJump)
}

// lastCharted is the most picks kept of any point: Picks, unless the
// chart was interrupted before its last point.
func (c *Curve) lastCharted() int { return c.Points[len(c.Points)-1].Picks }

// cutShort says how far an interrupted chart got.
func (c *Curve) cutShort() string {
	if k := c.lastCharted(); k < c.Picks {
		return fmt.Sprintf("charted %s from 0 to %d of %d", c.every(), k, c.Picks)
	}
	return fmt.Sprintf("charted %s, but not yet the jump", c.every())
}

// every says which picks the curve charts.
func (c *Curve) every() string {
	if c.Stride == 1 {
		return "every pick"
	}
	return "every " + ordinal(c.Stride) + " pick"
}

func (c *Curve) certain() string {
	if c.lastCharted() < c.Picks {
		return fmt.Sprintf("not known: the points after pick %d were not charted", c.lastCharted())
	}
	if c.CertainFrom == 0 {
		return "from the start: every suffix fails the same way, whatever is drawn after the outside world's timeline"
	}
	return fmt.Sprintf("from pick %d on, every suffix fails the same way", c.CertainFrom)
}

func (c *Curve) failure() string {
	if c.Check == "" || c.Check == c.Invariant {
		return c.Invariant
	}
	return c.Invariant + ": " + c.Check
}

// fineSpan says where every pick was charted, if anywhere.
func (c *Curve) fineSpan() string {
	if c.FineTo-c.FineFrom < 2 {
		return ""
	}
	return fmt.Sprintf(" (and every pick from %d to %d)", c.FineFrom, c.FineTo)
}

// coarse are the points every Stride picks, and the last.
func (c *Curve) coarse() []float64 {
	var ps []float64
	for _, p := range c.Points {
		if p.Picks%c.Stride == 0 || p.Picks == c.Picks {
			ps = append(ps, p.P)
		}
	}
	return ps
}

// sparkline draws ps, at most width of them (evenly sampled), as block
// heights from 0 to 1.
func sparkline(ps []float64, width int) string {
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	n := min(len(ps), width)
	var b strings.Builder
	for i := range n {
		p := ps[i*len(ps)/n]
		if i == n-1 {
			p = ps[len(ps)-1]
		}
		b.WriteRune(levels[int(math.Round(p*float64(len(levels)-1)))])
	}
	return b.String()
}

func ordinal(n int) string {
	switch {
	case n%10 == 1 && n%100 != 11:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2 && n%100 != 12:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3 && n%100 != 13:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}
