package dashboards_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
)

// Grafana's dashboard-linter rules, in Go (the linter cannot be installed
// here), plus the lab's own: every panel says what it shows and in which
// unit, every query parses and names its series, counters are read only through rate or
// increase over $__rate_interval, and gauges never are.
func TestLint(t *testing.T) {
	known := exportedMetrics(t)
	for n, ty := range pendingMetrics {
		known[n] = ty
	}
	for _, b := range boards(t) {
		if b.Title == "" || b.Description == "" {
			t.Errorf("%s: a dashboard needs a title and a description", b.File)
		}
		defined := map[string]bool{}
		for _, v := range b.Templating.List {
			defined[v.Name] = true
			if v.Datasource.UID == "" {
				t.Errorf("%s: variable %s has no datasource", b.File, v.Name)
			}
			if v.IncludeAll && v.AllValue != ".*" {
				t.Errorf("%s: variable %s: All must be .*, so it also matches series without the label", b.File, v.Name)
			}
		}
		used := map[string]bool{}
		for _, p := range b.Panels {
			lintPanel(t, b, p, known, defined, used)
		}
		for v := range defined {
			if !used[v] {
				t.Errorf("%s: variable $%s is used by no panel", b.File, v)
			}
		}
		lintLayout(t, b)
	}
}

func lintPanel(t *testing.T, b board, p panel, known map[string]dto.MetricType, defined, used map[string]bool) {
	t.Helper()
	at := b.where(p)
	switch {
	case p.Title == "":
		t.Errorf("%s: panel %d has no title", b.File, p.ID)
	case p.Description == "":
		t.Errorf("%s: no description", at)
	case p.FieldConfig.Defaults.Unit == "":
		t.Errorf("%s: no unit", at)
	case len(p.Targets) == 0:
		t.Errorf("%s: no query", at)
	case p.ID == 0:
		t.Errorf("%s: no id", at)
	}
	refs := map[string]bool{}
	for _, q := range p.Targets {
		if q.RefID == "" || refs[q.RefID] {
			t.Errorf("%s: refId %q missing or repeated", at, q.RefID)
		}
		refs[q.RefID] = true
		if q.Legend == "" {
			t.Errorf("%s: query %s has no legend format: series would be named by raw labels", at, q.RefID)
		}
		if q.Datasource.UID == "" && p.Datasource.UID == "" {
			t.Errorf("%s: query %s has no datasource", at, q.RefID)
		}
		for _, v := range variables(q.Expr) {
			used[v] = true
			if !defined[v] {
				t.Errorf("%s: query %s uses $%s, which the dashboard does not define", at, q.RefID, v)
			}
		}
		e := parse(t, q.Expr)
		lintRanges(t, at, q, e)
		hist := false
		for name, paths := range selectors(e) {
			_, ty, ok := family(name, known)
			if !ok {
				continue // TestMetricsCrossCheck names it
			}
			hist = hist || ty == dto.MetricType_HISTOGRAM
			for _, path := range paths {
				lintSelector(t, at, q, name, ty, path)
			}
		}
		if q.Exemplar && !hist {
			t.Errorf("%s: query %s asks for exemplars but reads no histogram (only histograms carry trace ids)", at, q.RefID)
		}
	}
}

// lintRanges: every range is $__rate_interval (Grafana widens it to cover
// at least four scrapes) inside rate, irate or increase, or $__range (the
// dashboard's time range) inside last_over_time, which keeps a gauge's
// last value in view after the lab that served it has ended.
func lintRanges(t *testing.T, at string, q target, e parser.Expr) {
	t.Helper()
	rate, _ := time.ParseDuration(rateIntervalSentinel)
	window, _ := time.ParseDuration(rangeSentinel)
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		ms, ok := n.(*parser.MatrixSelector)
		if !ok {
			return nil
		}
		var outer parser.Node
		if len(path) > 0 {
			outer = path[len(path)-1]
		}
		switch {
		case ms.Range == rate && isCall(outer, "rate", "irate", "increase"):
		case ms.Range == window && isCall(outer, "last_over_time"):
		default:
			t.Errorf("%s: query %s: range [%v]: want [$__rate_interval] in rate, irate or increase, or [$__range] in last_over_time", at, q.RefID, ms.Range)
		}
		return nil
	})
}

// lintSelector: counters (and histogram series) only inside rate, irate or
// increase; gauges never.
func lintSelector(t *testing.T, at string, q target, name string, ty dto.MetricType, path []parser.Node) {
	t.Helper()
	inRate := len(path) >= 3 && isMatrix(path[len(path)-2]) && isCall(path[len(path)-3], "rate", "irate", "increase")
	switch ty {
	case dto.MetricType_COUNTER, dto.MetricType_HISTOGRAM:
		if !inRate {
			t.Errorf("%s: query %s reads counter %s outside rate or increase", at, q.RefID, name)
		}
		if ty == dto.MetricType_HISTOGRAM && !strings.HasSuffix(name, "_bucket") && !strings.HasSuffix(name, "_sum") && !strings.HasSuffix(name, "_count") {
			t.Errorf("%s: query %s reads histogram %s without _bucket, _sum or _count", at, q.RefID, name)
		}
	default:
		if inRate {
			t.Errorf("%s: query %s takes the rate of gauge %s", at, q.RefID, name)
		}
	}
}

func isMatrix(n parser.Node) bool { _, ok := n.(*parser.MatrixSelector); return ok }

func isCall(n parser.Node, names ...string) bool {
	c, ok := n.(*parser.Call)
	return ok && slices.Contains(names, c.Func.Name)
}

// lintLayout: panels fit the 24-column grid and do not overlap.
func lintLayout(t *testing.T, b board) {
	t.Helper()
	for i, p := range b.Panels {
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("%s: off the grid: %+v", b.where(p), g)
		}
		for _, o := range b.Panels[:i] {
			h := o.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("%s overlaps %q", b.where(p), o.Title)
			}
		}
	}
}
