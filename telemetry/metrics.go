package telemetry

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lab/faults"
	"lab/invoker"
)

// Metrics is an observer that counts what runs do, for Prometheus. Counters
// and histograms are updated from the event stream on the simulator's
// goroutine; gauges are read at scrape time from a published snapshot
// (SetView), never from the node. Names mirror Restate's invoker metrics
// under a lab_ prefix, plus what Restate lacks; the README lists them.
type Metrics struct {
	enqueued      *prometheus.CounterVec
	tasks         *prometheus.CounterVec
	taskDuration  prometheus.Histogram
	staleInvokes  *prometheus.CounterVec
	staleEffects  *prometheus.CounterVec
	fencedEffects *prometheus.CounterVec
	stepDowns     *prometheus.CounterVec
	deaths        *prometheus.CounterVec
	parkedSends   *prometheus.CounterVec
	throttled     *prometheus.CounterVec
	yields        *prometheus.CounterVec
	exitsNoticed  *prometheus.CounterVec
	retryTimers   *prometheus.CounterVec
	faults        *prometheus.CounterVec
	violations    *prometheus.CounterVec
	phaseDuration *prometheus.HistogramVec
	runs          *prometheus.CounterVec
	steps         *prometheus.CounterVec
	info          *prometheus.GaugeVec

	view    atomic.Pointer[func() *faults.Snapshot]
	final   atomic.Pointer[faults.Snapshot]
	traceID func(invoker.InvocationID) string

	// Per run, touched only by the simulator's goroutine.
	variant   string
	taskStart map[invoker.TaskID]time.Duration
	taskEnd   map[invoker.TaskID]invoker.OutputKind
	phases    *phases
}

// MetricsOptions configure NewMetrics.
type MetricsOptions struct {
	// TraceID names the trace an invocation's spans are in ("" for none):
	// histograms then carry it as an exemplar.
	TraceID func(invoker.InvocationID) string
}

// Task statuses of lab_invoker_invocation_tasks_total.
const (
	taskStarted         = "started"
	taskCompleted       = "completed"
	taskSuspended       = "suspended"
	taskFailed          = "failed"
	taskFailedTransient = "failed_transient"
	taskAborted         = "aborted"
	taskPanicked        = "panicked"
)

var taskStatuses = []string{taskStarted, taskCompleted, taskSuspended, taskFailed, taskFailedTransient, taskAborted, taskPanicked}

