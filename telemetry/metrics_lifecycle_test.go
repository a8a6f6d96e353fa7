package telemetry_test

import (
	"testing"

	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

// Step-downs and invoker deaths are counted as the events happen: the
// README's seed of shutdown-race kills invoker 0 at the node's shutdown in
// the buggy variant, and none in the fixed.
func TestMetricsStepDownsAndDeaths(t *testing.T) {
	for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
		t.Run(v.String(), func(t *testing.T) {
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			r := runWith(t, faults.DefaultSeed, v, "shutdown-race", m)
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
			wantDead := 0.0
			if v == invoker.Buggy {
				wantDead = 1
			}
			if got := sum(t, f, "lab_invoker_deaths_total", map[string]string{"invoker": "0"}); got != wantDead {
				t.Errorf("deaths of invoker 0 = %v, want %v", got, wantDead)
			}
			// Every invoker has a series from the start, so panels read 0.
			if n := len(f["lab_invoker_deaths_total"].GetMetric()); n != len(r.Final.Invokers) {
				t.Errorf("%d death series, want one per invoker (%d)", n, len(r.Final.Invokers))
			}
		})
	}
}
