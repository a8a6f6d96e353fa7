package invoker_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"lab/invoker"
)

// TestMain keeps rapid from writing fail files into testdata/ (the seed it
// prints reproduces a failure) and bounds the time it spends shrinking, unless
// those rapid flags or environment variables are given.
func TestMain(m *testing.M) {
	flag.Parse()
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	_, envFile := os.LookupEnv("RAPID_NOFAILFILE")
	if !given["rapid.failfile"] && !given["rapid.nofailfile"] && !envFile {
		_ = flag.Set("rapid.nofailfile", "true")
	}
	if _, env := os.LookupEnv("RAPID_SHRINKTIME"); !given["rapid.shrinktime"] && !env {
		_ = flag.Set("rapid.shrinktime", "1s")
	}
	os.Exit(m.Run())
}

// logEvents logs every event of a run (INVOKER_PROPERTY_LOG=1), to read a
// failing case rapid has shrunk.
var logEvents = os.Getenv("INVOKER_PROPERTY_LOG") != ""

// invocationPool is small so that submits, kills and duplicates collide.
var invocationPool = []invoker.InvocationID{"a", "b", "c", "d", "e"}

var outputKinds = []invoker.OutputKind{invoker.OutNone, invoker.OutEntry, invoker.OutClosed,
	invoker.OutSuspended, invoker.OutFailedTransient}

var allArms = []invoker.Arm{invoker.ArmNone, invoker.ArmInput, invoker.ArmDequeue,
	invoker.ArmTask, invoker.ArmTimer, invoker.ArmShutdown}

// modelRun drives a node with arbitrary actions and checks its properties
// after each one.
type modelRun struct {
	t *rapid.T
	n modelNode
	// allowPanic: the buggy variant may trip its assertion.
	allowPanic bool
	// pending were sent and not delivered or lost yet; delivered may be
	// delivered again (a duplicate).
	pending, delivered []invoker.Envelope
	// live are the tasks started and not ended, as the events tell.
	live    map[invoker.TaskID]bool
	everRan []invoker.TaskID
	panics  int
	// racePanics are the panics of #2543's race (buggy only).
	racePanics int
	// taskPanics are the tasks that panicked, whose panic any variant's
	// join arm re-raises; reraised counts those re-raised.
	taskPanics, reraised int
	quotas               []invoker.QuotaView
	kinds                map[invoker.Kind]int
}

func (r *modelRun) drain() {
	for {
		rd := r.n.Ready()
		if len(rd.Events) == 0 && len(rd.Sent) == 0 {
			return
		}
		events := append([]invoker.Event(nil), rd.Events...)
		r.pending = append(r.pending, rd.Sent...)
		r.n.Advance()
		for _, e := range events {
			r.observe(e)
		}
	}
}

func (r *modelRun) observe(e invoker.Event) {
	r.kinds[e.Kind]++
	if logEvents {
		r.t.Logf("%s", e)
	}
	switch e.Kind {
	case invoker.KindPanic:
		r.panics++
		if e.Reason == invoker.HasPartitionAssertion {
			r.racePanics++
		}
		if e.Reason == invoker.TaskPanicMessage {
			if r.reraised++; r.reraised > r.taskPanics {
				r.t.Fatalf("invoker%d re-raised %d task panics, but %d tasks panicked", e.Invoker, r.reraised, r.taskPanics)
			}
			return
		}
		// With a shared tmp-dir, another invoker's segment can overwrite
		// or consume one's own: every variant that expects its reads
		// (buggy and fixed) may panic on the load.
		sharedLoss := r.n.Config().SharesSpillStore() && e.Reason == invoker.SpillReadPanic
		if !r.allowPanic && !sharedLoss {
			r.t.Fatalf("invoker%d panicked in variant %v: %s", e.Invoker, r.n.Config().Variant, e.Reason)
		}
		if e.Reason != invoker.HasPartitionAssertion && !sharedLoss {
			r.t.Fatalf("invoker%d panicked with an unexpected assertion: %s", e.Invoker, e.Reason)
		}
	case invoker.KindTaskStart:
		if r.live[e.Task] {
			r.t.Fatalf("task %d started twice", e.Task)
		}
		r.live[e.Task] = true
		r.everRan = append(r.everRan, e.Task)
	case invoker.KindTaskEnd:
		if !r.live[e.Task] {
			r.t.Fatalf("task %d ended but was not running", e.Task)
		}
		delete(r.live, e.Task)
		if e.Outcome == invoker.EndPanicked {
			r.taskPanics++
		}
	}
}