// NewMetrics registers the lab's metrics with reg (never the global registry).
func NewMetrics(reg prometheus.Registerer, o MetricsOptions) (*Metrics, error) {
	m := &Metrics{
		enqueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_enqueue_total",
			Help: "Invokes added to an invoker's segmented queue (Restate: restate_invoker_enqueue_total).",
		}, []string{"partition"}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_invocation_tasks_total",
			Help: "Invocation task operations by status: started, then completed, suspended, failed, failed_transient, aborted or panicked (Restate: restate_invoker_invocation_tasks_total).",
		}, []string{"status"}),
		taskDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lab_invoker_task_duration_seconds",
			Help:    "Virtual time from an invocation task's start to its end, aborted ones included (Restate: restate_invoker_task_duration_seconds).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		staleInvokes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_stale_invokes_dropped_total",
			Help: "Invokes dequeued for a partition leader epoch the invoker no longer has, and dropped (the fix of restate#2547; the buggy variant panics instead).",
		}, []string{"partition"}),
		staleEffects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_partition_stale_effects_dropped_total",
			Help: "Effects a partition processor dropped because they came from a leader epoch that is not its current one.",
		}, []string{"partition"}),
		fencedEffects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_partition_fenced_effects_dropped_total",
			Help: "Effects a partition processor dropped because their fencing token is not their invocation's current one (the per-term invoker, variant term).",
		}, []string{"partition"}),
		stepDowns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_partition_step_downs_total",
			Help: "Partition processors leaving leadership (each sends AbortAllPartition to its invoker).",
		}, []string{"partition"}),
		deaths: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_deaths_total",
			Help: "Invokers that panicked: a failed assertion (restate#2543's has_partition), a failed spill write or read, or a task's panic re-raised.",
		}, []string{"invoker"}),
		parkedSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_effect_sends_parked_total",
			Help: "Times an invoker's loop parked inside an arm body on a full effect channel (the real send().await), until the partition processor took an effect or the channel closed; a loop parked at its shutdown does not see its cancellation, but in the graceful variant.",
		}, []string{"invoker"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_dequeues_throttled_total",
			Help: "Times an invoker's queue took a token its node's bucket did not have (--throttle, Restate's invocation-throttling) and slept until the debt was repaid, its dequeue arm not ready meanwhile.",
		}, []string{"invoker"}),
		yields: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_yields_total",
			Help: "Attempts that ran out of the memory pool and yielded, giving back their state machine, lease and slot, their invocation invoked again (--yield on, Restate's experimental invoker-yield).",
		}, []string{"invoker"}),
		exitsNoticed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_partition_invoker_exits_noticed_total",
			Help: "Partition processors that noticed their invoker die (the watch of restate#4103); none do under --on-panic unwind (restate#4102).",
		}, []string{"partition"}),
		retryTimers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invoker_retry_timers_total",
			Help: "Retry timers that fired, by what they did: own (the wait that set it retries), ignored (stale: its wait is gone, fenced off by its key, or already fired), retried_early (stale and unkeyed: a newer wait of the invocation retried before its backoff ended) or in_flight (stale and unkeyed: it reached an attempt in flight, where Restate's debug_assert fails, restate#4064).",
		}, []string{"result"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_faults_injected_total",
			Help: "Faults the injector applied, by kind (delay, drop, duplicate, reorder) and by the kind of message they hit.",
		}, []string{"kind", "message"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_invariant_violations_total",
			Help: "Invariant violations, by invariant.",
		}, []string{"invariant"}),
		phaseDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lab_shutdown_phase_duration_seconds",
			Help:    "Virtual time a node shutdown phase took, from its message being sent to its effect (stop-ingress, step-down, cancel-invoker until the loop exits, join, spill-cleanup).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"phase"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_runs_total",
			Help: "Runs that ended, by variant and verdict (ok or violated).",
		}, []string{"variant", "verdict"}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lab_sim_steps_total",
			Help: "Steps the simulator took, by kind: a message delivered, an invoker loop step, virtual time advanced, a stage entered, a control applied.",
		}, []string{"kind"}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lab_run_info",
			Help: "The run being simulated (value 1): seed, variant, fault plan, scheduler, the lab's model revision (a seed gives the same run only within one), and the settings that are not the default (on-panic=unwind spill-dirs=removed ...; empty for none).",
		}, []string{"seed", "variant", "plan", "strategy", "model_revision", "settings"}),
		traceID: o.TraceID,
	}
	cs := []prometheus.Collector{m.enqueued, m.tasks, m.taskDuration, m.staleInvokes, m.staleEffects, m.fencedEffects,
		m.stepDowns, m.deaths, m.parkedSends, m.throttled, m.yields, m.exitsNoticed, m.retryTimers, m.faults, m.violations, m.phaseDuration, m.runs, m.steps, m.info, viewCollector{m}}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// SetView makes the gauges read snapshots from view at scrape time; view
// must be safe to call from any goroutine and return a copy (or nil).
// Without one, the gauges show the state at the end of the last run.
func (m *Metrics) SetView(view func() *faults.Snapshot) { m.view.Store(&view) }

func (m *Metrics) snapshot() *faults.Snapshot {
	if v := m.view.Load(); v != nil {
		if s := (*v)(); s != nil {
			return s
		}
	}
	return m.final.Load()
}

// The simulator finds hooks by their method sets (faults.Observer is any):
// these keep a renamed hook from going silent.
var (
	_ faults.StartObserver = (*Metrics)(nil)
	_ faults.EventObserver = (*Metrics)(nil)
	_ faults.StepObserver  = (*Metrics)(nil)
	_ faults.EndObserver   = (*Metrics)(nil)
)

// OnStart resets the per-run state.
func (m *Metrics) OnStart(info faults.RunInfo) {
	m.variant = info.Variant.String()
	m.taskStart = map[invoker.TaskID]time.Duration{}
	m.taskEnd = map[invoker.TaskID]invoker.OutputKind{}
	m.phases = newPhases(info.Node)
	m.NameRun(info)
	m.Expect(info.Node, info.Rules)
}

