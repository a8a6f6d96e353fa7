package invoker_test

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"lab/invoker"
)

// refDriver plays the reference workload (README, Measurements) on a node, as
// plainly as possible: every message sent is delivered at once in FIFO order
// (timers too), every task emits one journal entry and closes right away, and
// invokers take their turns in a fixed round-robin.
type refDriver struct {
	n        *invoker.Node
	inbox    []invoker.Envelope
	head     int
	events   []invoker.Event
	cursor   int // the invoker that stepped last
	steps    int // Node.Step calls + Node.Deliver calls
	finished int // invocations completed
	// observe, if set, sees every event.
	observe func(invoker.Event)
}

const (
	refPartitions  = 4
	refInvocations = 64
)

var refIDs = func() []invoker.InvocationID {
	ids := make([]invoker.InvocationID, refInvocations)
	for k := range ids {
		ids[k] = invoker.InvocationID(fmt.Sprintf("i%03d", k))
	}
	return ids
}()

func refConfig(store invoker.StoreFactory, queueLimit int) invoker.Config {
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.Variant = refPartitions, 8, invoker.Fixed
	cfg.QueueLimit = queueLimit
	cfg.Store = store
	return cfg
}

// pump takes what the node produced: messages go to the inbox, task starts
// get their outputs, loop exits get their join and cleanup.
func (d *refDriver) pump() {
	for {
		r := d.n.Ready()
		if len(r.Events) == 0 && len(r.Sent) == 0 {
			return
		}
		d.events = append(d.events[:0], r.Events...)
		d.inbox = append(d.inbox, r.Sent...)
		d.n.Advance()
		for i := range d.events {
			e := &d.events[i]
			if d.observe != nil {
				d.observe(*e)
			}
			switch e.Kind {
			case invoker.KindTaskStart:
				d.n.TaskOutput(e.Task, invoker.OutEntry)
				d.n.TaskOutput(e.Task, invoker.OutClosed)
			case invoker.KindStatus:
				if invoker.Status(e.To) == invoker.StatusCompleted {
					d.finished++
				}
			case invoker.KindShutdown:
				d.n.Send(invoker.Envelope{Kind: invoker.MsgJoin, Invoker: e.Invoker, PLE: invoker.PLE{Partition: invoker.NoPartition}})
			case invoker.KindJoined:
				if e.Outcome == invoker.OutcomeNone && d.n.Config().RemovesSpill() {
					d.n.Send(invoker.Envelope{Kind: invoker.MsgCleanup, Invoker: e.Invoker, PLE: invoker.PLE{Partition: invoker.NoPartition}})
				}
			}
		}
	}
}

// next delivers the oldest message, or takes the next ready arm; false when
// nothing is left to do.
func (d *refDriver) next() bool {
	if d.head < len(d.inbox) {
		m := d.inbox[d.head]
		d.inbox[d.head] = invoker.Envelope{}
		d.head++
		if d.head == len(d.inbox) {
			d.inbox, d.head = d.inbox[:0], 0
		}
		d.n.Deliver(m)
		d.steps++
		d.pump()
		return true
	}
	// Invokers in turn; each takes its first ready arm in declaration
	// order (input, dequeue, task, timer, shutdown), so a burst of invokes
	// is queued before it is dequeued and the queue spills.
	for k := 1; k <= d.n.Invokers(); k++ {
		i := (d.cursor + k) % d.n.Invokers()
		if ready := d.n.ReadyArms(i); ready != 0 {
			d.cursor = i
			if err := d.n.Step(i, ready.Nth(0)); err != nil {
				panic(err)
			}
			d.steps++
			d.pump()
			return true
		}
	}
	return false
}

func (d *refDriver) send(m invoker.Envelope) {
	d.n.Send(m)
	d.pump()
}

// runReference plays the whole reference workload once and returns the
// node, closed, for the caller to inspect.
func runReference(cfg invoker.Config) (*refDriver, error) {
	n, err := invoker.New(cfg)
	if err != nil {
		return nil, err
	}
	d := &refDriver{n: n}
	defer n.Close()
	playReference(d)
	return d, nil
}

// playReference plays the whole reference workload once on d's node.
func playReference(d *refDriver) {
	n := d.n
	for p := range refPartitions {
		d.send(invoker.Envelope{Kind: invoker.MsgBecomeLeader, PLE: invoker.PLE{Partition: invoker.PartitionID(p), Epoch: 1}})
	}
	for k, id := range refIDs {
		d.send(invoker.Envelope{Kind: invoker.MsgSubmit, PLE: invoker.PLE{Partition: invoker.PartitionID(k % refPartitions)}, Inv: id})
	}
	// Midway, partition 0 steps down and is re-elected at epoch 2.
	for d.finished < refInvocations/2 && d.next() {
	}
	d.send(invoker.Envelope{Kind: invoker.MsgStepDown, PLE: invoker.PLE{Partition: 0}})
	d.send(invoker.Envelope{Kind: invoker.MsgBecomeLeader, PLE: invoker.PLE{Partition: 0, Epoch: 2}})
	for d.next() {
	}
	// Node shutdown.
	d.send(invoker.Envelope{Kind: invoker.MsgStopIngress, PLE: invoker.PLE{Partition: invoker.NoPartition}})
	for p := range refPartitions {
		d.send(invoker.Envelope{Kind: invoker.MsgStepDown, PLE: invoker.PLE{Partition: invoker.PartitionID(p)}})
	}
	for i := range n.Invokers() {
		d.send(invoker.Envelope{Kind: invoker.MsgCancel, Invoker: i, PLE: invoker.PLE{Partition: invoker.NoPartition}})
	}
	for d.next() {
	}
}

