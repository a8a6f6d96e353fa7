package invoker

import "slices"

// Status is an invocation's durable status in the partition processor's
// invocation status table.
type Status uint8

const (
	StatusNone Status = iota
	StatusInvoked
	StatusSuspended
	StatusCompleted
	StatusFailed
	StatusKilled
	StatusPaused
	numStatuses
)

var statusNames = Names[Status]{StatusNone: "none", StatusInvoked: "invoked",
	StatusSuspended: "suspended", StatusCompleted: "completed", StatusFailed: "failed",
	StatusKilled: "killed", StatusPaused: "paused"}

func (s Status) String() string { return statusNames.Name(s) }

// Terminal reports whether the invocation has ended.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusKilled
}

// ParseStatus reads a status by name.
func ParseStatus(name string) (Status, bool) { return statusNames.Parse(name, StatusInvoked) }

type record struct {
	// The one-byte fields come first, so that they share one word.
	status Status
	// hungry: its attempts need more memory than their initial lease
	// (Envelope.Hungry).
	hungry bool
	// waiting: it waits in its partition's vqueue for a permit, its
	// VQInvoke to carry the journal if vqJournal (Config.VQueues).
	waiting, vqJournal bool
	// journal is the highest entry index stored for the invocation.
	journal int
	// token is the fencing token of the invocation's current invoke, 0
	// for none (Variant Term: FencingTokens in LeaderState, 7e2507c34).
	token uint64
}

// partitionProcessor is the leader side of one partition: leadership, the
// durable status table, and the effect receiver of its current epoch.
type partitionProcessor struct {
	n       *Node
	id      PartitionID
	leader  bool
	epoch   Epoch
	records map[InvocationID]*record
	// vqueue holds the invocations waiting for a permit, in order
	// (Config.VQueues).
	vqueue fifo[InvocationID]
	// parked are the invokes (by their token) of the invocations that
	// yielded to retry via the scheduler, until the scheduler's wake for
	// them; woken, the wakes that came before their Yield
	// (Config.YieldThreshold). Most runs never yield: nil until one does.
	parked, woken map[InvocationID]uint64
	// retried are the failures so far of the invocations that yielded, for
	// their next VQInvoke to carry.
	retried map[InvocationID]int
	stats   PartitionStats
}

// PartitionStats counts what the partition processor dropped.
type PartitionStats struct {
	// StaleEffects came from a leader epoch that is not the current one.
	StaleEffects int
	// ZombieEffects came for an invocation that is no longer invoked.
	ZombieEffects int
	// StaleTokens came from an invoke that is not the invocation's
	// current one (Variant Term's fencing tokens).
	StaleTokens int
}

// init makes pp partition id's processor of a new node: no leader, no
// records. A reused one (Node.Reset) keeps its records map, emptied.
func (pp *partitionProcessor) init(n *Node, id PartitionID) {
	pp.vqueue.clear()
	clear(pp.parked)
	clear(pp.woken)
	clear(pp.retried)
	*pp = partitionProcessor{n: n, id: id, records: emptiedMap(pp.records), vqueue: pp.vqueue, parked: pp.parked, woken: pp.woken,
		retried: pp.retried}
}

func (pp *partitionProcessor) event(k Kind, inv InvocationID) Event {
	return Event{Kind: k, Incarnation: pp.n.incarnation, Invoker: pp.n.invokerFor(pp.id).id,
		Partition: pp.id, Epoch: pp.epoch, Inv: inv}
}

// toInvoker is a command for the invoker's input channel, stamped with the
// current leader epoch.
func (pp *partitionProcessor) toInvoker(kind MsgKind, inv InvocationID) Envelope {
	return Envelope{Kind: kind, Invoker: pp.n.invokerFor(pp.id).id, PLE: PLE{pp.id, pp.epoch}, Inv: inv}
}

// sendToInvoker puts a command on the invoker's input channel.
func (pp *partitionProcessor) sendToInvoker(kind MsgKind, inv InvocationID, index int) {
	m := pp.toInvoker(kind, inv)
	m.Index = index
	pp.n.send(m)
}

// invoke sends inv's Invoke (with its journal, for a new invocation). Its
// message id is the invoke's fencing token, the one the partition accepts
// effects of from then on (Variant Term; FencingTokens::mint). With
// vqueues the invocation waits for the scheduler's permit instead, and
// goes as a VQInvoke once it has one (Config.VQueues).
func (pp *partitionProcessor) invoke(inv InvocationID, r *record, journal bool) {
	if pp.n.vqueuesOn() {
		pp.wait(inv, r, journal)
		return
	}
	m := pp.toInvoker(MsgInvoke, inv)
	m.Journal = journal
	r.token = pp.n.send(m).ID
}