// NameRun makes lab_run_info name the run; safe from any goroutine, so a
// runner's watcher can name its run before the first step.
func (m *Metrics) NameRun(info faults.RunInfo) {
	m.info.Reset()
	m.info.WithLabelValues(strconv.FormatUint(info.Seed, 10), info.Variant.String(), info.Plan, info.Strategy,
		strconv.Itoa(faults.ModelRevision), strings.TrimSpace(faults.RunSettings(info.Node, info.Workload))).Set(1)
}

// Expect makes every counter series a run of node under a plan of rules
// can move exist at 0. A series that first appears at 0 is counted from
// its start by increase() and rate(); one that first appears at 5 is not,
// so a scrape before the run (--await-scrape) stores the zeros.
func (m *Metrics) Expect(node invoker.Config, rules []faults.Rule) {
	for p := range node.Partitions {
		l := partitionLabel(invoker.PartitionID(p))
		m.enqueued.WithLabelValues(l)
		m.staleInvokes.WithLabelValues(l)
		m.staleEffects.WithLabelValues(l)
		m.fencedEffects.WithLabelValues(l)
		m.stepDowns.WithLabelValues(l)
		m.exitsNoticed.WithLabelValues(l)
	}
	for i := range invokerCount(node) {
		m.deaths.WithLabelValues(strconv.Itoa(i))
		m.parkedSends.WithLabelValues(strconv.Itoa(i))
		m.throttled.WithLabelValues(strconv.Itoa(i))
		m.yields.WithLabelValues(strconv.Itoa(i))
	}
	for _, s := range taskStatuses {
		m.tasks.WithLabelValues(s)
	}
	m.expectFaults(rules...)
	for _, inv := range faults.Invariants {
		m.violations.WithLabelValues(inv)
	}
	for _, r := range timerResults {
		m.retryTimers.WithLabelValues(r)
	}
	for _, ph := range shutdownPhases {
		m.phaseDuration.WithLabelValues(ph.String())
	}
	for k := faults.StepDeliver; k <= faults.StepEnd; k++ {
		m.steps.WithLabelValues(k.String())
	}
	v := node.Variant.String()
	m.runs.WithLabelValues(v, "ok")
	m.runs.WithLabelValues(v, "violated")
}

// expectFaults makes the series of the faults rules can inject exist at 0.
func (m *Metrics) expectFaults(rules ...faults.Rule) {
	for _, r := range rules {
		for _, k := range r.Kinds {
			m.faults.WithLabelValues(r.Action.String(), k.String())
		}
	}
}

func invokerCount(c invoker.Config) int {
	if c.SharedInvoker {
		return 1
	}
	return c.Partitions
}

// OnEvent counts one event.
func (m *Metrics) OnEvent(e invoker.Event) {
	if m.phases == nil {
		m.OnStart(faults.RunInfo{})
	}
	if c := m.phases.observe(e); c.finished {
		m.observe(m.phaseDuration.WithLabelValues(c.ended.name), c.ended.duration(e).Seconds(), "")
	}
	switch e.Kind {
	case invoker.KindEnqueue:
		m.enqueued.WithLabelValues(partitionLabel(e.Partition)).Inc()
	case invoker.KindTaskStart:
		m.tasks.WithLabelValues(taskStarted).Inc()
		m.taskStart[e.Task] = e.At
	case invoker.KindSent:
		if e.Msg == invoker.MsgTaskOutput && e.Output.Final() {
			m.taskEnd[e.Task] = e.Output
		}
	case invoker.KindTaskEnd:
		m.tasks.WithLabelValues(taskStatus(m.taskEnd[e.Task], e.Outcome)).Inc()
		if start, ok := m.taskStart[e.Task]; ok {
			m.observe(m.taskDuration, (e.At - start).Seconds(), e.Inv)
		}
		delete(m.taskStart, e.Task)
		delete(m.taskEnd, e.Task)
	case invoker.KindStepDown:
		m.stepDowns.WithLabelValues(partitionLabel(e.Partition)).Inc()
	case invoker.KindPanic:
		m.deaths.WithLabelValues(strconv.Itoa(e.Invoker)).Inc()
	case invoker.KindBlocked:
		m.parkedSends.WithLabelValues(strconv.Itoa(e.Invoker)).Inc()
	case invoker.KindThrottled:
		m.throttled.WithLabelValues(strconv.Itoa(e.Invoker)).Inc()
	case invoker.KindISM:
		if e.Outcome == invoker.EndYielded {
			m.yields.WithLabelValues(strconv.Itoa(e.Invoker)).Inc()
		}
	case invoker.KindExitNoticed:
		m.exitsNoticed.WithLabelValues(partitionLabel(e.Partition)).Inc()
	case invoker.KindTimerFired:
		m.retryTimers.WithLabelValues(timerResult(e.Outcome)).Inc()
	case invoker.KindStaleInvoke:
		m.staleInvokes.WithLabelValues(partitionLabel(e.Partition)).Inc()
	case invoker.KindEffectDropped:
		switch e.Outcome {
		case invoker.DroppedStaleEpoch:
			m.staleEffects.WithLabelValues(partitionLabel(e.Partition)).Inc()
		case invoker.DroppedStaleToken:
			m.fencedEffects.WithLabelValues(partitionLabel(e.Partition)).Inc()
		}
	case invoker.KindFaultDelay, invoker.KindFaultDrop, invoker.KindFaultDuplicate, invoker.KindFaultReorder:
		m.faults.WithLabelValues(faultKind(e.Kind), e.Msg.String()).Inc()
	case invoker.KindViolation:
		m.violations.WithLabelValues(invariantOf(e.Reason)).Inc()
	}
}

