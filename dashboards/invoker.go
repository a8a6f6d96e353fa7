//lint:file-ignore SA1019 dashboard.Dashboard (schema v1) is what Grafana 12.3, the version compose.yaml runs, provisions from files; schema v2 (dashboardv2) is experimental there, behind the dashboardNewLayouts and kubernetesDashboards feature toggles.

package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// invokerDashboard: what the invoker does with the work it is given.
func invokerDashboard() *dashboard.DashboardBuilder {
	inv := `invoker=~"$invoker"`
	part := `partition=~"$partition"`
	quantile := func(q string) string {
		return `histogram_quantile(` + q + `, sum by (le) (rate(lab_invoker_task_duration_seconds_bucket[$__rate_interval])))`
	}
	return newDashboard("lab-invoker", "Lab: Invoker",
		"Restate's invoker as the lab models it: work in, tasks out, slots, the segmented queue and task durations. Durations are virtual seconds of the simulation.").
		WithVariable(variable("invoker", "invoker", "lab_invoker_concurrency_limit")).
		WithVariable(variable("partition", "partition", "lab_invoker_enqueue_total")).
		WithPanel(panel("Enqueue rate",
			"Invokes put into the invokers' segmented queues per second, by partition. Every Invoke a partition leader sends goes through the queue before a task starts.",
			"ops", 12, 8).
			WithTarget(query("A", `sum by (partition) (rate(lab_invoker_enqueue_total{`+part+`}[$__rate_interval]))`, "p{{partition}}"))).
		WithPanel(panel("Tasks by outcome",
			"Invocation task operations per second: started, then completed, suspended, failed, failed_transient (retried) or aborted (by an abort, a step-down or shutdown).",
			"ops", 12, 8).
			WithTarget(query("A", `sum by (status) (rate(lab_invoker_invocation_tasks_total[$__rate_interval]))`, "{{status}}"))).
		WithPanel(panel("Slots in use against the limit",
			"Concurrency slots in use per invoker (limit minus free), against its limit and the state machines that hold them. In use at the limit with a growing queue means the invoker is saturated; in use beyond the state machines means leaked, as pauses leaked them from October 2025 to March 2026 (--paused-slots leaked, restatedev/restate#4468); in use below them, even below zero, means slots given back that were never taken, as vqueue invocations did until March 2026 (--vqueues unguarded, restatedev/restate#4520). State machines a vqueue permit started hold no slot and are not counted.",
			"short", 12, 8).
			WithTarget(query("A", `lab_invoker_concurrency_limit{`+inv+`} - lab_invoker_available_slots{`+inv+`}`, "invoker {{invoker}} in use")).
			WithTarget(query("B", `lab_invoker_concurrency_limit{`+inv+`}`, "invoker {{invoker}} limit")).
			WithTarget(query("C", `lab_invoker_state_machines{`+inv+`}`, "invoker {{invoker}} state machines"))).
		WithPanel(panel("Tasks running",
			"Invocation tasks each invoker runs now. Compare with the slots in use: an invocation waiting for a retry keeps its slot with no task running.",
			"short", 12, 8).
			WithTarget(query("A", `lab_invoker_inflight_tasks{`+inv+`}`, "invoker {{invoker}}"))).
		WithPanel(panel("Queue depth, memory and disk",
			"Invokes waiting in each invoker's segmented queue: in memory, and spilled to segment files on disk once a segment is full (--queue-limit).",
			"short", 12, 8).
			WithTarget(query("A", `lab_invoker_queue_depth{`+inv+`}`, "invoker {{invoker}} {{location}}"))).
		WithPanel(panel("Task duration quantiles",
			"Virtual time from a task's start to its end (aborted ones included): p50, p90, p99. The dots are exemplars: click one to open that invocation's trace in Jaeger.",
			"s", 12, 8).
			WithTarget(query("A", quantile("0.5"), "p50").Exemplar(true)).
			WithTarget(query("B", quantile("0.9"), "p90").Exemplar(true)).
			WithTarget(query("C", quantile("0.99"), "p99").Exemplar(true))).
		WithPanel(panel("Retry timers by what they did",
			"Retry timers that fired per second: own (the wait that set it retries), ignored (stale, and fenced off by its key, or its wait is gone), and, with --retry-timers unkeyed (Restate before January 2026, restate#4064), retried_early (a newer wait retried before its backoff ended) and in_flight (it reached an attempt in flight, where a debug build's assertion fails).",
			"ops", 24, 8).
			WithTarget(query("A", `sum by (result) (rate(lab_invoker_retry_timers_total[$__rate_interval]))`, "{{result}}"))).
		WithPanel(panel("Effect sends parked on a full channel",
			"Times per second an invoker's loop parked inside an arm body on a full effect channel, waiting for its partition processor (the real send().await). A loop parked when the node shuts down does not see its cancellation until the channel frees or closes (the slow-partition plan); the graceful variant sees it.",
			"ops", 24, 8).
			WithTarget(query("A", `sum by (invoker) (rate(lab_invoker_effect_sends_parked_total{`+inv+`}[$__rate_interval]))`, "invoker {{invoker}}"))).
		WithPanel(panel("Dequeues throttled",
			"Times per second an invoker's queue took a token its node's bucket did not have (--throttle, Restate's invocation-throttling) and slept until the debt was repaid, its dequeue arm not ready meanwhile: invokes wait in the queue longer, and a step-down finds more of them there.",
			"ops", 24, 8).
			WithTarget(query("A", `sum by (invoker) (rate(lab_invoker_dequeues_throttled_total{`+inv+`}[$__rate_interval]))`, "invoker {{invoker}}"))).
		WithPanel(panel("Memory pool",
			"Leases of the invokers' memory pool in use and the pool's capacity (--memory-limit; Restate since v1.7.0 counts them in bytes): a dequeue needs a lease, which its invocation holds until its state machine goes, so a full pool holds every partition's queue. No data without a pool.",
			"short", 24, 8).
			WithTarget(query("A", `lab_memory_pool_usage_leases`, "in use")).
			WithTarget(query("B", `lab_memory_pool_capacity_leases`, "capacity"))).
		WithPanel(panel("Vqueue permits",
			"With --vqueues (Restate's vqueue scheduler), the node's concurrency limit is the scheduler's permits, for the whole node: in use (granted to invocations running or whose VQInvoke is on its way), the limit, and the invocations waiting in their partitions' vqueues for one. The invokers' own slots go unused; under --vqueues unguarded their free count climbs past their limit on the Slots panel (restatedev/restate#4520) while this limit holds. No data without vqueues.",
			"short", 24, 8).
			WithTarget(query("A", `lab_vqueue_permits_in_use`, "in use")).
			WithTarget(query("B", `lab_vqueue_permit_limit`, "limit")).
			WithTarget(query("C", `sum(lab_vqueue_waiting)`, "waiting"))).
		WithPanel(panel("Attempts yielded for memory",
			"Attempts per second that ran out of the memory pool and yielded (--yield on, Restate's experimental invoker-yield): each gives back its state machine, lease and slot, and its partition invokes it again a log's round trip later. A steady rate with the pool full and nothing completing is a yield loop: behind a throttle, each queue can hold the lease another invoker's attempt needs. Zero with the yield off, where such attempts are retried (failed_transient above).",
			"ops", 24, 8).
			WithTarget(query("A", `sum by (invoker) (rate(lab_invoker_yields_total{`+inv+`}[$__rate_interval]))`, "invoker {{invoker}}"))).
		WithPanel(panel("Invocations by status",
			"Invocations by durable status at the partition processors. At the end of a run every accepted invocation is completed, failed, killed or paused; anything still invoked was lost.",
			"short", 24, 8).
			WithTarget(query("A", `lab_invocations`, "{{status}}")))
}
