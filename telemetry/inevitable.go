package telemetry

import (
	"maps"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// InevitableChart is lab inevitable's chart as it fills in
// (explore.CurveProgress).
type InevitableChart interface {
	// Points are P(fail) by the number of picks kept, charted so far.
	Points() map[int]float64
	// Jump is the pick that raised P most, once named.
	Jump() (pick int, ok bool)
	// At says how many picks the schedule has and the suffix runs so far.
	At() (k, picks int, runs int64)
}

// RegisterInevitableMetrics exports the chart of schedule (a name for the
// schedule label) with reg, read at scrape time:
// lab_inevitable_failure_probability{schedule,picks},
// lab_inevitable_jump_pick{schedule}, lab_inevitable_picks{schedule} and
// lab_inevitable_runs_total{schedule}.
func RegisterInevitableMetrics(reg prometheus.Registerer, schedule string, c InevitableChart) error {
	label := prometheus.Labels{"schedule": schedule}
	return reg.Register(&inevitableCollector{c: c,
		probability: prometheus.NewDesc("lab_inevitable_failure_probability",
			"Share of seeded random suffixes that fail as the schedule did after its first `picks` scheduler picks are kept (lab inevitable).",
			[]string{"picks"}, label),
		jump: prometheus.NewDesc("lab_inevitable_jump_pick",
			"The scheduler pick whose decision raised the failure probability most (lab inevitable); absent until the chart names it.",
			nil, label),
		picks: prometheus.NewDesc("lab_inevitable_picks",
			"Scheduler picks of the failing schedule up to its violation (lab inevitable).", nil, label),
		runs: prometheus.NewDesc("lab_inevitable_runs_total",
			"Suffix runs lab inevitable has finished.", nil, label),
	})
}

type inevitableCollector struct {
	c                              InevitableChart
	probability, jump, picks, runs *prometheus.Desc
}

func (x *inevitableCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- x.probability
	ch <- x.jump
	ch <- x.picks
	ch <- x.runs
}

func (x *inevitableCollector) Collect(ch chan<- prometheus.Metric) {
	points := x.c.Points()
	for _, k := range slices.Sorted(maps.Keys(points)) {
		ch <- prometheus.MustNewConstMetric(x.probability, prometheus.GaugeValue, points[k], strconv.Itoa(k))
	}
	if pick, ok := x.c.Jump(); ok {
		ch <- prometheus.MustNewConstMetric(x.jump, prometheus.GaugeValue, float64(pick))
	}
	_, picks, runs := x.c.At()
	ch <- prometheus.MustNewConstMetric(x.picks, prometheus.GaugeValue, float64(picks))
	ch <- prometheus.MustNewConstMetric(x.runs, prometheus.CounterValue, float64(runs))
}