// check asserts the properties that hold after every action.
func (r *modelRun) check() {
	if v, ok := r.n.(interface{ verify() }); ok {
		v.verify()
	}
	// (b) quota conservation.
	r.quotas = r.n.AppendQuotas(r.quotas[:0])
	for _, q := range r.quotas {
		if q.Used != q.ISMs || q.Used < 0 || q.Used > q.Limit {
			hint := ""
			if msg := r.n.Panicked(q.Invoker); msg != "" {
				hint = " (it panicked and is " + r.n.InvokerState(q.Invoker).String() + " now: see TestQuotaViewOfDeadInvokerAfterCleanup)"
			}
			r.t.Fatalf("invoker%d: %d/%d slots in use, %d state machines%s",
				q.Invoker, q.Used, q.Limit, q.ISMs, hint)
		}
	}
	snap := r.n.Snapshot()
	if want := r.n.ReferenceInvocations(); !slices.Equal(snap.Invocations, want) {
		r.t.Fatalf("snapshot invocations:\n got %v\nwant %v", snap.Invocations, want)
	}
	r.checkMemory(snap)
	for _, is := range snap.Invokers {
		if is.State == invoker.InvokerDead {
			if r.n.ReadyArms(is.ID) != 0 {
				r.t.Fatalf("dead invoker%d has ready arms %v", is.ID, r.n.ReadyArms(is.ID))
			}
			continue
		}
		if is.SlotsUsed != is.InFlight+is.WaitingRetry {
			r.t.Fatalf("invoker%d: %d slots used, %d in flight + %d waiting to retry", is.ID, is.SlotsUsed, is.InFlight, is.WaitingRetry)
		}
		if is.QueueLen < 0 || is.QueueOnDisk < 0 || is.QueueOnDisk > is.QueueLen {
			r.t.Fatalf("invoker%d queue: len %d, on disk %d", is.ID, is.QueueLen, is.QueueOnDisk)
		}
	}
	// Tasks the events say are running are exactly those the node runs.
	for _, id := range r.everRan {
		if _, ok := r.n.Task(id); ok != r.live[id] {
			r.t.Fatalf("task %d: node says running=%v, events say %v", id, ok, r.live[id])
		}
	}
}

func (r *modelRun) invoker(label string) int {
	return rapid.IntRange(0, r.n.Invokers()-1).Draw(r.t, label)
}

func (r *modelRun) partition() invoker.PartitionID {
	return invoker.PartitionID(rapid.IntRange(0, r.n.Partitions()-1).Draw(r.t, "partition"))
}

func (r *modelRun) send() {
	// rapid favours the first elements: the ones that end a run early
	// (ingress stop, cancellation) come last.
	kinds := []invoker.MsgKind{invoker.MsgSubmit, invoker.MsgBecomeLeader, invoker.MsgSubmit,
		invoker.MsgStepDown, invoker.MsgKill, invoker.MsgUserPause, invoker.MsgResume, invoker.MsgUserRetryNow, invoker.MsgBecomeLeader, invoker.MsgCleanup,
		invoker.MsgJoin, invoker.MsgStopIngress, invoker.MsgCancel}
	k := rapid.SampledFrom(kinds).Draw(r.t, "send")
	m := invoker.Envelope{Kind: k, PLE: invoker.PLE{Partition: invoker.NoPartition}}
	switch k {
	case invoker.MsgBecomeLeader:
		m.PLE = invoker.PLE{Partition: r.partition(), Epoch: invoker.Epoch(rapid.IntRange(1, 5).Draw(r.t, "epoch"))}
	case invoker.MsgStepDown:
		m.PLE.Partition = r.partition()
	case invoker.MsgSubmit, invoker.MsgKill, invoker.MsgUserPause, invoker.MsgResume, invoker.MsgUserRetryNow:
		m.PLE.Partition = r.partition()
		m.Inv = rapid.SampledFrom(invocationPool).Draw(r.t, "inv")
		m.Hungry = k == invoker.MsgSubmit && rapid.IntRange(0, 3).Draw(r.t, "hungry") == 0
	case invoker.MsgCancel, invoker.MsgJoin, invoker.MsgCleanup:
		m.Invoker = r.invoker("invoker")
	}
	r.n.Send(m)
}

