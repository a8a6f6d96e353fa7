package telemetry_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

// The metrics of a real chart (seed 28 of none, buggy) say what its curve
// says: P at every point charted, the jump's pick, the picks and the runs;
// and they pass promlint.
func TestInevitableMetricsAreTheCurve(t *testing.T) {
	p, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Buggy
	var buf bytes.Buffer
	if _, err := faults.Run(context.Background(), faults.Options{Seed: 28, Node: cfg, Plan: p,
		Workload: faults.DefaultWorkload(), Record: &buf}); err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule("seed28", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	progress := new(explore.CurveProgress)
	reg := prometheus.NewPedanticRegistry()
	if err := telemetry.RegisterInevitableMetrics(reg, "seed28.schedule", progress); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, "lab_inevitable_failure_probability", "lab_inevitable_jump_pick"); err != nil || n != 0 {
		t.Fatalf("before the chart: %d series (%v)", n, err)
	}
	c, err := explore.Inevitable(context.Background(), s, explore.CurveConfig{Stride: 40, Suffixes: 20, Workers: 2, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		got[mf.GetName()] = mf.GetMetric()
	}
	probability := map[string]float64{}
	for _, m := range got["lab_inevitable_failure_probability"] {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["schedule"] != "seed28.schedule" {
			t.Errorf("labels %v", labels)
		}
		probability[labels["picks"]] = m.GetGauge().GetValue()
	}
	if len(probability) != len(c.Points) {
		t.Errorf("%d series for %d points", len(probability), len(c.Points))
	}
	for _, pt := range c.Points {
		if v, ok := probability[strconv.Itoa(pt.Picks)]; !ok || v != pt.P {
			t.Errorf("picks %d: series %v (%v), curve %v", pt.Picks, v, ok, pt.P)
		}
	}
	if c.Jump == nil || len(got["lab_inevitable_jump_pick"]) != 1 || got["lab_inevitable_jump_pick"][0].GetGauge().GetValue() != float64(c.Jump.Pick) {
		t.Errorf("jump %+v, series %v", c.Jump, got["lab_inevitable_jump_pick"])
	}
	if picks := got["lab_inevitable_picks"]; len(picks) != 1 || picks[0].GetGauge().GetValue() != float64(c.Picks) {
		t.Errorf("picks %v, curve %d", picks, c.Picks)
	}
	if runs := got["lab_inevitable_runs_total"]; len(runs) != 1 || runs[0].GetCounter().GetValue() != float64(c.Runs) {
		t.Errorf("runs %v, curve %d", runs, c.Runs)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("promlint: %v %v", err, problems)
	}
}
