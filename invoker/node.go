package invoker

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Node is one Restate worker node as the lab models it: a partition
// processor per partition, their invoker(s), and the invocation tasks.
//
// It is a pure state machine with the shape of etcd raft's RawNode. The
// caller delivers messages (Deliver), takes invoker arms (Step) and moves
// time (SetTime); the node never chooses an order itself. What it produced
// since the last Advance is in Ready: events, and messages for the caller to
// deliver, delay, drop or duplicate.
type Node struct {
	cfg         Config
	now         time.Duration
	incarnation int
	ingressOpen bool
	// down: the process aborted; nothing of this incarnation runs any more.
	down     bool
	pps      []*partitionProcessor
	invokers []*Invoker
	// retired are invokers of earlier incarnations whose spill directory
	// was never removed.
	retired  []*Invoker
	nextTask TaskID
	nextMsg  uint64
	// cause is the id of the message being handled, stamped on every event
	// emitted meanwhile (Event.Cause).
	cause uint64
	ready Ready
	// isms and records hand out state machines and status records a block
	// at a time (newISM, newRecord).
	isms    slab[ism]
	records slab[record]
	// ownStores: Config.Store was nil, so the node makes its MemStores
	// itself and Reset may reuse them.
	ownStores bool
	// partitionIDs is 0..Partitions-1, the invokers' serves (read only).
	partitionIDs []PartitionID
	// spareInvokers are invokers of an earlier run, emptied by Reset, for
	// openInvokers to reuse.
	spareInvokers []*Invoker
	// resetErr is why the last Reset failed; the node is empty until the
	// next Reset succeeds.
	resetErr error
	// hostErr is the first spill operation the host failed (HostErr).
	hostErr *HostError
	// bucketFull is when the node's invocation token bucket is full again
	// (Config.Throttle): at or before now, it is full.
	bucketFull time.Duration
	// vq is the vqueue scheduler's permits (Config.VQueues).
	vq vqScheduler
}

// HostErr is the first spill operation the host failed (a *HostError), or
// nil. The model does not react to such a failure: the run must end there,
// for what follows would be the host's doing, not the seed's.
func (n *Node) HostErr() error {
	if n.hostErr == nil {
		return nil
	}
	return n.hostErr
}

func (n *Node) hostFailed(err *HostError) {
	if n.hostErr == nil {
		n.hostErr = err
	}
}

// Ready is what the node produced since the last Advance.
type Ready struct {
	Events []Event
	// Sent are the messages that left a sender, for the caller to deliver.
	Sent []Envelope
}

// task is one attempt of one invocation: the simulated service deployment.
// Its outputs are chosen by the caller (TaskOutput).
type task struct {
	id      TaskID
	ple     PLE
	inv     InvocationID
	attempt int
	// base is the journal length the attempt read when it started.
	base    int
	entries int
	// notInvoked: the attempt found the invocation no longer invoked and
	// fails by itself.
	notInvoked bool
	// token is its state machine's fencing token (ism.token).
	token uint64
	// hungry: the attempt's request outgrows its initial lease, and it
	// asks the node's memory pool for a second one (Invoker.growHungry);
	// grown: it holds that lease, until it ends.
	hungry, grown bool
}

// New builds a node and starts its invokers, creating their spill stores.
func New(cfg Config) (*Node, error) {
	n := &Node{}
	if err := n.init(cfg); err != nil {
		return nil, err
	}
	return n, nil
}

// init makes n, a zero node or one Reset emptied, what New(cfg) returns,
// reusing the memory n kept.
func (n *Node) init(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Store == nil {
		cfg.Store, n.ownStores = MemStores(), true
	}
	n.cfg, n.ingressOpen = cfg, true
	n.resetPermits()
	n.isms.size, n.records.size = 32, 64
	// Reset left the partition processors of earlier runs past len(n.pps).
	spare := n.pps[:cap(n.pps)]
	n.pps = slices.Grow(n.pps[:0], cfg.Partitions)
	for p := range cfg.Partitions {
		var pp *partitionProcessor
		if p < len(spare) && spare[p] != nil {
			pp = spare[p]
		} else {
			pp = &partitionProcessor{}
		}
		pp.init(n, PartitionID(p))
		n.pps = append(n.pps, pp)
	}
	if len(n.partitionIDs) != cfg.Partitions {
		n.partitionIDs = make([]PartitionID, cfg.Partitions)
		for p := range n.partitionIDs {
			n.partitionIDs[p] = PartitionID(p)
		}
	}
	invokers, err := n.openInvokers(0, n.invokers[:0])
	if err != nil {
		return err
	}
	n.invokers = invokers
	return nil
}

