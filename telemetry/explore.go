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
}

// RegisterExploreMetrics exports an exploration's counters with reg:
// lab_explore_schedules_total and lab_explore_failures_total{invariant}.
// They are read from c at scrape time, so the workers only bump atomics.
func RegisterExploreMetrics(reg prometheus.Registerer, c ExploreCounters) error {
	return reg.Register(&exploreCollector{c: c,
		schedules: prometheus.NewDesc("lab_explore_schedules_total",
			"Schedules (seeded runs) lab explore has finished, over all its workers.", nil, nil),
		failures: prometheus.NewDesc("lab_explore_failures_total",
			"Schedules lab explore found failing, by the invariant they broke first (determinism: two runs of a seed differed).",
			[]string{"invariant"}, nil),
	})
}

type exploreCollector struct {
	c                   ExploreCounters
	schedules, failures *prometheus.Desc
}

func (x *exploreCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- x.schedules
	ch <- x.failures
}

func (x *exploreCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(x.schedules, prometheus.CounterValue, float64(x.c.Schedules()))
	by := x.c.ByInvariant()
	for _, inv := range slices.Sorted(maps.Keys(by)) {
		ch <- prometheus.MustNewConstMetric(x.failures, prometheus.CounterValue, float64(by[inv]), inv)
	}
}
