package faults

import (
	"fmt"
	"strings"
	"time"

	"lab/invoker"
)

// Plan is a list of fault rules. For each message the first rule that
// matches and fires decides its fate; the others are not consulted.
type Plan struct {
	Name        string
	Description string
	Rules       []Rule
}

// Action is what a rule does to a message.
type Action uint8

const (
	// Delay holds the message back by a duration drawn from Delay. Messages
	// from the same sender stay in order behind it: a slow sender is slow
	// for everything it sends next.
	Delay Action = iota + 1
	// Drop loses the message.
	Drop
	// Reorder holds the message aside until up to Overtakes later
	// deliveries have passed it, whatever their sender.
	Reorder
	// Duplicate delivers the message twice; the copy arrives Delay later.
	Duplicate
)

var actionNames = invoker.Names[Action]{Delay: "delay", Drop: "drop", Reorder: "reorder", Duplicate: "duplicate"}

func (a Action) String() string { return actionNames.Name(a) }

func parseAction(s string) (Action, bool) { return actionNames.Parse(s, 0) }

// Rule selects messages and says what to do with them.
type Rule struct {
	Kinds []invoker.MsgKind
	// Partition, Epoch and Invocation narrow the selection when set.
	Partition  *invoker.PartitionID
	Epoch      *invoker.Epoch
	Invocation invoker.InvocationID
	Action     Action
	// Probability that a matching message is hit (1 when not written).
	Probability float64
	// Delay is drawn uniformly from [DelayMin, DelayMax].
	DelayMin, DelayMax time.Duration
	// A reordered message lets a number of later deliveries pass it, drawn
	// uniformly from [OvertakesMin, OvertakesMax].
	OvertakesMin, OvertakesMax int
	// The rule applies to messages sent in [From, To); To == 0 is open.
	From, To time.Duration
	// Limit caps how many messages the rule hits; 0 is no cap.
	Limit int
}

func (r Rule) String() string {
	var kinds []string
	for _, k := range r.Kinds {
		kinds = append(kinds, k.String())
	}
	s := fmt.Sprintf("%s %s", r.Action, strings.Join(kinds, ","))
	switch r.Action {
	case Delay:
		s += " by " + formatRange(r.DelayMin, r.DelayMax)
	case Duplicate:
		if r.DelayMax > 0 {
			s += ", copy " + formatRange(r.DelayMin, r.DelayMax) + " later"
		}
	case Reorder:
		if r.OvertakesMin == r.OvertakesMax {
			s += fmt.Sprintf(" overtaken by %d", r.OvertakesMin)
		} else {
			s += fmt.Sprintf(" overtaken by %d..%d", r.OvertakesMin, r.OvertakesMax)
		}
	}
	if r.Partition != nil {
		s += fmt.Sprintf(" p%d", *r.Partition)
	}
	if r.Epoch != nil {
		s += fmt.Sprintf(" epoch %d", *r.Epoch)
	}
	if r.Invocation != "" {
		s += " inv " + string(r.Invocation)
	}
	if r.Probability < 1 {
		s += fmt.Sprintf(" p=%g", r.Probability)
	}
	switch {
	case r.To > 0:
		s += fmt.Sprintf(" in [%v, %v)", r.From, r.To)
	case r.From > 0: // open-ended
		s += fmt.Sprintf(" from %v", r.From)
	}
	if r.Limit > 0 {
		s += fmt.Sprintf(" at most %d", r.Limit)
	}
	return s
}

func formatRange(lo, hi time.Duration) string {
	if lo == hi {
		return lo.String()
	}
	return lo.String() + ".." + hi.String()
}
