package explore_test

import (
	"context"
	"fmt"
	"testing"

	"lab/explore"
	"lab/invoker"
)

// BenchmarkExplore is `lab explore` on one worker without the command
// around it: every seed is run to its first violation with the log
// unhashed and its coverage collected, as the command runs it. Against
// faults' BenchmarkHunting it shows what exploring adds per seed.
func BenchmarkExplore(b *testing.B) {
	for _, plan := range []string{"none", "shutdown-race"} {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
			b.Run(plan+"/"+v.String(), func(b *testing.B) {
				cfg := config(b, v, plan, uint64(b.N))
				cfg.Workers = 1
				r, err := explore.Explore(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				if r.Schedules != uint64(b.N) {
					b.Fatalf("%d schedules, want %d", r.Schedules, b.N)
				}
				b.ReportMetric(r.SchedulesPerCPUSecond, "schedules/cpu-s")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
			})
		}
	}
}

// BenchmarkBranchesOfTheRace is the odds the terminal UI shows at #2543's
// race in the README's run: 20 runs on from each of its two options.
func BenchmarkBranchesOfTheRace(b *testing.B) {
	cut, ready, plan := theRace(b)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				if _, err := explore.Branches(context.Background(), cut, ready,
					explore.BranchConfig{Runs: explore.DefaultBranchRuns, Plan: plan, Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
