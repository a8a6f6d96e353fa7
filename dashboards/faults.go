//lint:file-ignore SA1019 dashboard.Dashboard (schema v1) is what Grafana 12.3, the version compose.yaml runs, provisions from files; schema v2 (dashboardv2) is experimental there, behind the dashboardNewLayouts and kubernetesDashboards feature toggles.

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// faultsDashboard: what the fault injector did, what broke, and how fast
// exploration goes.
func faultsDashboard() *dashboard.DashboardBuilder {
	variant := `variant=~"$variant"`
	return newDashboard("lab-faults", "Lab: Faults and invariants",
		"What the fault injector did to the messages, which invariants broke, how runs ended, and how fast `lab explore` goes through schedules.").
		WithVariable(variable("variant", "variant", "lab_runs_total")).
		WithPanel(panel("Faults injected by action and message",
			"Faults applied per second: the action (delay, drop, duplicate, reorder) and the kind of message it hit.",
			"ops", 12, 8).
			WithTarget(query("A", `sum by (kind, message) (rate(lab_faults_injected_total[$__rate_interval]))`, "{{kind}} {{message}}"))).
		WithPanel(panel("Violations by invariant",
			"Invariant violations in the window, by invariant. With the buggy variant no-panic fires (restate#2543); any other invariant firing is a finding.",
			"short", 12, 8).
			WithTarget(query("A", `sum by (invariant) (increase(lab_invariant_violations_total[$__rate_interval]))`, "{{invariant}}"))).
		WithPanel(panel("Runs by verdict",
			"Runs that ended in the window, ok or violated, by variant.",
			"short", 12, 8).
			WithTarget(query("A", `sum by (variant, verdict) (increase(lab_runs_total{`+variant+`}[$__rate_interval]))`, "{{variant}} {{verdict}}"))).
		WithPanel(panel("Schedules per second while exploring",
			"Schedules (seeded runs) `lab explore` finishes per second, over all its workers.",
			"ops", 12, 8).
			WithTarget(query("A", `sum(rate(lab_explore_schedules_total[$__rate_interval]))`, "schedules/s"))).
		WithPanel(panel("Exploration failures by invariant",
			"Schedules `lab explore` found failing in the window, by the invariant they broke.",
			"short", 12, 8).
			WithTarget(query("A", `sum by (invariant) (increase(lab_explore_failures_total[$__rate_interval]))`, "{{invariant}}"))).
		WithPanel(panel("Failing seeds rerun with --against, by outcome",
			"From lab explore --against: every failing seed is rerun with one setting changed (a variant, what a panic takes down, or how retry timers are found), hunting the invariant it broke. "+
				"held: the other side held it (the fix holds on the very seeds that fail); same: broke it the same way; other: broke it another way; skipped: not rerun (a shape the other side cannot take, or already has).",
			"short", 12, 8).
			WithTarget(query("A", `sum by (against, invariant, outcome) (increase(lab_explore_against_total[$__rate_interval]))`, "{{invariant}} {{outcome}} against {{against}}"))).
		WithPanel(panel("Coverage while exploring",
			"Distinct behaviours `lab explore`'s runs have reached so far: (state, event) pairs of the invocation state machine, and orders an invoker went through the shutdown's phases. When the curves flatten the search has stopped finding new behaviour; the report's coverage names what is known reachable and was missed.",
			"short", 12, 8).
			WithTarget(query("A", `max by (kind) (lab_explore_coverage)`, "{{kind}}"))).
		WithPanel(panel("Situations reached while exploring",
			"The share of the schedules `lab explore` finishes that reach each situation where lifecycle races live (the report's sometimes), before any violation. One at 0 is never tested: nothing that follows from it can fail.",
			"percentunit", 12, 8).
			WithTarget(query("A", `sum by (situation) (rate(lab_explore_reached_total[$__rate_interval])) / scalar(sum(rate(lab_explore_schedules_total[$__rate_interval])))`, "{{situation}}"))).
		WithPanel(panel("Simulator steps",
			"The simulator's steps per second by kind: a message delivered (deliver), an invoker loop step (invoker), virtual time advanced, a stage entered (phase), a control applied.",
			"ops", 12, 8).
			WithTarget(query("A", `sum by (kind) (rate(lab_sim_steps_total[$__rate_interval]))`, "{{kind}}"))).
		WithPanel(panel("Virtual time",
			"The simulator's virtual clock in the run being simulated; its slope against wall time is the pace (--pace).",
			"s", 12, 8).
			WithTarget(query("A", `lab_sim_virtual_time_seconds`, "virtual time"))).
		WithPanel(panel("Run being simulated",
			"The run the lab simulates now (value 1): seed, variant, fault plan, scheduler, the settings that are not the default (on-panic=unwind spill-dirs=removed ..., each a lab run flag) and the lab's model revision, in the legend. Replay it with lab run --seed SEED --variant VARIANT --plan PLAN and those settings in a lab of that revision (lab version).",
			"short", 24, 8).
			WithTarget(query("A", `max by (seed, variant, plan, strategy, model_revision, settings) (lab_run_info{`+variant+`})`,
				"seed {{seed}} {{variant}} {{plan}} {{strategy}} {{settings}} (model {{model_revision}})"))).
		WithPanel(panel("Longest stall against the progress bound",
			"Virtual time the invocation longest without a step forward (accepted, a status change, a journal entry, its invoke dequeued, an attempt that reached its service) has waited, among those invoked or holding a state machine; the progress invariant fails when it reaches the bound (#3217's retry loop on a node left running climbs to it).",
			"s", 24, 8).
			WithTarget(query("A", `max(lab_progress_stall_seconds)`, "longest stall")).
			WithTarget(query("B", `max(lab_progress_bound_seconds)`, "bound"))).
		WithVariable(variable("schedule", "schedule", "lab_inevitable_picks")).
		WithPanel(inevitableChart()).
		WithPanel(panel("Where the failure became likely",
			"From lab inevitable: the scheduler pick whose decision raised the failure probability most (the chart's jump), beside the picks the schedule has up to its violation.",
			"none", 12, 8).
			WithTarget(query("A", `max by (schedule) (lab_inevitable_jump_pick{schedule=~"$schedule"})`, "jump at pick ({{schedule}})")).
			WithTarget(query("B", `max by (schedule) (lab_inevitable_picks{schedule=~"$schedule"})`, "picks in all ({{schedule}})"))).
		WithPanel(panel("Suffix runs per second while charting",
			"Seeded suffix runs lab inevitable finishes per second: the chart's progress.",
			"ops", 12, 8).
			WithTarget(query("A", `sum by (schedule) (rate(lab_inevitable_runs_total{schedule=~"$schedule"}[$__rate_interval]))`, "{{schedule}}")))
}

