package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// BenchmarkSchedules measures complete runs (safety and liveness phases,
// invariants checked on every event, the log hashed) of the reference
// workload per second, on one goroutine. Spill stays in memory; telemetry
// is off.
func BenchmarkSchedules(b *testing.B) {
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
			b.Run(plan+"/"+v.String(), func(b *testing.B) {
				p, err := faults.LoadPlan(plan)
				if err != nil {
					b.Fatal(err)
				}
				picks := 0
				cpu := cpuTime(b)
				for i := 0; b.Loop(); i++ {
					picks += runOnce(b, uint64(i+1), v, p).Decisions.Picks
				}
				b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu).Seconds(), "schedules/cpu-s")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
				b.ReportMetric(float64(picks)/b.Elapsed().Seconds(), "picks/s")
			})
		}
	}
}

// BenchmarkSchedulesParallel is the same on every core: runs are
// independent, so exploration scales with cores.
func BenchmarkSchedulesParallel(b *testing.B) {
	p, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	var seed atomic.Uint64
	cpu := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			runOnce(b, seed.Add(1), invoker.Fixed, p)
		}
	})
	b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu).Seconds(), "schedules/cpu-s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
}

func runOnce(b *testing.B, seed uint64, v invoker.Variant, p *faults.Plan) *faults.Result {
	cfg := invoker.DefaultConfig()
	cfg.Variant = v
	r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkSnapshot100k takes a snapshot in the middle of a run of 100,000
// invocations: a full one, and the summary the live runner publishes 30
// times a second.
func BenchmarkSnapshot100k(b *testing.B) {
	cfg := invoker.DefaultConfig()
	w := faults.DefaultWorkload()
	w.Invocations = 100_000
	w.ArrivalSpan = 10 * time.Second
	w.ShutdownMin, w.ShutdownMax = 11*time.Second, 11*time.Second
	s, err := faults.New(faults.Options{Seed: 1, Node: cfg, Workload: w})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for s.Now() < 5*time.Second {
		if _, err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Snapshot", func(b *testing.B) {
		for b.Loop() {
			s.Snapshot()
		}
		b.ReportMetric(float64(len(s.Snapshot().Node.Invocations)), "invocations")
	})
	b.Run("Summary", func(b *testing.B) {
		for b.Loop() {
			s.Summary()
		}
	})
}

// BenchmarkHunting is how exploration runs a seed: the log is not hashed
// and the run stops at its first violation (buggy under shutdown-race
// mostly stops at the #2543 panic; fixed runs to the end).
func BenchmarkHunting(b *testing.B) { benchStoppingRuns(b, false) }

// BenchmarkDigested is how --check-determinism runs a seed: as hunting,
// with the events fingerprinted by Result.Digest instead of hashed.
func BenchmarkDigested(b *testing.B) { benchStoppingRuns(b, true) }

func benchStoppingRuns(b *testing.B, digest bool) {
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
			b.Run(plan+"/"+v.String(), func(b *testing.B) {
				p, err := faults.LoadPlan(plan)
				if err != nil {
					b.Fatal(err)
				}
				cfg := invoker.DefaultConfig()
				cfg.Variant = v
				picks, injected := 0, 0
				var virtual time.Duration
				cpu := cpuTime(b)
				for i := 0; b.Loop(); i++ {
					r, err := faults.Run(context.Background(), faults.Options{Seed: uint64(i + 1), Node: cfg, Plan: p,
						Workload: faults.DefaultWorkload(), SkipHash: true, Digest: digest, StopAtViolation: true})
					if err != nil {
						b.Fatal(err)
					}
					if digest && r.Digest == "" {
						b.Fatal("no digest")
					}
					picks += r.Decisions.Picks
					injected += r.FaultsInjected()
					virtual += r.End
				}
				cpuSeconds := (cpuTime(b) - cpu).Seconds()
				b.ReportMetric(float64(b.N)/cpuSeconds, "schedules/cpu-s")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
				b.ReportMetric(float64(picks)/b.Elapsed().Seconds(), "picks/s")
				// The anchors' fault rate and time compression: faults
				// injected, and virtual time simulated, per CPU second.
				b.ReportMetric(float64(injected)/cpuSeconds, "faults/cpu-s")
				b.ReportMetric(virtual.Seconds()/cpuSeconds, "virtual-s/cpu-s")
			})
		}
	}
}

// BenchmarkPickTime is the time per scheduler pick as the node
// grows from 4 to 64 partitions (one invoker each), on the reference
// workload's 64 invocations, fixed variant, no faults, log not hashed.
func BenchmarkPickTime(b *testing.B) {
	for _, parts := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			cfg := invoker.DefaultConfig()
			cfg.Variant, cfg.Partitions = invoker.Fixed, parts
			picks := 0
			cpu := cpuTime(b)
			for i := 0; b.Loop(); i++ {
				r, err := faults.Run(context.Background(), faults.Options{Seed: uint64(i + 1), Node: cfg,
					Workload: faults.DefaultWorkload(), SkipHash: true})
				if err != nil {
					b.Fatal(err)
				}
				picks += r.Decisions.Picks
			}
			b.ReportMetric(float64((cpuTime(b)-cpu).Nanoseconds())/float64(picks), "cpu-ns/pick")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(picks), "ns/pick")
		})
	}
}

