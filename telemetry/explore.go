package telemetry

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// ExploreCounters is what an exploration counts as its runs finish
// (explore.Counters): schedules run, and failures by invariant.
type ExploreCounters interface {
	Schedules() uint64
	ByInvariant() map[string]uint64
	// Reached counts the schedules that reached each situation, and
	// Distinct the (state, event) pairs and shutdown orders reached.
	Reached() map[string]uint64
	Distinct() (pairs, orders int)
}

// RegisterExploreMetrics exports an exploration's counters with reg:
// lab_explore_schedules_total, lab_explore_failures_total{invariant},
// lab_explore_reached_total{situation} and lab_explore_coverage{kind}.
// They are read from c at scrape time, so the workers only count.
func RegisterExploreMetrics(reg prometheus.Registerer, c ExploreCounters) error {
	return reg.Register(&exploreCollector{c: c,
		schedules: prometheus.NewDesc("lab_explore_schedules_total",
			"Schedules (seeded runs) lab explore has finished, over all its workers.", nil, nil),
		failures: prometheus.NewDesc("lab_explore_failures_total",
			"Schedules lab explore found failing, by the invariant they broke first (determinism: two runs of a seed differed).",
			[]string{"invariant"}, nil),
		reached: prometheus.NewDesc("lab_explore_reached_total",
			"Schedules lab explore ran that reached each situation where lifecycle races live, before any violation (the report's sometimes): one never reached has tested nothing that follows from it.",
			[]string{"situation"}, nil),
		coverage: prometheus.NewDesc("lab_explore_coverage",
			"Distinct behaviours lab explore's runs have reached so far: ism_pairs, (state, event) pairs of the invocation state machine; shutdown_orders, orders an invoker went through the shutdown's phases. Flat: the search finds nothing new.",
			[]string{"kind"}, nil),
	})
}

type exploreCollector struct {
	c                                      ExploreCounters
	schedules, failures, reached, coverage *prometheus.Desc
}

func (x *exploreCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- x.schedules
	ch <- x.failures
	ch <- x.reached
	ch <- x.coverage
}

func (x *exploreCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(x.schedules, prometheus.CounterValue, float64(x.c.Schedules()))
	by := x.c.ByInvariant()
	for _, inv := range slices.Sorted(maps.Keys(by)) {
		ch <- prometheus.MustNewConstMetric(x.failures, prometheus.CounterValue, float64(by[inv]), inv)
	}
	reached := x.c.Reached()
	for _, s := range slices.Sorted(maps.Keys(reached)) {
		ch <- prometheus.MustNewConstMetric(x.reached, prometheus.CounterValue, float64(reached[s]), s)
	}
	pairs, orders := x.c.Distinct()
	ch <- prometheus.MustNewConstMetric(x.coverage, prometheus.GaugeValue, float64(pairs), "ism_pairs")
	ch <- prometheus.MustNewConstMetric(x.coverage, prometheus.GaugeValue, float64(orders), "shutdown_orders")
}

// AgainstCounters count how lab explore --against's reruns of failing
// seeds fared (explore.Counters.Against): by invariant, then outcome.
type AgainstCounters interface {
	Against() map[string]map[string]uint64
}

// RegisterAgainstMetrics exports, with reg, how the failing seeds fared
// rerun against setting (a variant, an on-panic or a retry-timers):
// lab_explore_against_total{against,invariant,outcome}, read from c at
// scrape time.
func RegisterAgainstMetrics(reg prometheus.Registerer, setting string, c AgainstCounters) error {
	return reg.Register(&againstCollector{c: c,
		reruns: prometheus.NewDesc("lab_explore_against_total",
			"Failing schedules lab explore reran with --against's setting, by the invariant the seed broke and how the rerun fared: "+
				"held (the invariant held), same (broke it the same way), other (broke it another way), skipped (not rerun: a shape the other side cannot take, or already has).",
			[]string{"invariant", "outcome"}, prometheus.Labels{"against": setting}),
	})
}

type againstCollector struct {
	c      AgainstCounters
	reruns *prometheus.Desc
}

func (x *againstCollector) Describe(ch chan<- *prometheus.Desc) { ch <- x.reruns }

func (x *againstCollector) Collect(ch chan<- prometheus.Metric) {
	by := x.c.Against()
	for _, inv := range slices.Sorted(maps.Keys(by)) {
		for _, outcome := range slices.Sorted(maps.Keys(by[inv])) {
			ch <- prometheus.MustNewConstMetric(x.reruns, prometheus.CounterValue, float64(by[inv][outcome]), inv, outcome)
		}
	}
}
