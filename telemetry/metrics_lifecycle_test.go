package telemetry_test

import (
	"strconv"
	"testing"

	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

// Step-downs and invoker deaths are counted as the events happen: the
// README's seed of shutdown-race kills one invoker at the node's shutdown in
// the buggy variant (invoker 1 at seed 2, invoker 0 at seed 69 before
// revision 4), and none in the fixed. The death is counted on the series of
// the invoker whose panic event says so, and on no other.
func TestMetricsStepDownsAndDeaths(t *testing.T) {
	for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
		t.Run(v.String(), func(t *testing.T) {
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			died := map[int]int{}
			r := runWith(t, faults.DefaultSeed, v, "shutdown-race", m, faults.EventFunc(func(e invoker.Event) {
				if e.Kind == invoker.KindPanic {
					died[e.Invoker]++
				}
			}))
			f := families(t, reg)
			if r.Kinds[invoker.KindStepDown] == 0 {
				t.Fatal("the run has no step-down")
			}
			if got := sum(t, f, "lab_partition_step_downs_total", nil); got != float64(r.Kinds[invoker.KindStepDown]) {
				t.Errorf("step-downs = %v, want %d", got, r.Kinds[invoker.KindStepDown])
			}
			if got := sum(t, f, "lab_invoker_deaths_total", nil); got != float64(r.Kinds[invoker.KindPanic]) {
				t.Errorf("deaths = %v, want %d", got, r.Kinds[invoker.KindPanic])
			}
			wantDeaths := 0
			if v == invoker.Buggy {
				wantDeaths = 1
			}
			if r.Kinds[invoker.KindPanic] != wantDeaths {
				t.Fatalf("seed %d of shutdown-race has %d invoker deaths in %s, want %d: the README's run changed", faults.DefaultSeed, r.Kinds[invoker.KindPanic], v, wantDeaths)
			}
			for i := range r.Final.Invokers {
				label := strconv.Itoa(i)
				if got := sum(t, f, "lab_invoker_deaths_total", map[string]string{"invoker": label}); got != float64(died[i]) {
					t.Errorf("deaths of invoker %d = %v, want %d", i, got, died[i])
				}
			}
			// Every invoker has a series from the start, so panels read 0.
			if n := len(f["lab_invoker_deaths_total"].GetMetric()); n != len(r.Final.Invokers) {
				t.Errorf("%d death series, want one per invoker (%d)", n, len(r.Final.Invokers))
			}
		})
	}
}