// bootstrap makes every partition leader at epoch 1 and submits a few
// invocations, so that most runs get to queues, slots and tasks.
func (r *modelRun) bootstrap() {
	for p := range r.n.Partitions() {
		r.n.Send(invoker.Envelope{Kind: invoker.MsgBecomeLeader, PLE: invoker.PLE{Partition: invoker.PartitionID(p), Epoch: 1}})
	}
	for _, inv := range invocationPool[:rapid.IntRange(0, len(invocationPool)).Draw(r.t, "submits")] {
		r.n.Send(invoker.Envelope{Kind: invoker.MsgSubmit, PLE: invoker.PLE{Partition: r.partition()}, Inv: inv,
			Hungry: rapid.IntRange(0, 3).Draw(r.t, "hungry") == 0})
	}
}

func (r *modelRun) request() {
	kind := rapid.SampledFrom([]invoker.MsgKind{invoker.MsgPause, invoker.MsgRetryNow, invoker.MsgCompletion}).Draw(r.t, "request")
	r.n.Request(kind, r.partition(), rapid.SampledFrom(invocationPool).Draw(r.t, "inv"), rapid.IntRange(0, 3).Draw(r.t, "index"))
}

func (r *modelRun) deliver() {
	if len(r.pending) == 0 {
		return
	}
	// The oldest, or any.
	i := 0
	if rapid.Bool().Draw(r.t, "reorder") {
		i = rapid.IntRange(0, len(r.pending)-1).Draw(r.t, "pending")
	}
	m := r.pending[i]
	r.pending = append(r.pending[:i], r.pending[i+1:]...)
	if rapid.IntRange(0, 9).Draw(r.t, "lose") == 9 {
		r.n.Lose(m)
		return
	}
	// A partition processor never registers an epoch twice, and a second
	// RegisterPartition of a registered epoch overwrites its coordinator and
	// leaks its slots by design (TestDuplicateRegisterLeaksSlots and
	// faults/testdata/quota-conservation.txt). Every other message may be
	// delivered again.
	if m.Kind != invoker.MsgRegister {
		r.delivered = append(r.delivered, m)
	}
	r.n.Deliver(m)
}

func (r *modelRun) duplicate() {
	if len(r.delivered) == 0 {
		return
	}
	m := r.delivered[rapid.IntRange(0, len(r.delivered)-1).Draw(r.t, "duplicate")]
	r.n.Deliver(m)
}

func (r *modelRun) stepReady() {
	i := r.invoker("invoker")
	ready := r.n.ReadyArms(i)
	if ready.Len() == 0 {
		return
	}
	arm := ready.Nth(rapid.IntRange(0, ready.Len()-1).Draw(r.t, "arm"))
	if err := r.n.Step(i, arm); err != nil {
		r.t.Fatalf("Step(%d, %v) with ready arms %v: %v", i, arm, ready, err)
	}
}

// stepNotReady: (c) taking an arm that is not ready is an ErrNotReady and
// changes nothing observable.
func (r *modelRun) stepNotReady() {
	i := r.invoker("invoker")
	ready := r.n.ReadyArms(i)
	var not []invoker.Arm
	for _, a := range allArms {
		if !ready.Has(a) {
			not = append(not, a)
		}
	}
	arm := rapid.SampledFrom(not).Draw(r.t, "arm")
	before := r.n.Snapshot()
	err := r.n.Step(i, arm)
	if !errors.Is(err, invoker.ErrNotReady) {
		r.t.Fatalf("Step(%d, %v) with ready arms %v = %v, want ErrNotReady", i, arm, ready, err)
	}
	if rd := r.n.Ready(); len(rd.Events) != 0 || len(rd.Sent) != 0 {
		r.t.Fatalf("a refused Step produced %d events and %d messages: %v", len(rd.Events), len(rd.Sent), rd.Events)
	}
	if after := r.n.Snapshot(); !reflect.DeepEqual(before, after) {
		r.t.Fatalf("a refused Step(%d, %v) changed the node:\nbefore %+v\nafter  %+v", i, arm, before, after)
	}
}

