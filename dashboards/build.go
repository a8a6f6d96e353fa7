//lint:file-ignore SA1019 dashboard.Dashboard (schema v1) is what Grafana 12.3, the version compose.yaml runs, provisions from files; schema v2 (dashboardv2) is experimental there, behind the dashboardNewLayouts and kubernetesDashboards feature toggles.

package dashboards

import (
	"encoding/json"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Datasource uids, pinned: the provisioning YAML declares them with these
// uids and every panel names them.
const (
	PrometheusUID = "lab-prometheus"
	JaegerUID     = "lab-jaeger"
)

func prometheusRef() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr(PrometheusUID)}
}

// Board is one dashboard and the file it is written to.
type Board struct {
	File      string
	Dashboard dashboard.Dashboard
}

// All builds every dashboard.
func All() ([]Board, error) {
	var out []Board
	for _, b := range []struct {
		file  string
		build func() *dashboard.DashboardBuilder
	}{
		{"invoker.json", invokerDashboard},
		{"partitions.json", partitionsDashboard},
		{"faults.json", faultsDashboard},
	} {
		d, err := b.build().Build()
		if err != nil {
			return nil, err
		}
		for i, p := range d.Panels {
			if p.Panel != nil { // ids Grafana links and the panel editor use
				p.Panel.Id = cog.ToPtr(uint32(i + 1))
			}
		}
		out = append(out, Board{b.file, d})
	}
	return out, nil
}

// newDashboard sets what every dashboard shares.
func newDashboard(uid, title, description string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"lab"}).
		Refresh("5s").
		Time("now-15m", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Readonly()
}

// variable is a template variable over the values of label in metric,
// multi-valued, with "All" matching every series.
func variable(name, label, metric string) *dashboard.QueryVariableBuilder {
	q := "label_values(" + metric + ", " + label + ")"
	return dashboard.NewQueryVariableBuilder(name).
		Label(name).
		Datasource(prometheusRef()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).
		Definition(q).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortNaturalAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{String: cog.ToPtr("All")},
			Value:    dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")},
		})
}

// query is one PromQL target; legend is Grafana's legend format.
func query(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().
		RefId(ref).
		Datasource(prometheusRef()).
		Expr(expr).
		LegendFormat(legend).
		Range()
}

// panel is a time series with what every panel needs: a title, a
// description, a unit, a visible legend and a tooltip over all series.
func panel(title, description, unit string, w, h uint32) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		Unit(unit).
		Datasource(prometheusRef()).
		Span(w).
		Height(h).
		Min(0).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			ShowLegend(true).
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

// stepped draws a value that changes in steps (epochs, leadership).
func stepped(p *timeseries.PanelBuilder) *timeseries.PanelBuilder {
	return p.LineInterpolation(common.LineInterpolationStepAfter)
}

// JSONDir is where the generated dashboards go, relative to this package;
// the file provider of grafana/provisioning/dashboards loads them.
const JSONDir = "grafana/dashboards"

// Marshal is the committed form of a dashboard: indented JSON, one
// trailing newline.
func Marshal(d dashboard.Dashboard) ([]byte, error) {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