// OnEnd counts the run and keeps its final state for the gauges.
func (m *Metrics) OnEnd(r *faults.Result) {
	verdict := "ok"
	if !r.OK() {
		verdict = "violated"
	}
	m.runs.WithLabelValues(r.Variant.String(), verdict).Inc()
	m.final.Store(&faults.Snapshot{Node: r.Final, At: r.End, Stall: r.Stall, Done: true})
}

// OnStep counts the simulator's steps by kind. A fault rule sent from
// outside the plan (the terminal UI's f) gets its series at 0 as it comes,
// before it hits a message.
func (m *Metrics) OnStep(d faults.StepInfo) {
	m.steps.WithLabelValues(d.Kind.String()).Inc()
	if d.Kind == faults.StepControl && d.Control.Kind == faults.ControlFault {
		m.expectFaults(d.Control.Rule)
	}
}

// observe records v, with the trace of inv (or of the run) as exemplar.
func (m *Metrics) observe(o prometheus.Observer, v float64, inv invoker.InvocationID) {
	if m.traceID != nil {
		if id := m.traceID(inv); id != "" {
			o.(prometheus.ExemplarObserver).ObserveWithExemplar(v, prometheus.Labels{"trace_id": id})
			return
		}
	}
	o.Observe(v)
}

func taskStatus(out invoker.OutputKind, why invoker.Outcome) string {
	switch why {
	case invoker.EndFinished:
	case invoker.EndPanicked:
		return taskPanicked
	default:
		return taskAborted
	}
	switch out {
	case invoker.OutClosed:
		return taskCompleted
	case invoker.OutSuspended:
		return taskSuspended
	case invoker.OutFailedTransient, invoker.OutOutOfMemory:
		// An attempt out of memory is retried, as a transient failure,
		// or yields (--yield on): either way it failed for now.
		return taskFailedTransient
	}
	return taskFailed
}

// What a retry timer did when it fired, for lab_invoker_retry_timers_total.
var timerResults = []string{"own", "ignored", "retried_early", "in_flight"}

func timerResult(why invoker.Outcome) string {
	switch why {
	case invoker.OutcomeNone:
		return "own"
	case invoker.StaleTimerRetried:
		return "retried_early"
	case invoker.IgnoredStaleTimerInFlight:
		return "in_flight"
	}
	return "ignored"
}

func faultKind(k invoker.Kind) string { return strings.TrimPrefix(k.String(), "fault.") }

// invariantOf reads the invariant a violation event names.
func invariantOf(reason string) string {
	for _, inv := range faults.Invariants {
		if strings.HasPrefix(reason, inv+":") {
			return inv
		}
	}
	return "unknown"
}

func partitionLabel(p invoker.PartitionID) string { return strconv.Itoa(int(p)) }