func (r *modelRun) taskOutput() {
	if len(r.everRan) == 0 {
		return
	}
	// Mostly a running task; sometimes any, which may have ended.
	var running []invoker.TaskID
	for _, id := range r.everRan {
		if r.live[id] {
			running = append(running, id)
		}
	}
	pool := r.everRan
	if len(running) > 0 && rapid.IntRange(0, 4).Draw(r.t, "ended-task") != 4 {
		pool = running
	}
	id := rapid.SampledFrom(pool).Draw(r.t, "task")
	out := rapid.SampledFrom(outputKinds[1:]).Draw(r.t, "output")
	switch rapid.IntRange(0, 39).Draw(r.t, "output-none-or-panic") {
	case 38:
		out = invoker.OutNone
	case 39:
		out = invoker.OutPanicked
	}
	running1 := r.live[id]
	if _, ok := r.n.TaskOutput(id, out); ok != running1 {
		r.t.Fatalf("TaskOutput(%d, %v) = %v, but the task running = %v", id, out, ok, running1)
	}
}

func (r *modelRun) setTime() {
	now := r.n.Now()
	if rapid.IntRange(0, 9).Draw(r.t, "backwards") == 0 && now > 0 {
		if err := r.n.SetTime(now - 1); !errors.Is(err, invoker.ErrTimeBackwards) || r.n.Now() != now {
			r.t.Fatalf("SetTime backwards = %v, now %v", err, r.n.Now())
		}
		return
	}
	d := time.Duration(rapid.IntRange(0, 2000).Draw(r.t, "ms")) * time.Millisecond
	if err := r.n.SetTime(now + d); err != nil {
		r.t.Fatal(err)
	}
}

func (r *modelRun) restart() {
	if err := r.n.Restart(); err != nil {
		r.t.Fatal(err)
	}
}

type propConfig struct {
	variant invoker.Variant
	shared  bool
	file    bool
}

// modelNode is the node a model run drives: a node, or two in lockstep
// (twinNode, reset_test.go).
type modelNode interface {
	Ready() invoker.Ready
	Advance()
	Config() invoker.Config
	Now() time.Duration
	Invokers() int
	Partitions() int
	ReadyArms(i int) invoker.ArmSet
	InvokerState(i int) invoker.InvokerState
	Panicked(i int) string
	AppendQuotas(buf []invoker.QuotaView) []invoker.QuotaView
	Snapshot() invoker.Snapshot
	ReferenceInvocations() []invoker.InvocationSnapshot
	Task(id invoker.TaskID) (invoker.TaskInfo, bool)
	Send(m invoker.Envelope) invoker.Envelope
	Deliver(m invoker.Envelope)
	Lose(m invoker.Envelope)
	Step(i int, arm invoker.Arm) error
	TaskOutput(id invoker.TaskID, out invoker.OutputKind) (invoker.Envelope, bool)
	Request(kind invoker.MsgKind, p invoker.PartitionID, inv invoker.InvocationID, index int) bool
	SetTime(t time.Duration) error
	Restart() error
}

// runModel is one rapid check: a small config, then a bounded sequence of
// arbitrary actions, with the properties checked after each.
func runModel(t *rapid.T, pc propConfig, base string, tally map[string]int) {
	cfg := drawConfig(t, pc, base)
	n, err := invoker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	playModel(t, n, pc, tally)
}

