package invoker_test

import (
	"os"
	"testing"

	"lab/invoker"
)

// spillOneEach makes p0 and p1 leaders and queues one invoke on each, so
// that (queue limit 1) each invoker spills its segment 0.
func spillOneEach(t *testing.T, n *invoker.Node) {
	t.Helper()
	n.Send(leader(0, 1))
	n.Send(leader(1, 1))
	n.Send(submit(0, "a"))
	n.Send(submit(1, "c"))
	deliverAll(n, sent(n)...)
	for i := range 2 {
		step(t, n, i, invoker.ArmInput) // register
		step(t, n, i, invoker.ArmInput) // invoke: queued and spilled
	}
	n.Advance()
}

// dequeued is the invocation invoker i dequeues next.
func dequeued(t *testing.T, n *invoker.Node, i int) invoker.InvocationID {
	t.Helper()
	dequeueStep(t, n, i)
	for _, e := range n.Ready().Events {
		if e.Kind == invoker.KindDequeue {
			n.Advance()
			return e.Inv
		}
	}
	t.Fatalf("invoker%d dequeued nothing: %v", i, n.Ready().Events)
	return ""
}

func sharedConfig(shared bool) invoker.Config {
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit, cfg.Variant = 2, 1, 1, invoker.Fixed
	cfg.SharedTmpDir = shared
	cfg.Store = nil // the node's own memory stores, which Reset reuses
	return cfg
}

// With a shared tmp-dir the two invokers' segment 0 is one file: invoker0
// reads back invoker1's invoke. Reset to a directory each, the node must not
// keep sharing the store it reused (the invokers once did).
func TestSharedTmpDirSegmentsCollide(t *testing.T) {
	n := node(t, sharedConfig(true))
	spillOneEach(t, n)
	if got := dequeued(t, n, 0); got != "c" {
		t.Fatalf("with a shared tmp-dir invoker0 dequeued %s, want c (invoker1's, which overwrote its segment)", got)
	}
	if err := n.Reset(sharedConfig(false)); err != nil {
		t.Fatal(err)
	}
	spillOneEach(t, n)
	if got := dequeued(t, n, 0); got != "a" {
		t.Fatalf("after Reset to a directory each, invoker0 dequeued %s, want a", got)
	}
	if got := dequeued(t, n, 1); got != "c" {
		t.Fatalf("after Reset to a directory each, invoker1 dequeued %s, want c", got)
	}
}

// The graceful proposal makes a subdirectory per invoker in the tmp-dir it
// is given, and so does any variant with InTmpDirSubdir: each invoker
// dequeues its own invoke, and there are as many spill directories as
// invokers.
func TestSharedTmpDirSubdirectoryEach(t *testing.T) {
	for _, tc := range []struct {
		v  invoker.Variant
		in invoker.InTmpDir
	}{{invoker.Graceful, invoker.InTmpDirShared}, {invoker.Fixed, invoker.InTmpDirSubdir}, {invoker.Buggy, invoker.InTmpDirSubdir}} {
		cfg := sharedConfig(true)
		cfg.Variant, cfg.InTmpDir = tc.v, tc.in
		base := t.TempDir()
		cfg.Store = invoker.FileStores(base)
		n := node(t, cfg)
		spillOneEach(t, n)
		if got := dequeued(t, n, 0); got != "a" {
			t.Errorf("%s, in-tmp-dir %s: invoker0 dequeued %s, want a", tc.v, tc.in, got)
		}
		if got := dequeued(t, n, 1); got != "c" {
			t.Errorf("%s, in-tmp-dir %s: invoker1 dequeued %s, want c", tc.v, tc.in, got)
		}
		if dirs, err := os.ReadDir(base); err != nil || len(dirs) != 2 {
			t.Errorf("%s, in-tmp-dir %s: %d spill directories for 2 invokers (%v)", tc.v, tc.in, len(dirs), err)
		}
	}
}

// The shared tmp-dir is counted once among the leftovers, and a restart
// deletes it, as SegmentQueue::init does with the directory it finds.
func TestSharedTmpDirLeftoversAndRestart(t *testing.T) {
	cfg := sharedConfig(true)
	cfg.Store = invoker.FileStores(t.TempDir())
	n := node(t, cfg)
	n.Send(leader(0, 1))
	n.Send(submit(0, "a"))
	n.Send(submit(0, "b"))
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput)
	step(t, n, 0, invoker.ArmInput) // a: segment 0
	step(t, n, 0, invoker.ArmInput) // b: segment 1
	n.Advance()
	files, where := n.LeftoverSpill()
	if files != 2 || len(where) != 1 || where[0] != "the shared tmp-dir@0" {
		t.Fatalf("leftovers: %d files in %v, want 2 in the shared tmp-dir@0", files, where)
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	var restart invoker.Event
	for _, e := range n.Ready().Events {
		if e.Kind == invoker.KindRestart {
			restart = e
		}
	}
	if restart.N != 2 {
		t.Errorf("the restart event says %d files deleted, want 2", restart.N)
	}
	if files, where := n.LeftoverSpill(); files != 0 {
		t.Errorf("after the restart %d files are left in %v", files, where)
	}
}
