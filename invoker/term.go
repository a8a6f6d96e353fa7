package invoker

import "errors"

// The per-term invoker (Variant Term): Restate since 50bee0b5c (April
// 2026). Becoming leader builds an invoker for the term, with the term's
// key range, storage reader, effect sender and a spill directory of its
// own: InvokerService::from_options calls gen_tmp_dir, a new
// invoker-<ULID> each time, unless worker.invoker.tmp-dir names one
// directory for all, which SegmentQueue::init then empties as each term's
// invoker starts, under the other partitions' spilled invokes.
//
// LeaderState::stop cancels the term's invoker and awaits its task. Its
// loop runs each step under run_until_cancelled, biased to the
// cancellation, so once stop has cancelled it no branch runs again: it
// aborts its state machines (handle_shutdown), the segmented queue is
// dropped with whatever it held, and invocation_tasks.shutdown() aborts
// and awaits every task. Nothing removes the spill directory (SegmentQueue
// has no Drop), so every term that ends with invokes on disk leaves one.
//
// The lab keeps one slot per partition: the term's invoker takes the slot
// when its partition becomes leader, and the one it replaces is retired,
// its spill store kept for the clean-shutdown check. Messages sent to an
// earlier term's invoker carry that term's epoch; the slot's new invoker
// never sees them (their channel was dropped with the term).

// beginTerm is from_options for the term that ple opens: a fresh invoker
// in the partition's slot, that term already known to it. The slot's
// first invoker of an incarnation, still unused, serves the first term.
// An invoker that node shutdown has cancelled is not replaced: no new task
// starts on a node that is shutting down.
func (n *Node) beginTerm(ple PLE) {
	slot := int(ple.Partition)
	iv := n.invokers[slot]
	e := iv.event(KindTermBegin, ple, "")
	if iv.cancelled {
		e.Outcome, e.From = IgnoredShuttingDown, State(iv.state)
		iv.emit(e)
		return
	}
	if iv.term != 0 || iv.state != InvokerRunning {
		fresh := n.spareInvoker()
		store, err := n.termStore(fresh, slot)
		if err != nil {
			n.hostFailed(asHostError(err))
			return
		}
		fresh.init(n, slot, n.incarnation, iv.serves, store)
		n.retired = append(n.retired, iv)
		n.invokers[slot] = fresh
		iv = fresh
	}
	if n.cfg.SharesSpillStore() {
		// SegmentQueue::init: remove_dir_all, then create_dir_all, of the
		// one directory every invoker of the node spills into.
		if em, ok := iv.queue.store.(emptiable); ok {
			files, err := em.empty()
			if err != nil {
				n.hostFailed(asHostError(err))
				return
			}
			e.N = files
		}
	}
	iv.term = ple.Epoch
	iv.register(ple)
	iv.emit(e)
}

// asHostError is err as the host's failure: the spill directory is the
// host's to give and to keep, so failing to make or empty one is no seed's
// doing (as in Restart).
func asHostError(err error) *HostError {
	var host *HostError
	if !errors.As(err, &host) {
		host = &HostError{Err: err}
	}
	return host
}

// termStore is the spill store of a new term's invoker in slot: a new one,
// or, given one tmp-dir, the one every invoker of the incarnation shares.
func (n *Node) termStore(fresh *Invoker, slot int) (SegmentStore, error) {
	if !n.cfg.SharesSpillStore() {
		return n.openStore(fresh, slot, n.incarnation)
	}
	store := n.invokers[0].queue.store
	if sh, ok := store.(shareable); ok {
		sh.share() // every term's invoker spills into it, one after another
	}
	return store, nil
}

// endTerm is LeaderState::stop for the invoker of ple's term: cancelled
// and awaited. Its state machines are aborted, its queue dropped (the
// spill files stay, unless the node removes them), its tasks aborted and
// joined, and what was still on its channels is lost with them.
func (iv *Invoker) endTerm(ple PLE) {
	e := iv.event(KindTermEnd, ple, "")
	e.From = State(iv.state)
	if iv.state != InvokerRunning || iv.term != ple.Epoch {
		e.Outcome = IgnoredInvokerState
		e.To = e.From
		iv.emit(e)
		return
	}
	e.N, e.M, e.Index = iv.nISM, iv.queue.discard(), iv.input.len()
	e.To = State(InvokerJoined)
	iv.emit(e)
	coord, _ := iv.parts.get(ple)
	for _, m := range sortedISMs(coord) {
		iv.abortISM(m, EndTermEnded)
	}
	iv.unregister(ple)
	iv.abortAllTasks(EndTermEnded)
	iv.pending = nil
	iv.dropInput()
	iv.input.clear()
	iv.taskOut.clear()
	iv.timers.clear()
	iv.joinable.clear()
	iv.ending = iv.ending[:0]
	iv.state = InvokerJoined
	if iv.n.cfg.RemovesSpill() {
		// The queue, dropped, removes its directory (SpillDirsRemoved);
		// given one tmp-dir, that is every term's.
		iv.cleanup()
	}
}

// fence is the fencing token a message of the per-term invoker carries:
// token, in Variant Term only (earlier invokers had none, and every other
// variant's messages stay what they were).
func (n *Node) fence(token uint64) uint64 {
	if n.cfg.Variant.PerTerm() {
		return token
	}
	return 0
}

// Term is the leader epoch of the term invoker i serves (Variant Term), or
// 0: another variant, or no term yet.
func (n *Node) Term(i int) Epoch {
	if i < 0 || i >= len(n.invokers) {
		return 0
	}
	return n.invokers[i].term
}