// checkMemory: the memory pool lends at most its leases, one to each
// state machine of a running invoker and one to each queue holding one
// for its next invoke, and a queue waits for memory only when it has
// none left to lend.
func (r *modelRun) checkMemory(snap invoker.Snapshot) {
	held := 0
	for _, is := range snap.Invokers {
		if is.State != invoker.InvokerRunning || snap.MemoryLimit == 0 {
			if is.Memory != 0 {
				r.t.Fatalf("invoker%d (%s) holds %d leases of a pool of %d", is.ID, is.State, is.Memory, snap.MemoryLimit)
			}
			continue
		}
		held += is.Memory
		least := is.SlotsUsed
		if is.Leased {
			least++
		}
		// A hungry attempt's second lease: at most one per running task.
		if is.Memory < least || is.Memory > least+is.LiveTasks {
			r.t.Fatalf("invoker%d holds %d leases with %d slots used, leased %v and %d tasks running",
				is.ID, is.Memory, is.SlotsUsed, is.Leased, is.LiveTasks)
		}
		if is.WaitsForMemory && snap.MemoryInUse < snap.MemoryLimit {
			r.t.Fatalf("invoker%d waits for memory with %d of %d leases in use", is.ID, snap.MemoryInUse, snap.MemoryLimit)
		}
	}
	if snap.MemoryInUse != held || snap.MemoryInUse > snap.MemoryLimit {
		r.t.Fatalf("%d of %d leases in use; the invokers hold %d", snap.MemoryInUse, snap.MemoryLimit, held)
	}
}

// drawConfig draws a small config of the variant, layout and store pc says.
func drawConfig(t *rapid.T, pc propConfig, base string) invoker.Config {
	cfg := invoker.DefaultConfig()
	cfg.Variant = pc.variant
	cfg.SharedInvoker = pc.shared
	cfg.Partitions = rapid.IntRange(1, 3).Draw(t, "partitions")
	cfg.Quota = rapid.IntRange(1, 3).Draw(t, "quota")
	cfg.QueueLimit = rapid.IntRange(1, 4).Draw(t, "queueLimit")
	cfg.EffectCapacity = rapid.IntRange(1, 3).Draw(t, "effectCapacity")
	cfg.Retry.MaxAttempts = rapid.IntRange(0, 3).Draw(t, "maxAttempts")
	cfg.SharedTmpDir = rapid.Bool().Draw(t, "sharedTmpDir")
	cfg.RetryTimers = rapid.SampledFrom([]invoker.RetryTimers{invoker.RetryTimersKeyed, invoker.RetryTimersUnkeyed}).Draw(t, "retryTimers")
	cfg.InTmpDir = rapid.SampledFrom([]invoker.InTmpDir{invoker.InTmpDirShared, invoker.InTmpDirSubdir}).Draw(t, "inTmpDir")
	if rapid.Bool().Draw(t, "throttled") {
		cfg.Throttle = invoker.Throttle{Rate: rapid.IntRange(1, 50).Draw(t, "throttle"), Per: time.Second,
			Burst: rapid.IntRange(0, 2).Draw(t, "throttleBurst")}
	}
	if rapid.Bool().Draw(t, "memoryPooled") {
		cfg.MemoryLimit = rapid.IntRange(1, 4).Draw(t, "memoryLimit")
	}
	cfg.Store = invoker.MemStores()
	if pc.file {
		cfg.Store = invoker.FileStores(base)
	}
	return cfg
}