// inevitableChart is lab inevitable's curve, one bar chart per schedule:
// P(fail) against the picks kept, as the chart fills in. The picks are a
// label, so the last value of every series in the dashboard's time range
// (still there after lab inevitable has ended) is read as a table and
// sorted by picks as a number.
func inevitableChart() *barchart.PanelBuilder {
	return barchart.NewPanelBuilder().
		Title("When the failure became inevitable: $schedule").
		Description("From lab inevitable --metrics-addr: the share of seeded random suffixes that fail as the schedule did, after keeping its first N scheduler picks (N on the x axis; every 10th pick, and every pick across the steepest rise). Where it jumps, one decision made the failure likely.").
		Datasource(prometheusRef()).
		Repeat("schedule").
		Span(24).
		Height(9).
		Unit("percentunit").
		Min(0).
		Max(1).
		XField("picks").
		ShowValue(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			ShowLegend(true).
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom)).
		WithTarget(query("A", `max by (picks) (last_over_time(lab_inevitable_failure_probability{schedule=~"$schedule"}[$__range]))`, "P(fail)").
			Instant().
			Format(prometheus.PromQueryFormatTable)).
		WithTransformation(dashboard.DataTransformerConfig{Id: "convertFieldType", Options: map[string]any{
			"fields":      map[string]any{},
			"conversions": []map[string]any{{"targetField": "picks", "destinationType": "number"}},
		}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "sortBy", Options: map[string]any{
			"fields": map[string]any{},
			"sort":   []map[string]any{{"field": "picks"}},
		}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]any{"Time": true},
			"renameByName":  map[string]any{"Value": "P(fail)"},
		}})
}
