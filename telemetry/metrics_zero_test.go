package telemetry_test

import (
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

// Every counter series a run moves (histograms' counts too) exists at 0
// before the run, once Expect has been told the node and the plan's
// rules: a series that first appears at 5 loses those 5 to Prometheus'
// increase() and rate(). Over the swarm's shapes (partitions, shared
// invokers, task panics, every built-in plan) in every variant.
func TestCountersExistAtZeroBeforeTheRun(t *testing.T) {
	seeds := uint64(120)
	if testing.Short() {
		seeds = 30
	}
	moved := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed, invoker.Graceful} {
			node, w, plan := faults.SwarmShape(seed, v)
			p, err := faults.LoadPlan(plan)
			if err != nil {
				t.Fatal(err)
			}
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			m.Expect(node, p.Rules)
			before := countedSeries(families(t, reg))
			for key, n := range before {
				if n != 0 {
					t.Fatalf("seed %d %s: %s is %v before the run", seed, v, key, n)
				}
			}
			runOptions(t, faults.Options{Seed: seed, Node: node, Plan: p, Workload: w}, m)
			for key, n := range countedSeries(families(t, reg)) {
				if _, ok := before[key]; !ok && n > 0 {
					t.Errorf("seed %d %s (%s): %s appeared at %v during the run", seed, v, plan, key, n)
				}
				if n > 0 {
					moved++
				}
			}
		}
	}
	if moved == 0 {
		t.Fatal("no run moved a counter")
	}
}

// countedSeries are the counters and histogram counts of fams, by name and
// labels.
func countedSeries(fams map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, mf := range fams {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}
