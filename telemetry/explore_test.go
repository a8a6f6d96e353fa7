package telemetry

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type fakeCounters struct {
	schedules     uint64
	by, reached   map[string]uint64
	pairs, orders int
}

func (f *fakeCounters) Schedules() uint64              { return f.schedules }
func (f *fakeCounters) ByInvariant() map[string]uint64 { return f.by }
func (f *fakeCounters) Reached() map[string]uint64     { return f.reached }
func (f *fakeCounters) Distinct() (int, int)           { return f.pairs, f.orders }

// The exploration's counters are read at scrape time, one failures series
// per invariant, one reached series per situation, and pass promlint.
func TestExploreMetrics(t *testing.T) {
	c := &fakeCounters{schedules: 7, by: map[string]uint64{}}
	reg := prometheus.NewPedanticRegistry()
	if err := RegisterExploreMetrics(reg, c); err != nil {
		t.Fatal(err)
	}
	want := func(text string) {
		t.Helper()
		if err := testutil.GatherAndCompare(reg, strings.NewReader(text), "lab_explore_schedules_total", "lab_explore_failures_total"); err != nil {
			t.Fatal(err)
		}
	}
	want(`# HELP lab_explore_schedules_total Schedules (seeded runs) lab explore has finished, over all its workers.
# TYPE lab_explore_schedules_total counter
lab_explore_schedules_total 7
`)
	c.schedules, c.by = 12, map[string]uint64{"no-panic": 3, "determinism": 1}
	want(`# HELP lab_explore_schedules_total Schedules (seeded runs) lab explore has finished, over all its workers.
# TYPE lab_explore_schedules_total counter
lab_explore_schedules_total 12
# HELP lab_explore_failures_total Schedules lab explore found failing, by the invariant they broke first (determinism: two runs of a seed differed).
# TYPE lab_explore_failures_total counter
lab_explore_failures_total{invariant="determinism"} 1
lab_explore_failures_total{invariant="no-panic"} 3
`)
	c.reached, c.pairs, c.orders = map[string]uint64{"segment spilled": 4, "stale invoke dropped": 0}, 31, 3
	const coverage = `# HELP lab_explore_coverage Distinct behaviours lab explore's runs have reached so far: ism_pairs, (state, event) pairs of the invocation state machine; shutdown_orders, orders an invoker went through the shutdown's phases. Flat: the search finds nothing new.
# TYPE lab_explore_coverage gauge
lab_explore_coverage{kind="ism_pairs"} 31
lab_explore_coverage{kind="shutdown_orders"} 3
# HELP lab_explore_reached_total Schedules lab explore ran that reached each situation where lifecycle races live, before any violation (the report's sometimes): one never reached has tested nothing that follows from it.
# TYPE lab_explore_reached_total counter
lab_explore_reached_total{situation="segment spilled"} 4
lab_explore_reached_total{situation="stale invoke dropped"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(coverage), "lab_explore_reached_total", "lab_explore_coverage"); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Fatalf("promlint: %v %v", err, problems)
	}
}

type fakeAgainst map[string]map[string]uint64

func (f fakeAgainst) Against() map[string]map[string]uint64 { return f }

// The reruns against a setting are read at scrape time, one series per
// invariant and outcome, the setting a constant label, and pass promlint.
func TestAgainstMetrics(t *testing.T) {
	c := fakeAgainst{"no-panic": {"held": 0, "same": 0}}
	reg := prometheus.NewPedanticRegistry()
	if err := RegisterAgainstMetrics(reg, "fixed", c); err != nil {
		t.Fatal(err)
	}
	const help = `# HELP lab_explore_against_total Failing schedules lab explore reran with --against's setting, by the invariant the seed broke and how the rerun fared: held (the invariant held), same (broke it the same way), other (broke it another way), skipped (not rerun: a shape the other side cannot take, or already has).
# TYPE lab_explore_against_total counter
`
	want := func(text string) {
		t.Helper()
		if err := testutil.GatherAndCompare(reg, strings.NewReader(help+text), "lab_explore_against_total"); err != nil {
			t.Fatal(err)
		}
	}
	want(`lab_explore_against_total{against="fixed",invariant="no-panic",outcome="held"} 0
lab_explore_against_total{against="fixed",invariant="no-panic",outcome="same"} 0
`)
	c["no-panic"]["held"], c["clean-shutdown"] = 5, map[string]uint64{"same": 2}
	want(`lab_explore_against_total{against="fixed",invariant="clean-shutdown",outcome="same"} 2
lab_explore_against_total{against="fixed",invariant="no-panic",outcome="held"} 5
lab_explore_against_total{against="fixed",invariant="no-panic",outcome="same"} 0
`)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Fatalf("promlint: %v %v", err, problems)
	}
}
