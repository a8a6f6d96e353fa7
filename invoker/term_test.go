package invoker_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"

	"lab/invoker"
)

// termNode is a one-partition per-term node whose spill files are real.
func termNode(t *testing.T, queueLimit int) *invoker.Node {
	t.Helper()
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Partitions, cfg.Quota, cfg.QueueLimit = invoker.Term, 1, 1, queueLimit
	cfg.Store = invoker.FileStores(t.TempDir())
	return node(t, cfg)
}

// arrive sends m from outside the node and delivers it at once.
func arrive(n *invoker.Node, m invoker.Envelope) { n.Deliver(n.Send(m)) }

func events(n *invoker.Node, kind invoker.Kind) []invoker.Event {
	var out []invoker.Event
	for _, e := range n.Ready().Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// A per-term invoker is built by its term and ends with it: no
// RegisterPartition or AbortAllPartition is sent; the step-down aborts the
// term's state machines, drops its queue and its unread input, and joins
// its tasks; and what was sent to it arrives at the next term's invoker
// as undeliverable.
func TestTermInvokerLivesForOneTerm(t *testing.T) {
	n := termNode(t, 4)
	arrive(n, leader(0, 1))
	if got := n.Term(0); got != 1 {
		t.Fatalf("term after becoming leader at epoch 1: %d", got)
	}
	for _, inv := range []invoker.InvocationID{"a", "b"} {
		arrive(n, submit(0, inv))
	}
	msgs := sent(n)
	for _, m := range msgs {
		if m.Kind == invoker.MsgRegister || m.Kind == invoker.MsgAbortAll {
			t.Fatalf("a per-term invoker was sent %v", m)
		}
		if m.Kind == invoker.MsgInvoke {
			n.Deliver(m)
		}
	}
	step(t, n, 0, invoker.ArmInput)
	step(t, n, 0, invoker.ArmInput)
	dequeueStep(t, n, 0) // a takes the only slot; b stays queued
	arrive(n, submit(0, "c"))
	late := only(t, sent(n), invoker.MsgInvoke) // c's invoke, not delivered yet
	n.Deliver(late)
	late = n.Send(invoker.Envelope{Kind: invoker.MsgAck, Invoker: 0, PLE: invoker.PLE{Epoch: 1}, Inv: "a", Index: 1})
	sent(n)

	arrive(n, invoker.Envelope{Kind: invoker.MsgStepDown})
	ends := events(n, invoker.KindTermEnd)
	if len(ends) != 1 || ends[0].N != 1 || ends[0].M != 1 || ends[0].Index != 1 {
		t.Fatalf("term end: %v (want 1 aborted, 1 queued and 1 unread command dropped)", ends)
	}
	if s := n.InvokerState(0); s != invoker.InvokerJoined {
		t.Errorf("invoker after its term: %v, want joined", s)
	}
	if arms := n.ReadyArms(0); arms != 0 {
		t.Errorf("an ended term's invoker has arms ready: %v", arms)
	}
	sent(n)

	arrive(n, leader(0, 2))
	if got := n.Term(0); got != 2 {
		t.Fatalf("term after becoming leader at epoch 2: %d", got)
	}
	if s := n.InvokerState(0); s != invoker.InvokerRunning {
		t.Errorf("the next term's invoker: %v, want running", s)
	}
	sent(n)
	n.Deliver(late)
	lost := events(n, invoker.KindUndelivered)
	if len(lost) != 1 || lost[0].Outcome != invoker.UndeliverableEarlierTerm {
		t.Fatalf("an ack for the ended term at the next term's invoker: %v", lost)
	}
}

// Node shutdown cancels the node: an invoker it cancelled is not replaced
// by a later term's, for no task starts on a node that is shutting down.
func TestTermNotStartedOnANodeShuttingDown(t *testing.T) {
	n := termNode(t, 4)
	arrive(n, leader(0, 1))
	arrive(n, invoker.Envelope{Kind: invoker.MsgStepDown})
	arrive(n, toInvoker(invoker.MsgCancel, 0))
	sent(n)
	arrive(n, leader(0, 2))
	regs := events(n, invoker.KindTermBegin)
	if len(regs) != 1 || regs[0].Outcome != invoker.IgnoredShuttingDown {
		t.Fatalf("becoming leader on a node shutting down: %v", regs)
	}
	if got := n.Term(0); got != 1 {
		t.Errorf("term: %d, want the ended one, 1", got)
	}
}

// Restate's per-term invoker spills into a directory of its own per term
// (gen_tmp_dir at every from_options) and nothing removes it: each term
// that ended with invokes on disk leaves one.
func TestTermLeavesItsSpillDirectory(t *testing.T) {
	n := termNode(t, 1)
	spilled, removed := spillTwoTerms(t, n)
	if len(removed) != 0 {
		t.Errorf("Restate's term invoker removed its spill: %v", removed)
	}
	files, where := n.LeftoverSpill()
	if spilled < 2 || files != spilled || len(where) != 2 || where[0] != "invoker0@0/e1" || where[1] != "invoker0@0/e2" {
		t.Errorf("left on disk: %d files, in %v; want all %d spilled, of both terms", files, where, spilled)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := n.LeftoverSpill(); files != 0 {
		t.Errorf("Close left %d files", files)
	}
}

// With SpillDirsRemoved, the fix a Drop for SegmentQueue would be, each
// term's invoker removes its directory as the term ends: the files of the
// invokes it still had on disk go with it, and nothing is left.
func TestTermRemovesItsSpillDirectoryWhenAsked(t *testing.T) {
	base := t.TempDir()
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Partitions, cfg.Quota, cfg.QueueLimit = invoker.Term, 1, 1, 1
	cfg.Store, cfg.SpillDirs = invoker.FileStores(base), invoker.SpillDirsRemoved
	n := node(t, cfg)
	spilled, removed := spillTwoTerms(t, n)
	if files, where := n.LeftoverSpill(); spilled < 2 || files != 0 {
		t.Errorf("%d of %d spilled files left, by %v", files, spilled, where)
	}
	if len(removed) != 2 || removed[0].N+removed[1].N != spilled || removed[0].To != invoker.State(invoker.InvokerClosed) {
		t.Errorf("spill removed: %+v; want once a term, %d files in all, the invoker closed", removed, spilled)
	}
	if dirs, err := os.ReadDir(base); err != nil || len(dirs) != 0 {
		t.Errorf("left in the spill base: %v, %v", dirs, err)
	}
}

// spillTwoTerms leads partition 0 for two terms, spilling invokes in each
// (queue limit 1), and steps it down after each; it returns the segments
// spilled and the spill directories removed.
func spillTwoTerms(t *testing.T, n *invoker.Node) (spilled int, removed []invoker.Event) {
	t.Helper()
	for epoch := invoker.Epoch(1); epoch <= 2; epoch++ {
		arrive(n, leader(0, epoch))
		for _, inv := range []invoker.InvocationID{"a", "b", "c"} {
			if epoch == 1 {
				arrive(n, submit(0, inv))
			}
		}
		for _, m := range sent(n) {
			if m.Kind == invoker.MsgInvoke {
				n.Deliver(m)
			}
		}
		for range 3 {
			step(t, n, 0, invoker.ArmInput) // segments of one invoke each spill
		}
		spilled += len(events(n, invoker.KindSpill))
		arrive(n, invoker.Envelope{Kind: invoker.MsgStepDown})
		removed = append(removed, events(n, invoker.KindSpillRemoved)...)
		sent(n)
	}
	return spilled, removed
}

// Leftover spill is named in number order, so that invoker10 comes after
// invoker9 in a violation's message.
func TestLeftoverSpillIsNamedInNumberOrder(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Partitions, cfg.Quota, cfg.QueueLimit = invoker.Term, 12, 1, 1
	cfg.Store = invoker.FileStores(t.TempDir())
	n := node(t, cfg)
	for p := range invoker.PartitionID(12) {
		arrive(n, leader(p, 1))
		for _, inv := range []invoker.InvocationID{"a", "b", "c"} {
			arrive(n, submit(p, inv+invoker.InvocationID(fmt.Sprint(p))))
		}
		for _, m := range sent(n) {
			if m.Kind == invoker.MsgInvoke {
				n.Deliver(m)
			}
		}
		for range 3 {
			step(t, n, int(p), invoker.ArmInput)
		}
	}
	var want []string
	for i := range 12 {
		want = append(want, fmt.Sprintf("invoker%d@0/e1", i))
	}
	if _, where := n.LeftoverSpill(); !slices.Equal(where, want) {
		t.Errorf("leftover spill named %v, want %v", where, want)
	}
}

// The per-term node has no shared invoker.
func TestTermRefusesASharedInvoker(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.SharedInvoker = invoker.Term, true
	if _, err := invoker.New(cfg); !errors.Is(err, invoker.ErrConfig) {
		t.Errorf("New(%+v) = %v, want a config error", cfg, err)
	}
}

// Given one tmp-dir (worker.invoker.tmp-dir), every term's invoker spills
// into it, and SegmentQueue::init empties it as the invoker starts: a
// partition that becomes leader deletes another partition's spilled
// invokes, and that partition's invoker panics reading them back. With a
// subdirectory each (InTmpDirSubdir), the new term's start deletes
// nothing, and they are read back.
func TestTermStartEmptiesASharedTmpDir(t *testing.T) {
	for _, in := range []invoker.InTmpDir{invoker.InTmpDirShared, invoker.InTmpDirSubdir} {
		t.Run(in.String(), func(t *testing.T) {
			cfg := invoker.DefaultConfig()
			cfg.Variant, cfg.Partitions, cfg.Quota, cfg.QueueLimit = invoker.Term, 2, 1, 1
			cfg.SharedTmpDir, cfg.InTmpDir, cfg.Store = true, in, invoker.FileStores(t.TempDir())
			n := node(t, cfg)
			arrive(n, leader(0, 1))
			for _, inv := range []invoker.InvocationID{"a", "b", "c"} {
				arrive(n, submit(0, inv))
			}
			for _, m := range sent(n) {
				if m.Kind == invoker.MsgInvoke {
					n.Deliver(m)
				}
			}
			for range 3 {
				step(t, n, 0, invoker.ArmInput)
			}
			spilled, _ := n.LeftoverSpill()
			if spilled == 0 {
				t.Fatal("p0 spilled nothing: the test shows nothing")
			}
			sent(n)
			arrive(n, leader(1, 1))
			regs := events(n, invoker.KindTermBegin)
			left, _ := n.LeftoverSpill()
			sent(n)
			dequeueStep(t, n, 0) // every invoke of p0 was spilled: the head is read back first
			panics := events(n, invoker.KindPanic)
			if in == invoker.InTmpDirSubdir {
				if len(regs) != 1 || regs[0].N != 0 || left != spilled || len(panics) != 0 {
					t.Errorf("p1's term began with %v; %d of %d files left; panics %v; want nothing deleted, and no panic", regs, left, spilled, panics)
				}
				return
			}
			if len(regs) != 1 || regs[0].N == 0 {
				t.Fatalf("p1's term began with %v; want its queue's start to delete p0's segment files", regs)
			}
			if left != 0 {
				t.Errorf("%d segment files left in the tmp-dir after p1's term began", left)
			}
			if len(panics) == 0 {
				t.Fatal("invoker0 read its deleted segments back without a panic")
			}
			if panics[0].Reason != invoker.SpillReadPanic {
				t.Errorf("invoker0 panicked with %q, want %q", panics[0].Reason, invoker.SpillReadPanic)
			}
		})
	}
}

// A new term's spill directory is the host's to give: one the host cannot
// make (its base directory gone) ends the run as the host's failure, not
// the seed's, and the node reports nothing of it in its events.
func TestTermSpillDirTheHostCannotMake(t *testing.T) {
	base := t.TempDir()
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Partitions, cfg.Store = invoker.Term, 1, invoker.FileStores(base)
	n := node(t, cfg)
	arrive(n, leader(0, 1))
	arrive(n, invoker.Envelope{Kind: invoker.MsgStepDown})
	sent(n)
	if err := os.RemoveAll(base); err != nil {
		t.Fatal(err)
	}
	arrive(n, leader(0, 2))
	var host *invoker.HostError
	if err := n.HostErr(); !errors.As(err, &host) || !errors.Is(err, invoker.ErrSpillDir) {
		t.Fatalf("HostErr() = %v, want the spill directory the host failed", err)
	}
	if regs := events(n, invoker.KindTermBegin); len(regs) != 0 {
		t.Errorf("a term began without its invoker: %v", regs)
	}
}
