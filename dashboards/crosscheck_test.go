package dashboards_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"maps"
)

// Both ways: every metric a panel or variable reads is one the lab exports
// (or one `lab explore` will), and every metric the lab exports is on a
// panel or deliberately left off.
func TestMetricsCrossCheck(t *testing.T) {
	exported := exportedMetrics(t)
	onPanels := map[string]bool{}
	for _, b := range boards(t) {
		for _, p := range b.Panels {
			for _, q := range p.Targets {
				for name := range selectors(parse(t, q.Expr)) {
					fam, _, ok := family(name, exported)
					if _, pending := pendingMetrics[name]; pending {
						fam, ok = name, true
					}
					if !ok {
						t.Errorf("%s reads %s, which the lab does not export", b.where(p), name)
						continue
					}
					onPanels[fam] = true
				}
			}
		}
		for _, v := range b.Templating.List {
			m := labelValues.FindStringSubmatch(v.Query)
			if m == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(metric, label)", b.File, v.Name, v.Query)
				continue
			}
			if _, ok := exported[m[1]]; !ok {
				t.Errorf("%s: variable %s reads %s, which the lab does not export", b.File, v.Name, m[1])
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(exported)) {
		_, off := notOnPanels[name]
		switch {
		case onPanels[name] && off:
			t.Errorf("%s is on a panel and listed as left off: drop it from notOnPanels", name)
		case !onPanels[name] && !off:
			t.Errorf("the lab exports %s but no panel shows it: add a panel, or say in notOnPanels why not", name)
		}
	}
	for name := range pendingMetrics {
		if _, ok := exported[name]; ok {
			t.Errorf("%s is exported now: drop it from pendingMetrics", name)
		}
		if !onPanels[name] {
			t.Errorf("pending metric %s is on no panel: drop it from pendingMetrics", name)
		}
		if !strings.HasPrefix(name, "lab_explore_") {
			t.Errorf("pending metric %s: only lab explore's may be pending", name)
		}
	}
}

var labelValues = regexp.MustCompile(`^label_values\((\w+), *(\w+)\)$`)
