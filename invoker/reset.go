package invoker

import (
	"errors"
	"fmt"
	"slices"
)

// Reset makes n exactly what New(cfg) returns, for a new run, reusing the
// memory of n's last runs: its partition processors, invokers, channels,
// queues, maps, Ready buffers and the blocks of state machines and records
// are emptied and handed out again instead of being allocated anew. cfg
// may differ from the last run's in every setting; the node keeps the
// memory of the largest (invokers and partitions of a 256-partition run are
// kept for the next one, whatever its size).
//
// Reset first does what Close does: it removes every spill store the node
// opened, of every incarnation, and returns that error if there is one. A
// default store (Config.Store nil) is reused; any other store is opened
// anew by cfg.Store.
//
// If Reset fails (a store could not be removed, cfg is invalid, or a new
// store cannot be opened), the node is left empty and down: no partitions,
// no invokers, no stores; messages delivered to it are undeliverable (node
// down), Step and Restart return the error. Only Reset and Close (a no-op
// then) are of use on it.
//
// Like Advance, Reset empties the slices Ready returned; what Drain handed
// over stays the caller's.
func (n *Node) Reset(cfg Config) error {
	err := n.Close()
	n.empty()
	if err == nil {
		err = n.init(cfg)
	}
	if err != nil {
		n.empty()
		n.down, n.resetErr = true, err
	}
	return err
}

// errUnusable marks a node a Reset failed to build.
var errUnusable = errors.New("node unusable after a failed Reset")

func (n *Node) unusable() error { return fmt.Errorf("%w: %w", errUnusable, n.resetErr) }

// empty makes n a zero Node that keeps its memory: the invokers of every
// incarnation go to spareInvokers (with their stores, if the node made them
// itself), the partition processors stay past len(n.pps) for init. A store
// that invokers shared (a shared tmp-dir) stays with one of them only: a
// store reused is emptied, and must not be another invoker's too.
func (n *Node) empty() {
	spare := n.spareInvokers
	first := len(spare)
	for _, ivs := range [][]*Invoker{n.invokers, n.retired} {
		for _, iv := range ivs {
			if !n.ownStores || slices.ContainsFunc(spare[first:], func(o *Invoker) bool { return o.queue.store == iv.queue.store }) {
				iv.queue.store = nil // the caller's, or another spare's: not reused
			}
			spare = append(spare, iv)
		}
	}
	n.isms.reset()
	n.records.reset()
	*n = Node{
		pps:           n.pps[:0],
		invokers:      emptied(n.invokers),
		retired:       emptied(n.retired),
		ready:         Ready{Events: emptied(n.ready.Events), Sent: emptied(n.ready.Sent)},
		isms:          n.isms,
		records:       n.records,
		partitionIDs:  n.partitionIDs,
		spareInvokers: spare,
		vq:            vqScheduler{permits: n.vq.permits},
	}
}

// spareInvoker is an invoker of an earlier run to reuse, or a new one.
func (n *Node) spareInvoker() *Invoker {
	k := len(n.spareInvokers)
	if k == 0 {
		return &Invoker{}
	}
	iv := n.spareInvokers[k-1]
	n.spareInvokers[k-1] = nil
	n.spareInvokers = n.spareInvokers[:k-1]
	return iv
}

// openStore opens the spill store of invoker i, reusing iv's if the node
// made it itself.
func (n *Node) openStore(iv *Invoker, i, incarnation int) (SegmentStore, error) {
	if ms, ok := iv.queue.store.(*MemStore); ok && n.ownStores {
		ms.reuse(i, incarnation)
		return ms, nil
	}
	return n.cfg.Store(i, incarnation)
}
