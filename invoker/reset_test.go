package invoker_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"lab/invoker"
)

// twinNode drives two nodes in lockstep: a new one (the embedded Node, which
// answers every query) and one that Reset made for the run. Every call that
// changes a node goes to both and must return the same to both; verify,
// after every action, requires the same events (canonical JSON), messages,
// snapshot and state (invoker.SameState).
type twinNode struct {
	*invoker.Node
	reset  *invoker.Node
	t      *rapid.T
	ja, jb []byte
}

func (w *twinNode) same(what string, a, b any) {
	if !reflect.DeepEqual(a, b) {
		w.t.Fatalf("%s: the new node gives %+v, the reset one %+v", what, a, b)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (w *twinNode) Ready() invoker.Ready {
	a, b := w.Node.Ready(), w.reset.Ready()
	w.ja, w.jb = w.ja[:0], w.jb[:0]
	for _, e := range a.Events {
		w.ja = append(e.AppendJSON(w.ja), '\n')
	}
	for _, e := range b.Events {
		w.jb = append(e.AppendJSON(w.jb), '\n')
	}
	if string(w.ja) != string(w.jb) {
		w.t.Fatalf("events differ:\nnew node:\n%s\nreset node:\n%s", w.ja, w.jb)
	}
	if !slices.Equal(a.Sent, b.Sent) {
		w.t.Fatalf("sent: the new node gives %+v, the reset one %+v", a.Sent, b.Sent)
	}
	return a
}

func (w *twinNode) Advance() { w.Node.Advance(); w.reset.Advance() }

func (w *twinNode) Send(m invoker.Envelope) invoker.Envelope {
	a, b := w.Node.Send(m), w.reset.Send(m)
	w.same("Send", a, b)
	return a
}

func (w *twinNode) Deliver(m invoker.Envelope) { w.Node.Deliver(m); w.reset.Deliver(m) }

func (w *twinNode) Lose(m invoker.Envelope) { w.Node.Lose(m); w.reset.Lose(m) }

func (w *twinNode) Step(i int, arm invoker.Arm) error {
	a, b := w.Node.Step(i, arm), w.reset.Step(i, arm)
	w.same("Step", errString(a), errString(b))
	return a
}

func (w *twinNode) TaskOutput(id invoker.TaskID, out invoker.OutputKind) (invoker.Envelope, bool) {
	a, oka := w.Node.TaskOutput(id, out)
	b, okb := w.reset.TaskOutput(id, out)
	w.same("TaskOutput", []any{a, oka}, []any{b, okb})
	return a, oka
}

func (w *twinNode) Request(kind invoker.MsgKind, p invoker.PartitionID, inv invoker.InvocationID, index int) bool {
	a, b := w.Node.Request(kind, p, inv, index), w.reset.Request(kind, p, inv, index)
	w.same("Request", a, b)
	return a
}

func (w *twinNode) SetTime(t time.Duration) error {
	a, b := w.Node.SetTime(t), w.reset.SetTime(t)
	w.same("SetTime", errString(a), errString(b))
	return a
}

func (w *twinNode) Restart() error {
	a, b := w.Node.Restart(), w.reset.Restart()
	w.same("Restart", errString(a), errString(b))
	return a
}

// verify compares the snapshots (a file store's directory aside: its name
// is random) and the whole state.
func (w *twinNode) verify() {
	a, b := comparable(w.Node.Snapshot()), comparable(w.reset.Snapshot())
	w.same("Snapshot", a, b)
	if err := invoker.SameState(w.Node, w.reset); err != nil {
		w.t.Fatalf("state: %v", err)
	}
}

func comparable(s invoker.Snapshot) invoker.Snapshot {
	for i := range s.Invokers {
		if !strings.HasPrefix(s.Invokers[i].SpillDir, "memory:") {
			s.Invokers[i].SpillDir = "file"
		}
	}
	return s
}

// TestResetEqualsNew: a node Reset between runs is, run after run, the node
// New would make: right after Reset its state is a new node's, and then,
// action by action (the actions of TestModelProperties, panics of the buggy
// variant and node aborts included), it produces the same events, messages,
// snapshots and state. The configs change from run to run (variant, layout,
// partitions, quota, queue limit, capacity, retries, memory or files), and
// Reset removes the last run's spill directories, so that the reset node's
// directory holds exactly the stores of its current run.
func TestResetEqualsNew(t *testing.T) {
	freshBase, resetBase := t.TempDir(), t.TempDir()
	configs := propConfigs(invoker.Fixed, invoker.Graceful, invoker.Buggy)
	tally := map[string]int{}
	rapid.Check(t, func(rt *rapid.T) {
		var reused *invoker.Node
		defer func() {
			if reused != nil {
				if err := reused.Close(); err != nil {
					rt.Errorf("Close: %v", err)
				}
			}
		}()
		for run := range rapid.IntRange(2, 4).Draw(rt, "runs") {
			pc := rapid.SampledFrom(configs).Draw(rt, "config")
			cfg := drawConfig(rt, pc, freshBase)
			fresh, err := invoker.New(cfg)
			if err != nil {
				rt.Fatal(err)
			}
			if pc.file {
				cfg.Store = invoker.FileStores(resetBase)
			}
			if reused == nil {
				reused, err = invoker.New(cfg)
			} else {
				err = reused.Reset(cfg)
			}
			if err != nil {
				rt.Fatalf("run %d: %v", run, err)
			}
			if err := invoker.SameState(fresh, reused); err != nil {
				rt.Fatalf("run %d (%v), right after Reset: %v", run, pc, err)
			}
			want := reused.Invokers() // a directory each, or one they all share
			if cfg.SharesSpillStore() {
				want = 1
			}
			if dirs := countDirs(rt, resetBase); (pc.file && dirs != want) || (!pc.file && dirs != 0) {
				rt.Fatalf("run %d (%v): %d spill directories for %d invokers, want %d", run, pc, dirs, reused.Invokers(), want)
			}
			tally[pc.String()]++
			playModel(rt, &twinNode{Node: fresh, reset: reused, t: rt}, pc, tally)
			if err := fresh.Close(); err != nil {
				rt.Fatal(err)
			}
		}
	})
	t.Logf("runs and actions: %v", tally)
	if n := countDirs(t, resetBase) + countDirs(t, freshBase); n != 0 {
		t.Errorf("%d spill directories left behind", n)
	}
}

func countDirs(t interface{ Fatal(...any) }, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestResetAfterAbortWithSpillFiles: the buggy variant's panic aborts the
// node while its queue holds segments in spill files; Reset removes them
// (the node's and the retired incarnation's), and the node then plays the
// reference workload exactly as a new one does.
func TestResetAfterAbortWithSpillFiles(t *testing.T) {
	base := t.TempDir()
	cfg := refConfig(invoker.FileStores(base), 1)
	cfg.Variant = invoker.Buggy
	n, err := invoker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// An incarnation left behind by a restart, with its spill directory.
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	n.Advance()
	// Partition 0 becomes leader and gets invokes queued, spilled one per
	// segment; then it steps down, and the invoker dequeues an invoke of
	// an epoch it no longer has: the #2543 assertion aborts the node.
	leader := n.Send(invoker.Envelope{Kind: invoker.MsgBecomeLeader, PLE: invoker.PLE{Partition: 0, Epoch: 1}})
	n.Advance()
	n.Deliver(leader)
	deliverAll := func() {
		for len(n.Ready().Sent) > 0 {
			sent := slices.Clone(n.Ready().Sent)
			n.Advance()
			for _, m := range sent {
				n.Deliver(m)
			}
		}
	}
	deliverAll()
	if err := n.Step(0, invoker.ArmInput); err != nil { // register
		t.Fatal(err)
	}
	for k := range 3 {
		n.Send(invoker.Envelope{Kind: invoker.MsgSubmit, PLE: invoker.PLE{Partition: 0}, Inv: invoker.InvocationID(fmt.Sprint("q", k))})
		deliverAll()
		if err := n.Step(0, invoker.ArmInput); err != nil { // enqueue, spill
			t.Fatal(err)
		}
	}
	n.Send(invoker.Envelope{Kind: invoker.MsgStepDown, PLE: invoker.PLE{Partition: 0}})
	deliverAll()
	if err := n.Step(0, invoker.ArmInput); err != nil { // abort-all: unregistered
		t.Fatal(err)
	}
	for range 2 { // read the head segment back, then take it
		if err := n.Step(0, invoker.ArmDequeue); err != nil {
			t.Fatal(err)
		}
		deliverAll()
	}
	if !n.Down() {
		t.Fatalf("the node did not abort; invoker0 panicked: %q", n.Panicked(0))
	}
	files, _ := n.LeftoverSpill()
	if files == 0 || countDirs(t, base) != 2*refPartitions {
		t.Fatalf("%d spill files in %d directories before Reset, want some in %d", files, countDirs(t, base), 2*refPartitions)
	}

	for _, next := range []invoker.Config{refConfig(nil, 4), refConfig(invoker.FileStores(base), 4)} {
		if err := n.Reset(next); err != nil {
			t.Fatal(err)
		}
		want := 0
		if next.Store != nil {
			want = refPartitions
		}
		if got := countDirs(t, base); got != want {
			t.Fatalf("%d spill directories after Reset, want %d (the new node's)", got, want)
		}
		if r := n.Drain(invoker.Ready{}); len(r.Events) != 0 || len(r.Sent) != 0 {
			t.Fatalf("Drain after Reset: %d events, %d messages of the last run", len(r.Events), len(r.Sent))
		}
		fresh, err := invoker.New(next)
		if err != nil {
			t.Fatal(err)
		}
		if err := invoker.SameState(fresh, n); err != nil {
			t.Fatalf("after Reset: %v", err)
		}
		a, b := refEvents(t, fresh), refEvents(t, n)
		if a != b {
			t.Fatalf("the reference workload differs on the reset node:\nnew:\n%s\nreset:\n%s", a, b)
		}
		if err := fresh.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if got := countDirs(t, base); got != 0 {
		t.Errorf("%d spill directories after Close", got)
	}
}

// refEvents plays the reference workload on n and returns its events as
// canonical JSON lines.
func refEvents(t *testing.T, n *invoker.Node) string {
	d := &refDriver{n: n}
	var log []byte
	d.observe = func(e invoker.Event) { log = append(e.AppendJSON(log), '\n') }
	playReference(d)
	if d.finished != refInvocations {
		t.Fatalf("%d of %d invocations completed", d.finished, refInvocations)
	}
	return string(log)
}

// failingRemove is a store whose Remove fails.
type failingRemove struct{ invoker.SegmentStore }

var errRemove = errors.New("cannot remove")

func (failingRemove) Remove() error { return errRemove }

// TestFailedResetLeavesNodeEmpty: a Reset that fails (the old stores cannot
// be removed, the config is invalid, a new store cannot be opened) returns
// the error and leaves the node empty and down, refusing Step and Restart
// with it; a later Reset makes it a new node again.
func TestFailedResetLeavesNodeEmpty(t *testing.T) {
	good := refConfig(nil, 4)
	unremovable := refConfig(func(i, inc int) (invoker.SegmentStore, error) {
		s, err := invoker.MemStores()(i, inc)
		return failingRemove{s}, err
	}, 4)
	invalid := refConfig(nil, 4)
	invalid.Quota = 0
	noDir := refConfig(invoker.FileStores(t.TempDir()+"/missing"), 4)
	for _, c := range []struct {
		name    string
		before  invoker.Config
		cfg     invoker.Config
		wantErr error
	}{
		{"old store not removed", unremovable, good, errRemove},
		{"invalid config", good, invalid, invoker.ErrConfig},
		{"store cannot open", good, noDir, invoker.ErrSpillDir},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := invoker.New(c.before)
			if err != nil {
				t.Fatal(err)
			}
			refEvents(t, n)
			err = n.Reset(c.cfg)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Reset = %v, want %v", err, c.wantErr)
			}
			if n.Invokers() != 0 || n.Partitions() != 0 || !n.Down() {
				t.Fatalf("after a failed Reset: %d invokers, %d partitions, down %v; want an empty, down node",
					n.Invokers(), n.Partitions(), n.Down())
			}
			for what, err := range map[string]error{"Step": n.Step(0, invoker.ArmInput), "Restart": n.Restart()} {
				if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), "failed Reset") {
					t.Errorf("%s after a failed Reset = %v, want the Reset's error", what, err)
				}
			}
			n.Deliver(invoker.Envelope{ID: 1, Kind: invoker.MsgSubmit, Inv: "x"})
			if ev := n.Ready().Events; len(ev) != 1 || ev[0].Outcome != invoker.UndeliverableNodeDown {
				t.Errorf("a delivery after a failed Reset: %v, want undeliverable (node down)", ev)
			}
			if err := n.Close(); err != nil {
				t.Errorf("Close after a failed Reset = %v", err)
			}
			if err := n.Reset(good); err != nil {
				t.Fatal(err)
			}
			fresh, err := invoker.New(good)
			if err != nil {
				t.Fatal(err)
			}
			if err := invoker.SameState(fresh, n); err != nil {
				t.Fatalf("Reset after a failed one: %v", err)
			}
			if a, b := refEvents(t, fresh), refEvents(t, n); a != b {
				t.Fatal("the reference workload differs after a failed Reset and a good one")
			}
			if err := fresh.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
