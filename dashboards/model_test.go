package dashboards_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"lab/dashboards"
)

// The committed JSON as Grafana reads it: only the fields the checks use.
type board struct {
	File        string
	UID         string  `json:"uid"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Panels      []panel `json:"panels"`
	Templating  struct {
		List []struct {
			Name       string `json:"name"`
			Query      string `json:"query"`
			Datasource dsRef  `json:"datasource"`
			AllValue   string `json:"allValue"`
			Multi      bool   `json:"multi"`
			IncludeAll bool   `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID          int                      `json:"id"`
	Type        string                   `json:"type"`
	Title       string                   `json:"title"`
	Description string                   `json:"description"`
	Datasource  dsRef                    `json:"datasource"`
	Targets     []target                 `json:"targets"`
	GridPos     struct{ H, W, X, Y int } `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

type target struct {
	RefID      string `json:"refId"`
	Expr       string `json:"expr"`
	Exemplar   bool   `json:"exemplar"`
	Instant    bool   `json:"instant"`
	Legend     string `json:"legendFormat"`
	Datasource dsRef  `json:"datasource"`
}

// boards reads every committed dashboard.
func boards(t *testing.T) []board {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dashboards.JSONDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no dashboards in %s (%v): run go generate ./dashboards/", dashboards.JSONDir, err)
	}
	var out []board
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var b board
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b.File = filepath.Base(p)
		out = append(out, b)
	}
	return out
}

// where names a panel in failure messages.
func (b board) where(p panel) string { return b.File + ": panel " + `"` + p.Title + `"` }

// rateIntervalSentinel stands for $__rate_interval while parsing, so the
// parsed ranges show where it was used.
const rateIntervalSentinel = "7777s"

// rangeSentinel stands for $__range, the dashboard's time range.
const rangeSentinel = "8888s"

// concrete is expr with the dashboard's macros filled in, as Grafana would
// send it: $__rate_interval becomes rate, $__range window, every
// $variable matches all.
func concrete(expr, rate, window string) string {
	s := strings.ReplaceAll(expr, "$__rate_interval", rate)
	s = strings.ReplaceAll(s, "$__range", window)
	for _, v := range []string{"$invoker", "$partition", "$variant", "$schedule"} {
		s = strings.ReplaceAll(s, v, ".*")
	}
	return s
}

// parse parses a panel's expression with the macros filled in.
func parse(t *testing.T, expr string) parser.Expr {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(concrete(expr, rateIntervalSentinel, rangeSentinel))
	if err != nil {
		t.Fatalf("PromQL %s: %v", expr, err)
	}
	return e
}

// selectors are the metric names an expression reads, each with the path
// of nodes from the root down to it (the selector last).
func selectors(e parser.Expr) map[string][][]parser.Node {
	out := map[string][][]parser.Node{}
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out[vs.Name] = append(out[vs.Name], append(slices.Clone(path), n))
		}
		return nil
	})
	return out
}

// variables are the $names an expression uses.
func variables(expr string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(expr, func(r rune) bool {
		return !(r == '$' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if i := strings.IndexByte(f, '$'); i >= 0 && !strings.HasPrefix(f[i:], "$__") {
			out = append(out, f[i+1:])
		}
	}
	return out
}
