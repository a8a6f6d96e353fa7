package telemetry_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

func newMetrics(t *testing.T, o telemetry.MetricsOptions) (*prometheus.Registry, *telemetry.Metrics) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	m, err := telemetry.NewMetrics(reg, o)
	if err != nil {
		t.Fatal(err)
	}
	return reg, m
}

// families gathers the registry into name -> family.
func families(t *testing.T, reg prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// sum adds the values of a family's series whose labels include want.
func sum(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	mf, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	total := 0.0
	for _, m := range mf.GetMetric() {
		match := true
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// The counters agree with the run's own counts, for a buggy run that panics
// and a fixed run that drops stale invokes.
func TestMetricsCountTheRun(t *testing.T) {
	for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
		t.Run(v.String(), func(t *testing.T) {
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			r := runWith(t, faults.DefaultSeed, v, "shutdown-race", m)
			f := families(t, reg)
			check := func(name string, labels map[string]string, want int) {
				t.Helper()
				if got := sum(t, f, name, labels); got != float64(want) {
					t.Errorf("%s%v = %v, want %d", name, labels, got, want)
				}
			}
			check("lab_invoker_enqueue_total", nil, r.Kinds[invoker.KindEnqueue])
			check("lab_invoker_invocation_tasks_total", map[string]string{"status": "started"}, r.Kinds[invoker.KindTaskStart])
			ended := int(sum(t, f, "lab_invoker_invocation_tasks_total", nil)) - r.Kinds[invoker.KindTaskStart]
			if ended != r.Kinds[invoker.KindTaskEnd] {
				t.Errorf("tasks ended by status add up to %d, want %d", ended, r.Kinds[invoker.KindTaskEnd])
			}
			check("lab_invoker_task_duration_seconds", nil, r.Kinds[invoker.KindTaskEnd])
			check("lab_invoker_stale_invokes_dropped_total", nil, r.Kinds[invoker.KindStaleInvoke])
			stale := 0
			for _, p := range r.Final.Partitions {
				stale += p.Stats.StaleEffects
			}
			check("lab_partition_stale_effects_dropped_total", nil, stale)
			for a := faults.Delay; a <= faults.Duplicate; a++ {
				if r.Faults[a] > 0 {
					check("lab_faults_injected_total", map[string]string{"kind": a.String()}, r.Faults[a])
				}
			}
			verdict := "ok"
			if !r.OK() {
				verdict = "violated"
				check("lab_invariant_violations_total", map[string]string{"invariant": faults.NoPanic}, len(r.Violations))
			}
			check("lab_runs_total", map[string]string{"variant": v.String(), "verdict": verdict}, 1)
			check("lab_sim_steps_total", map[string]string{"kind": "invoker"}, r.Steps)
			check("lab_sim_steps_total", map[string]string{"kind": "deliver"}, r.Deliveries)
			// Two shutdowns: the safety phase's and the end's.
			check("lab_shutdown_phase_duration_seconds", map[string]string{"phase": "stop-ingress"}, 2)
			// Restate's shutdown ends with joining: nothing removes the spill
			// directory in buggy or fixed.
			check("lab_shutdown_phase_duration_seconds", map[string]string{"phase": "join"}, r.Kinds[invoker.KindJoined])
			check("lab_shutdown_phase_duration_seconds", map[string]string{"phase": "spill-cleanup"}, 0)
			// Gauges: the final state.
			check("lab_invoker_concurrency_limit", nil, 8*len(r.Final.Invokers))
			check("lab_invoker_available_slots", nil, 8*len(r.Final.Invokers))
			check("lab_invocations", nil, len(r.Final.Invocations))
			check("lab_run_info", map[string]string{"seed": strconv.Itoa(faults.DefaultSeed), "variant": v.String(), "plan": "shutdown-race",
				"model_revision": strconv.Itoa(faults.ModelRevision), "settings": ""}, 1)
		})
	}
}

// The per-term invoker's partitions drop effects by fencing token, and the
// counter of those agrees with the partitions' own counts: under chaos,
// with kills and pauses, stragglers of an ended invoke come.
func TestMetricsCountFencedEffects(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	o := options(t, 1, invoker.Term, "chaos")
	o.Workload.Kills, o.Workload.Pauses = 4, 4
	r := runOptions(t, o, m)
	fenced := 0
	for _, p := range r.Final.Partitions {
		fenced += p.Stats.StaleTokens
	}
	if fenced == 0 {
		t.Fatal("no effect was fenced off by its token: the run shows nothing")
	}
	if got := sum(t, families(t, reg), "lab_partition_fenced_effects_dropped_total", nil); got != float64(fenced) {
		t.Errorf("lab_partition_fenced_effects_dropped_total = %v, want %d", got, fenced)
	}
}

// The fixed variant drops the stale invokes the buggy one panics on, and
// counts them per partition: on the README's seed, those dequeued after the
// shutdown's AbortAllPartition (p1's at seed 2). Each partition's series
// holds the stale-invoke events of that partition.
func TestMetricsStaleInvokes(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	stale := map[invoker.PartitionID]int{}
	r := runWith(t, faults.DefaultSeed, invoker.Fixed, "shutdown-race", m, faults.EventFunc(func(e invoker.Event) {
		if e.Kind == invoker.KindStaleInvoke {
			stale[e.Partition]++
		}
	}))
	if r.Kinds[invoker.KindStaleInvoke] == 0 {
		t.Fatalf("seed %d of shutdown-race drops no stale invoke in the fixed variant any more; pick another seed", faults.DefaultSeed)
	}
	f := families(t, reg)
	for _, p := range r.Final.Partitions {
		label := strconv.Itoa(int(p.ID))
		if got := sum(t, f, "lab_invoker_stale_invokes_dropped_total", map[string]string{"partition": label}); got != float64(stale[p.ID]) {
			t.Errorf("stale invokes of p%d = %v, want %d", p.ID, got, stale[p.ID])
		}
	}
}

// Task panics and what follows them: every panicked task is counted as
// such, every re-raise as a death, and a partition processor noticing it
// only with the #4103 watch. Under on-panic unwind (#4102), nothing
// notices, and the deaths outnumber the notices on a dashboard.
func TestMetricsTaskPanicsAndNotices(t *testing.T) {
	for _, onPanic := range []invoker.OnPanic{invoker.PanicWatched, invoker.PanicUnwinds} {
		t.Run(onPanic.String(), func(t *testing.T) {
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			o := options(t, 1, invoker.Fixed, "none")
			o.Node.OnPanic, o.Workload.Tasks.Panic, o.Workload.Shutdown = onPanic, 0.05, false
			var panicked int
			r := runOptions(t, o, m, faults.EventFunc(func(e invoker.Event) {
				if e.Kind == invoker.KindTaskEnd && e.Outcome == invoker.EndPanicked {
					panicked++
				}
			}))
			f := families(t, reg)
			deaths := r.Kinds[invoker.KindPanic]
			if panicked == 0 || deaths == 0 {
				t.Fatalf("seed 1 has %d task panics and %d deaths: pick another seed", panicked, deaths)
			}
			if got := sum(t, f, "lab_invoker_invocation_tasks_total", map[string]string{"status": "panicked"}); got != float64(panicked) {
				t.Errorf("tasks panicked = %v, want %d", got, panicked)
			}
			if got := sum(t, f, "lab_invoker_deaths_total", nil); got != float64(deaths) {
				t.Errorf("deaths = %v, want %d", got, deaths)
			}
			noticed := sum(t, f, "lab_partition_invoker_exits_noticed_total", nil)
			if noticed != float64(r.Kinds[invoker.KindExitNoticed]) || (onPanic == invoker.PanicUnwinds) != (noticed == 0) {
				t.Errorf("exits noticed = %v (%d events) under on-panic %s", noticed, r.Kinds[invoker.KindExitNoticed], onPanic)
			}
		})
	}
}

// Every retry timer that fires is counted once, by what it did; with
// unkeyed timers (#4064) and pauses, the stale ones that reach a newer
// state machine are counted as in_flight or retried_early, as many as the
// timer-fencing violations, and with keyed timers there are none.
func TestMetricsRetryTimers(t *testing.T) {
	for _, timers := range []invoker.RetryTimers{invoker.RetryTimersUnkeyed, invoker.RetryTimersKeyed} {
		t.Run(timers.String(), func(t *testing.T) {
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			o := options(t, 19, invoker.Fixed, "none")
			o.Node.RetryTimers, o.Workload.Pauses = timers, 8
			r := runOptions(t, o, m)
			f := families(t, reg)
			if got := sum(t, f, "lab_invoker_retry_timers_total", nil); got != float64(r.Kinds[invoker.KindTimerFired]) {
				t.Errorf("retry timers = %v, want the %d that fired", got, r.Kinds[invoker.KindTimerFired])
			}
			if sum(t, f, "lab_invoker_retry_timers_total", map[string]string{"result": "own"}) == 0 {
				t.Error("no timer retried its own wait")
			}
			stale := sum(t, f, "lab_invoker_retry_timers_total", map[string]string{"result": "in_flight"}) +
				sum(t, f, "lab_invoker_retry_timers_total", map[string]string{"result": "retried_early"})
			fenced := sum(t, f, "lab_invariant_violations_total", map[string]string{"invariant": faults.TimerFencing})
			if stale != fenced || (timers == invoker.RetryTimersUnkeyed) != (stale > 0) {
				t.Errorf("%v stale timers reached a state machine, %v timer-fencing violations, under %s timers", stale, fenced, timers)
			}
		})
	}
}

// Counters by invoker count their events, and each invoker has a series
// from the start: every time a loop parks on a full effect channel, behind
// a slow partition on a channel of 2 (slow-partition), and never on the
// default channel of 64; every sleep of a throttled queue, and none
// unthrottled; every yield of an attempt out of memory, and none with the
// yield off.
func TestMetricsCountersByInvoker(t *testing.T) {
	kind := func(k invoker.Kind) func(*faults.Result) int { return func(r *faults.Result) int { return r.Kinds[k] } }
	yields := func(r *faults.Result) int { return r.Yields }
	hungry := func(y invoker.Yield) func(*faults.Options) {
		return func(o *faults.Options) { o.Node.MemoryLimit, o.Node.Yield, o.Workload.Hungry = 8, y, 16 }
	}
	for _, c := range []struct {
		name, metric, plan string
		events             func(*faults.Result) int
		edit               func(*faults.Options)
		counts             bool
	}{
		{"parked on 2", "lab_invoker_effect_sends_parked_total", "slow-partition", kind(invoker.KindBlocked),
			func(o *faults.Options) { o.Node.EffectCapacity = 2 }, true},
		{"parked on 64", "lab_invoker_effect_sends_parked_total", "slow-partition", kind(invoker.KindBlocked),
			func(o *faults.Options) { o.Node.EffectCapacity = 64 }, false},
		{"throttled", "lab_invoker_dequeues_throttled_total", "none", kind(invoker.KindThrottled),
			func(o *faults.Options) { o.Node.Throttle = invoker.Throttle{Rate: 100, Per: time.Second, Burst: 8} }, true},
		{"unthrottled", "lab_invoker_dequeues_throttled_total", "none", kind(invoker.KindThrottled),
			func(*faults.Options) {}, false},
		{"yielded", "lab_invoker_yields_total", "none", yields, hungry(invoker.YieldOn), true},
		{"retried", "lab_invoker_yields_total", "none", yields, hungry(invoker.YieldOff), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg, m := newMetrics(t, telemetry.MetricsOptions{})
			o := options(t, 1, invoker.Fixed, c.plan)
			c.edit(&o)
			r := runOptions(t, o, m)
			f := families(t, reg)
			got := sum(t, f, c.metric, nil)
			if got != float64(c.events(r)) || c.counts != (got > 0) {
				t.Errorf("%s = %v (%d events)", c.metric, got, c.events(r))
			}
			if series := len(f[c.metric].GetMetric()); series != o.Node.Partitions {
				t.Errorf("%d series, want one per invoker (%d)", series, o.Node.Partitions)
			}
		})
	}
}

// Names, help texts, units and types pass promlint.
func TestMetricsLint(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	runWith(t, 1, invoker.Buggy, "chaos", m)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if n := len(families(t, reg)); n < 15 {
		t.Errorf("only %d metric families after a run", n)
	}
}

// Gauges come from the view at scrape time, not from the node.
func TestMetricsGaugesReadTheView(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	if n := len(families(t, reg)); n == 0 {
		t.Log("no families before a run")
	}
	snap := &faults.Snapshot{At: 1500e6, Node: invoker.Snapshot{Invokers: []invoker.InvokerSnapshot{{ID: 0, SlotLimit: 8,
		SlotsUsed: 3, QueueLen: 7, QueueInMemory: 4, QueueOnDisk: 3, LiveTasks: 3, InFlight: 3, WaitingRetry: 1, Permits: 1}},
		PermitsInUse: 2, PermitLimit: 8, Partitions: []invoker.PartitionSnapshot{{ID: 0, Waiting: 3}}}}
	m.SetView(func() *faults.Snapshot { return snap })
	want := `# HELP lab_invoker_queue_depth Invokes waiting in an invoker's segmented queue, in memory or spilled to disk.
# TYPE lab_invoker_queue_depth gauge
lab_invoker_queue_depth{invoker="0",location="disk"} 3
lab_invoker_queue_depth{invoker="0",location="memory"} 4
# HELP lab_invoker_available_slots Concurrency slots an invoker has free (Restate: restate_invoker_available_slots); above the limit when slots were given back that were never taken (--vqueues unguarded, restatedev/restate#4520).
# TYPE lab_invoker_available_slots gauge
lab_invoker_available_slots{invoker="0"} 5
# HELP lab_invoker_state_machines Invocation state machines an invoker holds, in flight or waiting to retry, that hold a slot (all but those a vqueue permit started, --vqueues): slots in use beyond them are leaked (--paused-slots leaked, restatedev/restate#4468), below them given back without being taken (--vqueues unguarded, restatedev/restate#4520).
# TYPE lab_invoker_state_machines gauge
lab_invoker_state_machines{invoker="0"} 3
# HELP lab_sim_virtual_time_seconds The simulator's virtual clock.
# TYPE lab_sim_virtual_time_seconds gauge
lab_sim_virtual_time_seconds 1.5
# HELP lab_vqueue_permit_limit The node's concurrency limit with vqueues: permits the scheduler can grant (--quota; absent without --vqueues).
# TYPE lab_vqueue_permit_limit gauge
lab_vqueue_permit_limit 8
# HELP lab_vqueue_permits_in_use Permits of the node's concurrency limit the vqueue scheduler has granted, to invocations running or on their way to the invoker (--vqueues; absent without).
# TYPE lab_vqueue_permits_in_use gauge
lab_vqueue_permits_in_use 2
# HELP lab_vqueue_waiting Invocations waiting in a partition's vqueue for a permit (--vqueues; absent without).
# TYPE lab_vqueue_waiting gauge
lab_vqueue_waiting{partition="0"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"lab_invoker_queue_depth", "lab_invoker_available_slots", "lab_invoker_state_machines", "lab_sim_virtual_time_seconds",
		"lab_vqueue_permit_limit", "lab_vqueue_permits_in_use", "lab_vqueue_waiting"); err != nil {
		t.Error(err)
	}
}

// The memory pool's gauges are there only with a pool: its use and its
// capacity, in leases, from the view.
func TestMetricsMemoryPool(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	snap := &faults.Snapshot{}
	m.SetView(func() *faults.Snapshot { return snap })
	names := []string{"lab_memory_pool_usage_leases", "lab_memory_pool_capacity_leases"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(""), names...); err != nil {
		t.Errorf("without a pool: %v", err)
	}
	snap = &faults.Snapshot{Node: invoker.Snapshot{MemoryInUse: 5, MemoryLimit: 6}}
	want := `# HELP lab_memory_pool_capacity_leases Leases the invokers' memory pool holds: memory-limit over per-invocation-initial-memory (Restate: restate_memory_pool_capacity_bytes, in bytes; absent without a pool).
# TYPE lab_memory_pool_capacity_leases gauge
lab_memory_pool_capacity_leases 6
# HELP lab_memory_pool_usage_leases Leases of the invokers' memory pool held, by invocations and by queues for their next invoke (--memory-limit; Restate: restate_memory_pool_usage_bytes, in bytes; absent without a pool).
# TYPE lab_memory_pool_usage_leases gauge
lab_memory_pool_usage_leases 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}

// The longest stall is the virtual time since the stalled invocation's last
// step forward, beside the progress bound; 0 when nothing is hot, and
// neither when the monitor is off.
func TestMetricsStall(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	var snap faults.Snapshot
	m.SetView(func() *faults.Snapshot { return &snap })
	for _, tc := range []struct {
		stall faults.Stall
		want  string
	}{
		{faults.Stall{Inv: "i042", Since: 145e6, Bound: 5 * time.Minute}, "lab_progress_stall_seconds 120\nlab_progress_bound_seconds 300\n"},
		{faults.Stall{Bound: 5 * time.Minute}, "lab_progress_stall_seconds 0\nlab_progress_bound_seconds 300\n"},
		{faults.Stall{}, ""},
	} {
		snap = faults.Snapshot{At: 120*time.Second + 145e6, Stall: tc.stall}
		got := ""
		for _, name := range []string{"lab_progress_stall_seconds", "lab_progress_bound_seconds"} {
			if _, ok := families(t, reg)[name]; ok {
				got += fmt.Sprintf("%s %v\n", name, sum(t, families(t, reg), name, nil))
			}
		}
		if got != tc.want {
			t.Errorf("%+v: got\n%swant\n%s", tc.stall, got, tc.want)
		}
	}
}

// Durations carry the trace id as an exemplar, served as OpenMetrics.
func TestMetricsExemplars(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	reg, m := newMetrics(t, telemetry.MetricsOptions{TraceID: func(invoker.InvocationID) string { return id }})
	runWith(t, 1, invoker.Fixed, "none", m)
	srv, err := telemetry.ServeMetrics("127.0.0.1:0", reg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	req, _ := http.NewRequest("GET", "http://"+srv.Addr()+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text") {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	for _, name := range []string{"lab_invoker_task_duration_seconds_bucket", "lab_shutdown_phase_duration_seconds_bucket"} {
		found := false
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, name) && strings.Contains(line, `# {trace_id="`+id+`"}`) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no %s line with a trace_id exemplar", name)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(text), "# EOF") {
		t.Error("not an OpenMetrics exposition")
	}
}

// lab_run_info names the settings a run changes from the defaults, so that
// a dashboard tells two runs of one seed and variant apart.
func TestRunInfoNamesTheSettings(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	o := options(t, 28, invoker.Buggy, "none")
	o.Node.OnPanic, o.Node.SpillDirs, o.Node.SharedTmpDir, o.Workload.Pauses = invoker.PanicUnwinds, invoker.SpillDirsRemoved, true, 2
	runOptions(t, o, m)
	want := "shared-tmp-dir=true on-panic=unwind spill-dirs=removed pauses=2"
	if got := sum(t, families(t, reg), "lab_run_info", map[string]string{"seed": "28", "settings": want}); got != 1 {
		t.Errorf("lab_run_info{settings=%q} = %v, want 1", want, got)
	}
}

// An attempt out of memory (--memory-hungry on a small pool) is a
// transient failure, retried: each counts as failed_transient, and none
// as failed.
func TestMetricsOutOfMemoryIsTransient(t *testing.T) {
	reg, m := newMetrics(t, telemetry.MetricsOptions{})
	o := options(t, 1, invoker.Fixed, "none")
	o.Node.MemoryLimit, o.Workload.Hungry = 8, 16
	var oom int
	runOptions(t, o, m, faults.EventFunc(func(e invoker.Event) {
		if e.Kind == invoker.KindTaskStart && e.Outcome == invoker.TaskOutOfMemory {
			oom++
		}
	}))
	f := families(t, reg)
	transient := sum(t, f, "lab_invoker_invocation_tasks_total", map[string]string{"status": "failed_transient"})
	if oom == 0 || transient < float64(oom) || sum(t, f, "lab_invoker_invocation_tasks_total", map[string]string{"status": "failed"}) != 0 {
		t.Errorf("%d attempts out of memory; failed_transient %v, failed %v", oom, transient,
			sum(t, f, "lab_invoker_invocation_tasks_total", map[string]string{"status": "failed"}))
	}
}

// A pause that leaks its slot (--paused-slots leaked, #4468) shows on the
// gauges as it did in Restate's: a second into seed 19's run, on a node
// left running, its invoker has more slots in use than state machines;
// with the slots released, every invoker's in use equal its state
// machines.
func TestMetricsShowALeakedSlot(t *testing.T) {
	for _, c := range []struct {
		slots invoker.PausedSlots
		leak  bool
	}{{invoker.PausedSlotsLeaked, true}, {invoker.PausedSlotsReleased, false}} {
		reg, m := newMetrics(t, telemetry.MetricsOptions{})
		o := options(t, 19, invoker.Fixed, "none")
		o.Node.PausedSlots, o.Workload.Pauses, o.Workload.Shutdown = c.slots, 8, false
		sim, err := faults.New(o)
		if err != nil {
			t.Fatal(err)
		}
		for !sim.Done() && sim.Now() < time.Second {
			if _, err := sim.Step(); err != nil {
				t.Fatal(err)
			}
		}
		snap := sim.Snapshot()
		sim.Close()
		m.SetView(func() *faults.Snapshot { return &snap })
		f := families(t, reg)
		leaked := 0.0
		for _, iv := range snap.Node.Invokers {
			id := map[string]string{"invoker": strconv.Itoa(iv.ID)}
			inUse := sum(t, f, "lab_invoker_concurrency_limit", id) - sum(t, f, "lab_invoker_available_slots", id)
			leaked += inUse - sum(t, f, "lab_invoker_state_machines", id)
		}
		if (leaked > 0) != c.leak {
			t.Errorf("paused-slots %s: %v slots in use beyond the state machines", c.slots, leaked)
		}
	}
}
