package invoker

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// The process: restarted, aborted on a panic, and closed, with what it
// leaves on disk.

// Restart replaces every invoker with a fresh one, as a process restart
// does: in-memory state, queues and tasks are gone; the status tables
// survive, and every partition processor waits for a leader epoch. Spill
// directories that were never removed stay where they are, except a shared
// tmp-dir: the new invokers' SegmentQueue::init deletes the directory it
// finds there (N of the restart event counts the files it held).
func (n *Node) Restart() error {
	if n.resetErr != nil {
		return n.unusable()
	}
	fresh, err := n.openInvokers(n.incarnation+1, nil)
	if errors.Is(err, ErrSpillDir) {
		// The directory served the node's first start: the host has failed
		// it since (a full disk, say), no seed.
		return &HostError{Err: err}
	}
	if err != nil {
		return err
	}
	wiped := 0
	if n.cfg.SharesSpillStore() && len(n.invokers) > 0 {
		store := n.invokers[0].queue.store
		if ids, err := store.Segments(); err == nil {
			wiped = len(ids)
		}
		if err := store.Remove(); err != nil {
			wiped = 0 // what could not be removed is still there, and counted
		}
	}
	for _, iv := range n.invokers {
		iv.abandonAll(EndNodeRestart)
		if iv.state != InvokerClosed {
			n.retired = append(n.retired, iv)
		}
	}
	n.incarnation++
	n.invokers = fresh
	n.ingressOpen = true
	n.down = false
	n.bucketFull = 0 // a new process, a new (full) token bucket
	for _, pp := range n.pps {
		pp.leader = false
	}
	n.resetPermits() // the permits went with the process; the vqueues are durable
	n.emit(Event{Kind: KindRestart, Incarnation: n.incarnation, Invoker: NoInvoker, Partition: NoPartition, N: wiped})
	return nil
}

// abort is the process dying on a panic (panic = "abort"): every other
// invoker stops where it is, with its tasks, state machines and queue; the
// partition processors lose their leadership and the ingress closes. No
// shutdown phase runs and nothing is removed. Messages in flight are lost
// on arrival until Restart.
func (n *Node) abort(culprit *Invoker) {
	e := Event{Kind: KindNodeAbort, Incarnation: n.incarnation, Invoker: culprit.id, Partition: NoPartition}
	for _, iv := range n.invokers {
		if iv != culprit && iv.state != InvokerDead && iv.state != InvokerClosed {
			e.N++
		}
	}
	n.emit(e)
	for _, iv := range n.invokers {
		if iv == culprit || iv.state == InvokerClosed {
			continue
		}
		iv.abandonAll(EndNodeAborted)
		iv.dropParts()
		iv.quota.used = 0
		iv.pending = nil
		iv.queue.discard()
		iv.state = InvokerDead
	}
	for _, pp := range n.pps {
		pp.leader = false
	}
	n.ingressOpen = false
	n.down = true
}

// Down reports whether the process aborted and waits for a Restart.
func (n *Node) Down() bool { return n.down }

// LeftoverSpill counts the segment files still on disk, of every invoker
// of every incarnation. It names the invokers, not the directories, whose
// names are random: by invoker, incarnation and term, in number order.
func (n *Node) LeftoverSpill() (files int, where []string) {
	var left []*Invoker
	var counted []int // incarnations whose shared tmp-dir was counted
	for _, iv := range slices.Concat(n.retired, n.invokers) {
		if n.cfg.SharesSpillStore() {
			if slices.Contains(counted, iv.incarnation) {
				continue
			}
			counted = append(counted, iv.incarnation)
		}
		if ids, err := iv.queue.store.Segments(); err == nil && len(ids) > 0 {
			files += len(ids)
			left = append(left, iv)
		}
	}
	slices.SortFunc(left, func(a, b *Invoker) int {
		if n.cfg.SharesSpillStore() { // one directory per incarnation
			return cmp.Compare(a.incarnation, b.incarnation)
		}
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.incarnation, b.incarnation), cmp.Compare(a.term, b.term))
	})
	for _, iv := range left {
		switch {
		case n.cfg.SharesSpillStore():
			where = append(where, fmt.Sprintf("the shared tmp-dir@%d", iv.incarnation))
		case iv.term != 0:
			where = append(where, fmt.Sprintf("invoker%d@%d/e%d", iv.id, iv.incarnation, iv.term))
		default:
			where = append(where, fmt.Sprintf("invoker%d@%d", iv.id, iv.incarnation))
		}
	}
	return files, where
}

// Close removes every spill store the node ever opened, whatever state it is
// in. The lab calls it after checking the run, to leave no files behind.
func (n *Node) Close() error {
	var errs []error
	for _, ivs := range [][]*Invoker{n.retired, n.invokers} {
		for _, iv := range ivs {
			if err := iv.queue.store.Remove(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
