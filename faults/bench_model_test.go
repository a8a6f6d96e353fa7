package faults_test

import (
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// runEvents plays one run of the reference workload under shutdown-race
// (fixed variant) and returns its events as the log saw them.
func runEvents(b *testing.B) []invoker.Event {
	b.Helper()
	p, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Fixed
	var events []invoker.Event
	_, err = faults.Run(context.Background(), faults.Options{Seed: 1, Node: cfg, Plan: p,
		Workload: faults.DefaultWorkload(), Observers: []faults.Observer{
			faults.EventFunc(func(e invoker.Event) { events = append(events, e) })}})
	if err != nil {
		b.Fatal(err)
	}
	return events
}

// BenchmarkEventJSON encodes every event of a real run as the hashed log
// does (one line each, into a reused buffer): the cost of the canonical
// encoding alone, per run.
func BenchmarkEventJSON(b *testing.B) {
	events := runEvents(b)
	var buf []byte
	bytes := 0
	for b.Loop() {
		for i := range events {
			buf = events[i].AppendJSON(buf[:0])
			buf = append(buf, '\n')
			bytes += len(buf)
		}
	}
	b.ReportMetric(float64(len(events)), "events/op")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
}

// BenchmarkResult is what a finished run of the reference workload costs
// to report: Result copies the node's final state, every invocation
// included.
func BenchmarkResult(b *testing.B) {
	p, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Fixed
	s, err := faults.New(faults.Options{Seed: 1, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for !s.Done() {
		if _, err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		s.Result()
	}
	b.ReportMetric(float64(len(s.Result().Final.Invocations)), "invocations")
}
