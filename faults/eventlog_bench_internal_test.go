package faults

import (
	"context"
	"testing"

	"lab/invoker"
)

// BenchmarkEventLogHashed is what hashing costs a run: the event log of
// seed 1 (shutdown-race, fixed) encoded as canonical JSON and hashed
// with SHA-256 the way a run's log does it, in chunks, not line by line.
func BenchmarkEventLogHashed(b *testing.B) {
	p, err := LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Fixed
	var events []invoker.Event
	want, err := Run(context.Background(), Options{Seed: 1, Node: cfg, Plan: p, Workload: DefaultWorkload(),
		Observers: []Observer{EventFunc(func(e invoker.Event) { events = append(events, e) })}})
	if err != nil {
		b.Fatal(err)
	}
	l := newEventLog(nil, true)
	for b.Loop() {
		l.reset(nil, true, false)
		for i := range events {
			e := events[i]
			l.add(&e)
		}
		if got := l.sum(); got != want.Hash {
			b.Fatalf("hash %s, the run's %s", got, want.Hash)
		}
	}
	b.ReportMetric(float64(len(events)), "events/op")
}
