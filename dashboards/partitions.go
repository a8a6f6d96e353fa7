//lint:file-ignore SA1019 dashboard.Dashboard (schema v1) is what Grafana 12.3, the version compose.yaml runs, provisions from files; schema v2 (dashboardv2) is experimental there, behind the dashboardNewLayouts and kubernetesDashboards feature toggles.

package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// partitionsDashboard: leadership, the stale work it leaves behind, and
// how the node shuts down.
func partitionsDashboard() *dashboard.DashboardBuilder {
	part := `partition=~"$partition"`
	return newDashboard("lab-partitions", "Lab: Partitions and shutdown",
		"Partition leadership (epochs, step-downs), the stale invokes and effects an old leader epoch leaves behind, and the phases of a node shutdown: where restate#2543 happens.").
		WithVariable(variable("partition", "partition", "lab_partition_leader_epoch")).
		WithPanel(stepped(panel("Leader epoch per partition",
			"Each partition processor's current leader epoch. A step up is a re-election; every invoke of the old epoch still queued is stale from then on.",
			"short", 12, 8)).
			WithTarget(query("A", `lab_partition_leader_epoch{`+part+`}`, "p{{partition}}"))).
		WithPanel(stepped(panel("Leading",
			"1 while the partition processor leads, 0 while it follows (after a step-down, and during shutdown).",
			"short", 12, 8)).
			Max(1).
			WithTarget(query("A", `lab_partition_is_leader{`+part+`}`, "p{{partition}}"))).
		WithPanel(panel("Step-downs",
			"Partition processors leaving leadership, each sending AbortAllPartition to its invoker: mid-run step-downs and those of a node shutdown.",
			"short", 8, 8).
			WithTarget(query("A", `sum by (partition) (increase(lab_partition_step_downs_total{`+part+`}[$__rate_interval]))`, "p{{partition}}"))).
		WithPanel(panel("Stale invokes dropped",
			"Invokes dequeued for a leader epoch the invoker no longer has, and dropped: the fix of restate#2547 at work (fixed and graceful). The buggy invoker panics here instead.",
			"short", 8, 8).
			WithTarget(query("A", `sum by (partition) (increase(lab_invoker_stale_invokes_dropped_total{`+part+`}[$__rate_interval]))`, "p{{partition}}"))).
		WithPanel(panel("Stale effects dropped",
			"Effects of another leader epoch that a partition processor refused to apply: output of tasks that outlived their term. With the per-term invoker (variant term) also those whose fencing token is not their invocation's current one: stragglers of an earlier invoke, dropped before they are proposed.",
			"short", 8, 8).
			WithTarget(query("A", `sum by (partition) (increase(lab_partition_stale_effects_dropped_total{`+part+`}[$__rate_interval]))`, "p{{partition}} epoch")).
			WithTarget(query("B", `sum by (partition) (increase(lab_partition_fenced_effects_dropped_total{`+part+`}[$__rate_interval]))`, "p{{partition}} token"))).
		WithPanel(panel("Shutdown phase durations (p90)",
			"Virtual time each shutdown phase took, from its message being sent to its effect: stop-ingress, step-down, cancel-invoker (until the loop exits), join, spill-cleanup. The dots are exemplars linking to the run's trace.",
			"s", 12, 8).
			WithTarget(query("A", `histogram_quantile(0.9, sum by (le, phase) (rate(lab_shutdown_phase_duration_seconds_bucket[$__rate_interval])))`, "{{phase}}").Exemplar(true))).
		WithPanel(panel("Invoker deaths, and partitions that noticed",
			"Invokers that died (the has_partition assertion of restate#2543, a spill failure, or a task's panic re-raised), and partition processors that noticed their invoker's death. A partition processor that still leads must notice within a second (crash-visibility): with the watch of restate#4103 (--on-panic watch) each one does; with the panic unwound and unwatched (--on-panic unwind, restate#4102) none does, and the deaths stand alone. An aborted process (the default) leads nothing.",
			"short", 12, 8).
			WithTarget(query("A", `sum by (invoker) (increase(lab_invoker_deaths_total[$__rate_interval]))`, "invoker {{invoker}} died")).
			WithTarget(query("B", `sum by (partition) (increase(lab_partition_invoker_exits_noticed_total{`+part+`}[$__rate_interval]))`, "p{{partition}} noticed")))
}