// openInvokers builds the invokers of an incarnation and their spill stores,
// appended to buf. If a store cannot be opened, the ones already opened are
// removed.
func (n *Node) openInvokers(incarnation int, buf []*Invoker) ([]*Invoker, error) {
	// A shared invoker serves every partition; otherwise invoker p serves
	// partition p, a one-element window of the same slice.
	all := n.partitionIDs
	count := len(all)
	if n.cfg.SharedInvoker {
		count = 1
	}
	invokers := slices.Grow(buf, count)
	for i := range count {
		serves := all
		if !n.cfg.SharedInvoker {
			serves = all[i : i+1 : i+1]
		}
		iv := n.spareInvoker()
		var store SegmentStore
		var err error
		if n.cfg.SharesSpillStore() && i > 0 {
			store = invokers[0].queue.store
			if sh, ok := store.(shareable); ok {
				sh.share()
			}
		} else {
			store, err = n.openStore(iv, i, incarnation)
		}
		if err != nil {
			for _, iv := range invokers {
				_ = iv.queue.store.Remove()
			}
			return nil, err
		}
		iv.init(n, i, incarnation, serves, store)
		invokers = append(invokers, iv)
	}
	return invokers, nil
}

// Config is the node's configuration.
func (n *Node) Config() Config { return n.cfg }

// Now is the node's virtual time.
func (n *Node) Now() time.Duration { return n.now }

// Incarnation counts restarts.
func (n *Node) Incarnation() int { return n.incarnation }

// Invokers is how many invokers the current incarnation runs.
func (n *Node) Invokers() int { return len(n.invokers) }

// InvokerFor is the invoker serving partition p.
func (n *Node) InvokerFor(p PartitionID) int { return n.invokerFor(p).id }

func (n *Node) invokerFor(p PartitionID) *Invoker {
	if n.cfg.SharedInvoker {
		return n.invokers[0]
	}
	return n.invokers[p]
}

// ErrTimeBackwards is returned when time would move backwards.
var ErrTimeBackwards = errors.New("virtual time cannot move backwards")

// SetTime moves virtual time on. Due timers are messages the caller delivers.
func (n *Node) SetTime(t time.Duration) error {
	if t < n.now {
		return fmt.Errorf("%w: %v < %v", ErrTimeBackwards, t, n.now)
	}
	n.now = t
	return nil
}

// Ready returns what was produced since the last Advance. The slices are
// reused after Advance.
func (n *Node) Ready() Ready { return n.ready }

// Advance acknowledges everything Ready returned.
func (n *Node) Advance() {
	clear(n.ready.Events)
	n.ready.Events = n.ready.Events[:0]
	n.ready.Sent = n.ready.Sent[:0]
}

// Drain hands over what the node produced since the last hand-over, as
// Ready and Advance do, without copying: the node keeps spare's storage
// (emptied) for what it produces next, so a caller that passes the previous
// result back as spare allocates nothing in steady state.
func (n *Node) Drain(spare Ready) Ready {
	if len(n.ready.Events) == 0 && len(n.ready.Sent) == 0 {
		return Ready{Events: spare.Events[:0], Sent: spare.Sent[:0]} // nothing new: the common case, kept cheap
	}
	r := n.ready
	// Truncated, not cleared: the few Reason strings a stale entry keeps
	// alive are overwritten by the next events.
	n.ready = Ready{Events: spare.Events[:0], Sent: spare.Sent[:0]}
	return r
}

func (n *Node) emit(e Event) {
	if n.hostErr != nil {
		// What the model does past the host's failure is the host's doing:
		// nobody is told of it, and the caller ends the run.
		return
	}
	e.At = n.now
	if e.Cause == 0 {
		e.Cause = n.cause
	}
	n.ready.Events = append(n.ready.Events, e)
}

// Emit adds an event of the caller's (a fault decision, a violation) to the
// stream, so that everything that happened is in one ordered log.
func (n *Node) Emit(e Event) { n.emit(e) }

// Send gives a message of the outside world (a leadership change, a new
// invocation, a shutdown phase) its id; it comes back out of Ready.Sent.
func (n *Node) Send(m Envelope) Envelope { return n.send(m) }

func (n *Node) send(m Envelope) Envelope {
	n.nextMsg++
	m.ID = n.nextMsg
	m.Incarnation = n.incarnation
	n.ready.Sent = append(n.ready.Sent, m)
	n.emit(MsgEvent(KindSent, m))
	return m
}

// ReadyArms is the set of arms invoker i could take now.
func (n *Node) ReadyArms(i int) ArmSet {
	if i < 0 || i >= len(n.invokers) {
		return 0
	}
	return n.invokers[i].Ready()
}

// Step runs one iteration of invoker i's main loop, taking arm. Taking an
// arm that is not ready is an error and changes nothing. An assertion that
// fails inside the step kills the invoker, as the Rust panic did; that is an
// event, not an error.
func (n *Node) Step(i int, arm Arm) (err error) {
	if i < 0 || i >= len(n.invokers) {
		if n.resetErr != nil {
			return n.unusable()
		}
		return fmt.Errorf("no invoker %d", i)
	}
	iv := n.invokers[i]
	if !iv.Ready().Has(arm) {
		return fmt.Errorf("%w: invoker%d %s (ready: %s)", ErrNotReady, i, arm, iv.Ready())
	}
	iv.arm = arm
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(assertionError)
			if !ok {
				panic(r)
			}
			iv.die(a)
		}
		n.runScheduler()
		iv.took, iv.arm, n.cause = iv.arm, ArmNone, 0
	}()
	iv.step(arm)
	iv.atLoopTop()
	return nil
}

