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

// A fault rule sent as a control (the terminal UI's f), outside the plan,
// has its series at 0 from the step that applies it, before it hits a
// message; then its hit counts.
func TestControlFaultCountedFromZero(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	o := options(t, 9, invoker.Fixed, "none")
	o.Observers = []faults.Observer{m}
	sim, err := faults.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dropAck := `lab_faults_injected_total{kind=drop,message=ack}`
	for range 50 {
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := countedSeries(families(t, reg))[dropAck]; ok {
		t.Fatal("the plan none has a drop of acks before any control")
	}
	if err := sim.Control(faults.Control{Kind: faults.ControlFault, Rule: faults.Rule{Action: faults.Drop, Kinds: []invoker.MsgKind{invoker.MsgAck}}}); err != nil {
		t.Fatal(err)
	}
	d, err := sim.Step()
	if err != nil || d.Kind != faults.StepControl {
		t.Fatalf("the step after a control: %v %v", d.Kind, err)
	}
	if n, ok := countedSeries(families(t, reg))[dropAck]; !ok || n != 0 {
		t.Fatalf("%s after the control: %v (present %t), want 0", dropAck, n, ok)
	}
	for !sim.Done() {
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if n := countedSeries(families(t, reg))[dropAck]; n != 1 {
		t.Errorf("%s at the end: %v, want the one ack the rule dropped", dropAck, n)
	}
}
