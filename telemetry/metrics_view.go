package telemetry

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"lab/invoker"
)

// viewCollector reads the gauges from the published snapshot at scrape time.
type viewCollector struct{ m *Metrics }

var (
	descSlots = prometheus.NewDesc("lab_invoker_available_slots",
		"Concurrency slots an invoker has free (Restate: restate_invoker_available_slots); above the limit when slots were given back that were never taken (--vqueues unguarded, restatedev/restate#4520).", []string{"invoker"}, nil)
	descLimit = prometheus.NewDesc("lab_invoker_concurrency_limit",
		"Concurrency slots an invoker has (Restate: restate_invoker_concurrency_limit).", []string{"invoker"}, nil)
	descMachines = prometheus.NewDesc("lab_invoker_state_machines",
		"Invocation state machines an invoker holds, in flight or waiting to retry, that hold a slot (all but those a vqueue permit started, --vqueues): slots in use beyond them are leaked (--paused-slots leaked, restatedev/restate#4468), below them given back without being taken (--vqueues unguarded, restatedev/restate#4520).", []string{"invoker"}, nil)
	descInflight = prometheus.NewDesc("lab_invoker_inflight_tasks",
		"Invocation tasks an invoker runs now (Restate: restate_invoker_inflight_tasks).", []string{"invoker"}, nil)
	descQueue = prometheus.NewDesc("lab_invoker_queue_depth",
		"Invokes waiting in an invoker's segmented queue, in memory or spilled to disk.", []string{"invoker", "location"}, nil)
	descEpoch = prometheus.NewDesc("lab_partition_leader_epoch",
		"A partition processor's current leader epoch.", []string{"partition"}, nil)
	descLeader = prometheus.NewDesc("lab_partition_is_leader",
		"1 if the partition processor leads now, 0 if it follows.", []string{"partition"}, nil)
	descInvocations = prometheus.NewDesc("lab_invocations",
		"Invocations by durable status at the partition processors.", []string{"status"}, nil)
	descVirtual = prometheus.NewDesc("lab_sim_virtual_time_seconds",
		"The simulator's virtual clock.", nil, nil)
	descStall = prometheus.NewDesc("lab_progress_stall_seconds",
		"Virtual time the invocation longest without a step forward has waited, among those invoked or holding a state machine (0: none); the progress invariant fails at lab_progress_bound_seconds.", nil, nil)
	descMemoryUsage = prometheus.NewDesc("lab_memory_pool_usage_leases",
		"Leases of the invokers' memory pool held, by invocations and by queues for their next invoke (--memory-limit; Restate: restate_memory_pool_usage_bytes, in bytes; absent without a pool).", nil, nil)
	descMemoryCapacity = prometheus.NewDesc("lab_memory_pool_capacity_leases",
		"Leases the invokers' memory pool holds: memory-limit over per-invocation-initial-memory (Restate: restate_memory_pool_capacity_bytes, in bytes; absent without a pool).", nil, nil)
	descPermitsInUse = prometheus.NewDesc("lab_vqueue_permits_in_use",
		"Permits of the node's concurrency limit the vqueue scheduler has granted, to invocations running or on their way to the invoker (--vqueues; absent without).", nil, nil)
	descPermitLimit = prometheus.NewDesc("lab_vqueue_permit_limit",
		"The node's concurrency limit with vqueues: permits the scheduler can grant (--quota; absent without --vqueues).", nil, nil)
	descWaiting = prometheus.NewDesc("lab_vqueue_waiting",
		"Invocations waiting in a partition's vqueue for a permit (--vqueues; absent without).", []string{"partition"}, nil)
	descStallBound = prometheus.NewDesc("lab_progress_bound_seconds",
		"How long an invocation may go without a step forward before the progress invariant fails (absent when the monitor is off).", nil, nil)
)

func (viewCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSlots, descLimit, descMachines, descInflight, descQueue, descEpoch,
		descLeader, descInvocations, descVirtual, descStall, descStallBound, descMemoryUsage, descMemoryCapacity, descPermitsInUse, descPermitLimit, descWaiting} {
		ch <- d
	}
}

func (c viewCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.m.snapshot()
	if snap == nil {
		return
	}
	s := &snap.Node
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descVirtual, snap.At.Seconds())
	if st := snap.Stall; st.Bound > 0 {
		stalled := 0.0
		if st.Inv != "" {
			stalled = (snap.At - st.Since).Seconds()
		}
		gauge(descStall, stalled)
		gauge(descStallBound, st.Bound.Seconds())
	}
	if s.MemoryLimit > 0 {
		gauge(descMemoryUsage, float64(s.MemoryInUse))
		gauge(descMemoryCapacity, float64(s.MemoryLimit))
	}
	if s.PermitLimit > 0 {
		gauge(descPermitsInUse, float64(s.PermitsInUse))
		gauge(descPermitLimit, float64(s.PermitLimit))
		for _, p := range s.Partitions {
			gauge(descWaiting, float64(p.Waiting), partitionLabel(p.ID))
		}
	}
	for _, iv := range s.Invokers {
		id := strconv.Itoa(iv.ID)
		gauge(descSlots, float64(iv.SlotLimit-iv.SlotsUsed), id)
		gauge(descLimit, float64(iv.SlotLimit), id)
		gauge(descMachines, float64(iv.InFlight+iv.WaitingRetry-iv.Permits), id)
		gauge(descInflight, float64(iv.LiveTasks), id)
		gauge(descQueue, float64(iv.QueueInMemory), id, "memory")
		gauge(descQueue, float64(iv.QueueOnDisk), id, "disk")
	}
	var byStatus [len(invoker.PartitionSnapshot{}.ByStatus)]int
	for _, p := range s.Partitions {
		id := partitionLabel(p.ID)
		gauge(descEpoch, float64(p.Epoch), id)
		leader := 0.0
		if p.Leader {
			leader = 1
		}
		gauge(descLeader, leader, id)
		for st, n := range p.ByStatus {
			byStatus[st] += n
		}
	}
	for st, n := range byStatus {
		if invoker.Status(st) == invoker.StatusNone {
			continue
		}
		gauge(descInvocations, float64(n), invoker.Status(st).String())
	}
}