// Took is the arm invoker i's last step took: the arm it was given, or,
// when that was a dequeue that only started reading its head segment back
// (pending), the next ready branch select! went on to, or ArmNone if there
// was none.
func (n *Node) Took(i int) Arm {
	if i < 0 || i >= len(n.invokers) {
		return ArmNone
	}
	return n.invokers[i].took
}

func (n *Node) newTask(iv *Invoker, m *ism) task {
	n.nextTask++
	t := task{id: n.nextTask, ple: m.ple, inv: m.inv, attempt: m.attempt, token: m.token}
	r := n.pps[m.ple.Partition].records[m.inv]
	if r != nil {
		t.base = r.journal
	}
	// read_journal fails with NotInvoked unless the status is Invoked
	// (crates/worker/src/partition/invoker_storage_reader.rs:58,116). A
	// first attempt whose Invoke carried the journal reads nothing: it
	// runs, whatever the status (the zombie attempt of #411). Retries read
	// (invoker-impl lib.rs: NoCachedJournal).
	cached := m.journal && m.attempt == 1
	t.notInvoked = !cached && (r == nil || r.status != StatusInvoked)
	// Reading the state comes after the journal (invocation_task): an
	// attempt that fails NotInvoked never asks for more memory.
	t.hungry = !t.notInvoked && r != nil && r.hungry && n.cfg.MemoryOn()
	iv.liveTasks = append(iv.liveTasks, t) // ids only grow: still in id order
	return t
}

// newISM is a new state machine, taken from the current block.
func (n *Node) newISM(ple PLE, inv InvocationID) *ism {
	return n.isms.alloc(ism{ple: ple, inv: inv, state: ISMNew})
}

// newRecord is a new status record, taken from the current block.
func (n *Node) newRecord(status Status) *record {
	return n.records.alloc(record{status: status})
}

// liveTask finds running task id among the current invokers' tasks.
func (n *Node) liveTask(id TaskID) (*Invoker, *task) {
	for _, iv := range n.invokers {
		if i, ok := iv.findTask(id); ok {
			return iv, &iv.liveTasks[i]
		}
	}
	return nil, nil
}

// TaskInfo describes an invocation task, for whoever plays it.
type TaskInfo struct {
	ID      TaskID
	Invoker int
	PLE     PLE
	Inv     InvocationID
	Attempt int
}

// TaskOutput makes running task id produce an output: the caller plays the
// service deployment. A final output ends the task. OutPanicked sends
// nothing: the task ends panicked, and its invoker's join arm becomes ready
// (the returned envelope only names the task and its invoker). It returns
// false when the task is not running any more (aborted, finished, or its
// invoker gone).
func (n *Node) TaskOutput(id TaskID, out OutputKind) (Envelope, bool) {
	iv, t := n.liveTask(id)
	if t == nil {
		return Envelope{}, false
	}
	if out == OutPanicked {
		iv.joinable.push(joinable{t: *t, panicked: true})
		m := Envelope{Kind: MsgTaskOutput, Invoker: iv.id, PLE: t.ple, Inv: t.inv, Task: t.id, Attempt: t.attempt, Output: out}
		iv.endTask(id, EndPanicked)
		return m, true
	}
	m := Envelope{Kind: MsgTaskOutput, Invoker: iv.id, PLE: t.ple, Inv: t.inv,
		Task: t.id, Attempt: t.attempt, Output: out, Key: n.fence(t.token)}
	if out == OutEntry {
		t.entries++
		m.Index = t.base + t.entries
	}
	m = n.send(m)
	if out.Final() {
		iv.ending = append(iv.ending, *t)
		iv.endTask(id, EndFinished)
	}
	return m, true
}

// Request forwards a user request to partition p's invoker: MsgPause,
// MsgRetryNow or MsgCompletion (with a journal index). It returns false when
// the partition is not leader or the invocation is not invoked.
func (n *Node) Request(kind MsgKind, p PartitionID, inv InvocationID, index int) bool {
	if kind != MsgPause && kind != MsgRetryNow && kind != MsgCompletion {
		return false
	}
	defer n.runScheduler()
	return n.pps[p].request(kind, inv, index)
}

// Resume resumes paused invocation inv of partition p at once, as
// Deliver of a MsgResume does; it returns false when inv is not paused.
func (n *Node) Resume(p PartitionID, inv InvocationID) bool {
	if p < 0 || int(p) >= len(n.pps) {
		return false
	}
	defer n.runScheduler()
	return n.pps[p].resume(inv)
}