// becomeLeader registers the partition with the invoker (or, per term,
// builds the term's invoker) and re-invokes every invocation the status
// table says is invoked, in id order (resume_invoked_invocations).
func (pp *partitionProcessor) becomeLeader(epoch Epoch) {
	if epoch <= pp.epoch {
		e := pp.event(KindLeader, "")
		e.Epoch, e.Outcome = epoch, IgnoredNotNewerEpoch
		pp.n.emit(e)
		return
	}
	if pp.leader {
		pp.stepDown(StepDownNewerEpoch)
	}
	pp.leader, pp.epoch = true, epoch
	invoked := pp.ids(StatusInvoked)
	e := pp.event(KindLeader, "")
	e.N = len(invoked)
	pp.n.emit(e)
	if pp.n.cfg.Variant.PerTerm() {
		pp.n.beginTerm(PLE{pp.id, epoch})
	} else {
		pp.sendToInvoker(MsgRegister, "", 0)
	}
	for _, id := range invoked {
		pp.invoke(id, pp.records[id], false)
	}
}

// stepDown sends AbortAllPartition for the current epoch (or, per term,
// cancels and awaits the term's invoker) and drops the effect receiver:
// later effects of that epoch are stale.
func (pp *partitionProcessor) stepDown(why Outcome) {
	e := pp.event(KindStepDown, "")
	e.Outcome = why
	if !pp.leader {
		e.Outcome = IgnoredNotLeader
		pp.n.emit(e)
		return
	}
	pp.n.emit(e)
	if pp.n.cfg.Variant.PerTerm() {
		pp.leader = false
		pp.n.invokerFor(pp.id).endTerm(PLE{pp.id, pp.epoch})
		return
	}
	pp.sendToInvoker(MsgAbortAll, "", 0)
	pp.leader = false
	pp.n.invokerFor(pp.id).flush() // parked sends to this epoch now fail
}

func (pp *partitionProcessor) submit(inv InvocationID, hungry bool) {
	switch {
	case !pp.n.ingressOpen:
		pp.reject(inv, RejectedIngressStopped)
	case pp.records[inv] != nil:
		pp.reject(inv, RejectedDuplicateID)
	default:
		r := pp.n.newRecord(StatusInvoked)
		r.hungry = hungry
		pp.records[inv] = r
		pp.n.emit(pp.event(KindAccepted, inv))
		if pp.leader {
			// A new invocation's Invoke carries its journal, the input
			// entry just stored (init_journal: CachedJournal). The
			// per-term invoker's InvokeCommand has none: every attempt
			// reads the journal, and the status, from storage.
			pp.invoke(inv, r, !pp.n.cfg.Variant.PerTerm())
		}
	}
}

func (pp *partitionProcessor) reject(inv InvocationID, why Outcome) {
	e := pp.event(KindRejected, inv)
	e.Outcome = why
	pp.n.emit(e)
}

// kill ends an invocation as killed and tells the invoker to abort it.
func (pp *partitionProcessor) kill(inv InvocationID) {
	r := pp.records[inv]
	if r == nil || r.status.Terminal() {
		pp.reject(inv, RejectedNotRunning)
		return
	}
	pp.setStatus(inv, r, StatusKilled, StatusByKill)
	r.token = 0
	if pp.leader {
		pp.sendToInvoker(MsgAbort, inv, 0)
	}
}

// forward passes the user's pause or retry-now on to the invoker: a pause
// pauses the invocation at once if no attempt is in flight, or when it
// stops; a retry-now starts a waiting invocation's retry at once.
func (pp *partitionProcessor) forward(kind MsgKind, inv InvocationID) {
	if !pp.request(kind, inv, 0) {
		pp.reject(inv, RejectedNotInvoked)
	}
}

// resume makes a paused invocation invoked again and invokes it, as
// ResumeInvocation does: a new state machine on the invoker, in the same
// leader epoch as the one the pause removed. A partition that is not
// leader leaves the invoke to its next leader.
func (pp *partitionProcessor) resume(inv InvocationID) bool {
	r := pp.records[inv]
	if r == nil || r.status != StatusPaused {
		pp.reject(inv, RejectedNotPaused)
		return false
	}
	pp.setStatus(inv, r, StatusInvoked, StatusByUserResume)
	if pp.leader {
		pp.invoke(inv, r, false)
	}
	return true
}

func (pp *partitionProcessor) setStatus(inv InvocationID, r *record, to Status, why Outcome) {
	pp.n.emit(pp.statusEvent(inv, r, to, why))
	r.status = to
}