// TestReferenceWorkloadDriver checks the benchmark's driver does the whole
// reference workload: every invocation completes, every invoker ends joined
// (Restate's fixed invoker never removes its spill directory; it is empty).
func TestReferenceWorkloadDriver(t *testing.T) {
	for name, cfg := range map[string]invoker.Config{
		"mem":  refConfig(invoker.MemStores(), 4),
		"file": refConfig(invoker.FileStores(t.TempDir()), 4),
	} {
		t.Run(name, func(t *testing.T) {
			d, err := runReference(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if d.finished != refInvocations {
				t.Errorf("%d of %d invocations completed", d.finished, refInvocations)
			}
			for i := range d.n.Invokers() {
				if s := d.n.InvokerState(i); s != invoker.InvokerJoined {
					t.Errorf("invoker%d is %s at the end, want joined", i, s)
				}
			}
			for p := range refPartitions {
				if l, e := d.n.Leader(invoker.PartitionID(p)); l || (p == 0 && e != 2) {
					t.Errorf("p%d: leader=%v epoch=%d at the end", p, l, e)
				}
			}
			if files, where := d.n.LeftoverSpill(); files != 0 {
				t.Errorf("%d spill files left in %v", files, where)
			}
			spilled := 0
			for _, iv := range d.n.Snapshot().Invokers {
				spilled += iv.Stats.Spilled
			}
			if spilled == 0 {
				t.Error("the reference workload never spilled a segment with queue limit 4")
			}
			t.Logf("%d model steps, %d segments spilled", d.steps, spilled)
		})
	}
}

func benchModelSteps(b *testing.B, cfg func() invoker.Config) {
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		d, err := runReference(cfg())
		if err != nil {
			b.Fatal(err)
		}
		total += d.steps
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(total)/float64(b.N), "steps/op")
}

// BenchmarkModelSteps is the model alone on the reference workload: no
// simulator, no invariant checks, no telemetry, segments in memory.
func BenchmarkModelSteps(b *testing.B) {
	benchModelSteps(b, func() invoker.Config { return refConfig(invoker.MemStores(), 4) })
}

// BenchmarkModelStepsFileStore is the same with spill files (queue limit 4).
func BenchmarkModelStepsFileStore(b *testing.B) {
	base := b.TempDir()
	benchModelSteps(b, func() invoker.Config { return refConfig(invoker.FileStores(base), 4) })
}

// BenchmarkQueueHeap1M queues 1,000,000 invokes on one invoker (one
// partition, quota 1, so nothing is dequeued) with a queue limit of 1024,
// and reports the live heap they cost, after a GC.
func BenchmarkQueueHeap1M(b *testing.B) {
	for _, store := range []string{"file", "mem"} {
		b.Run(store, func(b *testing.B) {
			base := b.TempDir()
			for b.Loop() {
				cfg := invoker.DefaultConfig()
				cfg.Partitions, cfg.Quota, cfg.QueueLimit = 1, 1, 1024
				cfg.Store = invoker.MemStores()
				if store == "file" {
					cfg.Store = invoker.FileStores(base)
				}
				heap := queueHeap(b, cfg, 1_000_000)
				b.ReportMetric(float64(heap), "heap-bytes")
			}
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// queueHeap fills invoker 0's queue with count invokes through the node and
// returns the live heap it grew by.
func queueHeap(b *testing.B, cfg invoker.Config, count int) uint64 {
	before := liveHeap()
	n, err := invoker.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	n.Send(invoker.Envelope{Kind: invoker.MsgBecomeLeader, PLE: invoker.PLE{Partition: 0, Epoch: 1}})
	for len(n.Ready().Sent) > 0 {
		msgs := append([]invoker.Envelope(nil), n.Ready().Sent...)
		n.Advance()
		for _, m := range msgs {
			n.Deliver(m)
		}
	}
	if err := n.Step(0, invoker.ArmInput); err != nil { // register p0/e1
		b.Fatal(err)
	}
	n.Advance()
	invoke := invoker.Envelope{Kind: invoker.MsgInvoke, Invoker: 0, PLE: invoker.PLE{Partition: 0, Epoch: 1}}
	for k := range count {
		invoke.ID = uint64(k + 1)
		invoke.Inv = invoker.InvocationID("inv-" + strconv.Itoa(k))
		n.Deliver(invoke)
		if err := n.Step(0, invoker.ArmInput); err != nil {
			b.Fatal(err)
		}
		n.Advance()
	}
	if got := n.QueueLen(0); got != count {
		b.Fatalf("queue holds %d, want %d", got, count)
	}
	after := liveHeap()
	runtime.KeepAlive(n)
	if after < before {
		return 0
	}
	return after - before
}

// BenchmarkModelStepsReuse is BenchmarkModelSteps with the driver's buffers
// kept from run to run, so that only the node's allocations count: "new"
// builds a node per run (New, Close), "reset" reuses one (Reset).
func BenchmarkModelStepsReuse(b *testing.B) {
	cfg := refConfig(nil, 4)
	for _, mode := range []string{"new", "reset"} {
		b.Run(mode, func(b *testing.B) {
			n, err := invoker.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			d := &refDriver{n: n}
			b.ReportAllocs()
			for b.Loop() {
				if mode == "reset" {
					err = n.Reset(cfg)
				} else {
					_ = n.Close()
					n, err = invoker.New(cfg)
				}
				if err != nil {
					b.Fatal(err)
				}
				*d = refDriver{n: n, inbox: d.inbox[:0], events: d.events[:0]}
				playReference(d)
				if d.finished != refInvocations {
					b.Fatalf("%d of %d invocations completed", d.finished, refInvocations)
				}
			}
			_ = n.Close()
		})
	}
}