// playModel drives n with a bounded sequence of arbitrary actions and checks
// the properties after each.
func playModel(t *rapid.T, n modelNode, pc propConfig, tally map[string]int) {
	r := &modelRun{t: t, n: n, allowPanic: pc.variant == invoker.Buggy,
		live: map[invoker.TaskID]bool{}, kinds: map[invoker.Kind]int{}}

	anyReady := func() bool {
		for i := range r.n.Invokers() {
			if r.n.ReadyArms(i) != 0 {
				return true
			}
		}
		return false
	}
	always := func() bool { return true }
	// Only actions that can do something now are drawn; rapid favours the
	// first ones, so progress comes first.
	actions := []struct {
		name   string
		weight int
		can    func() bool
		do     func()
	}{
		{"step", 12, anyReady, r.stepReady},
		{"deliver", 12, func() bool { return len(r.pending) > 0 }, r.deliver},
		{"task-output", 6, func() bool { return len(r.live) > 0 }, r.taskOutput},
		{"send", 4, always, r.send},
		{"duplicate", 2, func() bool { return len(r.delivered) > 0 }, r.duplicate},
		{"step-not-ready", 2, always, r.stepNotReady},
		{"request", 1, always, r.request},
		{"set-time", 1, always, r.setTime},
		{"restart", 1, always, func() {
			// Rarely: most runs should get somewhere first.
			if rapid.IntRange(0, 7).Draw(t, "restart") == 7 {
				r.restart()
			}
		}},
	}
	if rapid.IntRange(0, 4).Draw(t, "bootstrap") != 4 {
		r.bootstrap()
		r.drain()
		r.check()
	}
	steps := rapid.IntRange(20, 200).Draw(t, "actions")
	var weighted []int
	for range steps {
		weighted = weighted[:0]
		for i, a := range actions {
			if a.can() {
				for range a.weight {
					weighted = append(weighted, i)
				}
			}
		}
		a := actions[rapid.SampledFrom(weighted).Draw(t, "action")]
		a.do()
		if a.name != "step-not-ready" {
			r.drain()
		}
		r.check()
		tally[a.name]++
	}
	tally["panics"] += r.panics
	tally[racePanicsTally] += r.racePanics
	for k, c := range r.kinds {
		tally[k.String()] += c
	}
}

func propConfigs(variants ...invoker.Variant) []propConfig {
	var out []propConfig
	for _, v := range variants {
		for _, shared := range []bool{false, true} {
			if shared && v.PerTerm() {
				continue // a per-term invoker serves one partition
			}
			for _, file := range []bool{false, true} {
				out = append(out, propConfig{v, shared, file})
			}
		}
	}
	return out
}

func (pc propConfig) String() string {
	layout, store := "per-partition", "mem"
	if pc.shared {
		layout = "shared"
	}
	if pc.file {
		store = "file"
	}
	return fmt.Sprintf("%v/%s/%s", pc.variant, layout, store)
}

// TestModelProperties: in the fixed, graceful and term variants, whatever the
// order of deliveries, drops, duplicates, steps, task outputs, time and
// restarts, no invoker panics, slots in use equal the state machines holding
// one (within the limit), and Step refuses exactly the arms that are not ready.
func TestModelProperties(t *testing.T) {
	checkProperties(t, invoker.Fixed, invoker.Graceful, invoker.Term)
}

// TestModelPropertiesBuggy: the buggy variant may panic, but quota
// conservation and Step's readiness contract hold even after it did.
func TestModelPropertiesBuggy(t *testing.T) { checkProperties(t, invoker.Buggy) }

// racePanicsTally counts the buggy invoker's panics of the race.
const racePanicsTally = "has-partition panics"

func checkProperties(t *testing.T, variants ...invoker.Variant) {
	for _, pc := range propConfigs(variants...) {
		t.Run(pc.String(), func(t *testing.T) {
			base := t.TempDir()
			tally := map[string]int{}
			rapid.Check(t, func(rt *rapid.T) { runModel(rt, pc, base, tally) })
			t.Logf("actions: %v", tally)
			// The generator must keep reaching the race: the invoker aborting
			// all of a partition (per term: the term ending) and dequeuing,
			// and in buggy the panic. Each happens dozens of times in
			// rapid's 100 checks.
			abort := invoker.KindAbortAll
			if pc.variant.PerTerm() {
				abort = invoker.KindTermEnd
			}
			for _, k := range []invoker.Kind{abort, invoker.KindDequeue} {
				if tally[k.String()] == 0 {
					t.Errorf("no %s in any check: the actions no longer reach the race", k)
				}
			}
			if pc.variant == invoker.Buggy && tally[racePanicsTally] == 0 {
				t.Errorf("buggy never panicked with %q: the actions no longer reach the race", invoker.HasPartitionAssertion)
			}
			if left, _ := os.ReadDir(base); len(left) != 0 {
				t.Errorf("Close left %d spill directories behind", len(left))
			}
		})
	}
}