func (pp *partitionProcessor) statusEvent(inv InvocationID, r *record, to Status, why Outcome) Event {
	e := pp.event(KindStatus, inv)
	e.From, e.To, e.Outcome = State(r.status), State(to), why
	return e
}

// applied reports a status change caused by effect m: the event carries the
// effect, so the term-fencing check can see which epoch it came from.
func (pp *partitionProcessor) applied(m Envelope, r *record, to Status) {
	e := pp.statusEvent(m.Inv, r, to, OutcomeNone)
	e.Effect, e.MsgID, e.Epoch = m.Effect, m.ID, m.PLE.Epoch
	r.status = to
	pp.n.emit(e)
}

// applyEffect applies an effect of the current leader epoch; anything else
// is dropped and counted.
func (pp *partitionProcessor) applyEffect(m Envelope) {
	drop := func(why Outcome, status Status) {
		e := MsgEvent(KindEffectDropped, m)
		e.Outcome, e.From = why, State(status)
		pp.n.emit(e)
	}
	if !pp.leader || m.PLE.Epoch != pp.epoch {
		pp.stats.StaleEffects++
		drop(DroppedStaleEpoch, StatusNone)
		return
	}
	r := pp.records[m.Inv]
	if pp.n.cfg.Variant.PerTerm() && (r == nil || r.token == 0 || m.Key != r.token) {
		// Dropped at write time, before the leader proposes it: the
		// effect of an invoke that is not the current one, or of one that
		// already ended (FencingTokens::accepts).
		pp.stats.StaleTokens++
		drop(DroppedStaleToken, StatusNone)
		return
	}
	if r == nil || r.status != StatusInvoked {
		pp.stats.ZombieEffects++
		if r == nil {
			drop(DroppedUnknownInvocation, StatusNone)
		} else {
			drop(DroppedNotInvoked, r.status)
		}
		// on_invoker_effect: an effect of an invocation that is not
		// invoked is answered with an Abort (unacknowledged), which ends
		// the attempt that sent it, a zombie of #411 included.
		pp.sendToInvoker(MsgAbort, m.Inv, 0)
		return
	}
	switch m.Effect {
	case EffJournalEntry:
		r.journal = max(r.journal, m.Index)
		e := pp.event(KindJournal, m.Inv)
		e.Index, e.Effect, e.MsgID, e.Epoch = m.Index, m.Effect, m.ID, m.PLE.Epoch
		pp.n.emit(e)
		pp.sendToInvoker(MsgAck, m.Inv, m.Index)
	case EffEnd:
		pp.applied(m, r, StatusCompleted)
		r.token = 0
	case EffFailed:
		pp.applied(m, r, StatusFailed)
		r.token = 0
	case EffPaused:
		pp.applied(m, r, StatusPaused)
		r.token = 0
	case EffYield:
		// Still invoked: the leader invokes it again, behind whatever the
		// invoker's queue holds (state_machine/mod.rs:2619-2637); or, with
		// vqueues, its scheduler does once the backoff it yielded for ends.
		pp.applied(m, r, StatusInvoked)
		if pp.n.vqueuesOn() {
			pp.park(m.Inv, r, uint64(m.Index), m.Attempt)
			return
		}
		pp.invoke(m.Inv, r, false)
	case EffSuspended:
		pp.applied(m, r, StatusSuspended)
		// The lab's completions arrive at once: the invocation resumes,
		// with a new invoke and token.
		pp.setStatus(m.Inv, r, StatusInvoked, StatusByResume)
		pp.invoke(m.Inv, r, false)
	}
}

// noticeExit is the partition processor's watch on its invoker: an invoker
// that died stops the partition processor (InvokerStoppedUnexpectedly).
func (pp *partitionProcessor) noticeExit(m Envelope) {
	e := pp.event(KindExitNoticed, "")
	e.Invoker = m.Invoker
	pp.n.emit(e)
	if pp.leader && m.Incarnation == pp.n.incarnation {
		pp.stepDown(StepDownInvokerStopped)
	}
}

// request forwards a user request (pause, retry-now, completion) to the invoker.
func (pp *partitionProcessor) request(kind MsgKind, inv InvocationID, index int) bool {
	r := pp.records[inv]
	if !pp.leader || r == nil || r.status != StatusInvoked {
		return false
	}
	pp.sendToInvoker(kind, inv, index)
	return true
}

// ids lists the invocations with the given status, in id order: those
// are picked first, then sorted, so map order cannot show.
func (pp *partitionProcessor) ids(s Status) []InvocationID {
	ids := make([]InvocationID, 0, len(pp.records))
	for id, r := range pp.records {
		if r.status == s {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