// BenchmarkProgressVerdict is the time from a run's start to the progress
// invariant's verdict on a stalled invocation: seed 132 of `none`, fixed,
// six kills and no shutdown, where i030's retry loop is reported five
// simulated minutes after its last step forward.
func BenchmarkProgressVerdict(b *testing.B) {
	o := retryLoop(b)
	var virtual time.Duration
	for b.Loop() {
		r, err := faults.Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Violated(faults.Progress) {
			b.Fatal("no progress verdict")
		}
		virtual = r.End
	}
	b.ReportMetric(virtual.Seconds(), "virtual-s")
}

// BenchmarkDayOfRetries is the anchors' time-compression measure on a node
// that runs on: seed 132 of `none`, fixed, six kills and no shutdown, with
// the progress bound raised to 24 hours, so that i030's retry loop (one
// attempt every 10 s, #3217) runs a simulated day before the verdict.
// virtual-s/cpu-s is the compression; the idle stretches between retries
// cost nothing, so it measures how sparse the day is as much as the
// simulator.
func BenchmarkDayOfRetries(b *testing.B) {
	o := retryLoop(b)
	o.Bounds = faults.DefaultBounds()
	o.Bounds.Progress = 24 * time.Hour
	var virtual time.Duration
	var events uint64
	cpu := cpuTime(b)
	for b.Loop() {
		r, err := faults.Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Violated(faults.Progress) || r.End < 24*time.Hour {
			b.Fatalf("the verdict came at %v: %v", r.End, r.Violations)
		}
		virtual, events = r.End, r.Events
	}
	used := cpuTime(b) - cpu
	b.ReportMetric(virtual.Seconds(), "virtual-s")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(virtual.Seconds()*float64(b.N)/used.Seconds(), "virtual-s/cpu-s")
}

// BenchmarkProgressBacklog is a node whose queues take longer to drain
// than the progress bound: 50,000 invocations, fixed, no faults, with the
// bound cut to 1 s so that the monitor reports invocations waiting in the
// queue every few milliseconds of virtual time, many times over. What it
// measures is the monitor's cost as the backlog grows: linear in the
// invocations, where a scan of every invocation at each look was
// quadratic.
func BenchmarkProgressBacklog(b *testing.B) {
	o := fixedWithoutFaults(b)
	o.Workload.Invocations = 50_000
	o.Bounds = faults.DefaultBounds()
	o.Bounds.Progress = time.Second
	var found int
	for b.Loop() {
		r, err := faults.Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		found = 0
		for _, v := range r.Violations {
			if v.Invariant == faults.Progress {
				found++
			}
		}
	}
	if found < 2 {
		b.Fatalf("%d progress verdicts: the monitor did not look many times", found)
	}
	b.ReportMetric(float64(found), "verdicts")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*o.Workload.Invocations), "ns/invocation")
}

// retryLoop is seed 132 of `none`, fixed, six kills and no shutdown, where
// i030 loops on NotInvoked (#3217), hunting: the run stops at the verdict.
func retryLoop(b *testing.B) faults.Options {
	o := fixedWithoutFaults(b)
	o.Seed, o.Workload.Kills, o.Workload.Shutdown, o.StopAtViolation = 132, 6, false, true
	return o
}

// fixedWithoutFaults is a run of the reference workload, fixed, under
// `none`, its log not hashed.
func fixedWithoutFaults(b *testing.B) faults.Options {
	p, err := faults.LoadPlan("none")
	if err != nil {
		b.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Fixed
	return faults.Options{Seed: 1, Node: cfg, Plan: p, Workload: faults.DefaultWorkload(), SkipHash: true}
}

// BenchmarkParseSchedule reads a recorded schedule of 2,000 invocations
// (about 47,000 lines), as lab replay and lab shrink do first; B/op over
// the file's lines is what a replay holds and churns per line.
func BenchmarkParseSchedule(b *testing.B) {
	w := faults.DefaultWorkload()
	w.Invocations = 2000
	var rec bytes.Buffer
	if _, err := faults.Run(context.Background(), faults.Options{Seed: 1, Node: invoker.DefaultConfig(), Plan: &faults.Plan{Name: "none"},
		Workload: w, Record: &rec}); err != nil {
		b.Fatal(err)
	}
	src := rec.Bytes()
	lines := bytes.Count(src, []byte("\n"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := faults.ParseSchedule("bench.schedule", src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines), "lines")
}
