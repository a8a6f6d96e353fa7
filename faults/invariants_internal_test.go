package faults

import (
	"slices"
	"testing"

	"lab/invoker"
)

// ChecksTheModelKeeps are the checks no story can fire: the model's
// partition processor drops the effects of a term it no longer leads and
// never ends an invocation twice. They stay as a guard on changes to the
// model; TestChecksTheModelKeeps fires them on events made up for it, and
// TestInvariantStories fires every other check.
var ChecksTheModelKeeps = []string{CheckEffectAfterAbortAll, CheckEndedTwice}

func TestChecksTheModelKeeps(t *testing.T) {
	abortAll := invoker.Event{Kind: invoker.KindAbortAll, Invoker: 0, Partition: 0, Epoch: 1}
	effect := func(epoch invoker.Epoch) invoker.Event {
		return invoker.Event{Kind: invoker.KindJournal, Effect: invoker.EffJournalEntry, Invoker: invoker.NoInvoker,
			Partition: 0, Epoch: epoch, Inv: "a", Index: 1}
	}
	status := func(from, to invoker.Status) invoker.Event {
		return invoker.Event{Kind: invoker.KindStatus, Invoker: invoker.NoInvoker, Partition: 0, Epoch: 1, Inv: "a",
			From: invoker.State(from), To: invoker.State(to), Effect: invoker.EffNone}
	}
	for _, tc := range []struct {
		name   string
		events []invoker.Event
		want   []string
	}{
		{"an effect of the term an invoker aborted", []invoker.Event{abortAll, effect(1)}, []string{CheckEffectAfterAbortAll}},
		{"an effect of the next term", []invoker.Event{abortAll, effect(2)}, nil},
		{"an effect before the abort", []invoker.Event{effect(1), abortAll}, nil},
		{"ended, then ended again", []invoker.Event{status(invoker.StatusInvoked, invoker.StatusCompleted),
			status(invoker.StatusInvoked, invoker.StatusKilled)}, []string{CheckEndedTwice}},
		{"from one end to another", []invoker.Event{status(invoker.StatusCompleted, invoker.StatusKilled)},
			[]string{CheckEndedTwice}},
		{"ended once", []invoker.Event{status(invoker.StatusInvoked, invoker.StatusCompleted)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			c := new(checker).reset(Bounds{}, 1, nil, func() invoker.Event { return invoker.Event{} },
				func(v Violation) { got = append(got, v.Check) })
			for i := range tc.events {
				c.observe(&tc.events[i])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("checks fired %v, want %v", got, tc.want)
			}
		})
	}
}
