package invoker

import "time"

// sendEffect proposes an effect to the partition processor over the bounded
// channel of the state machine's leader epoch. The real invoker awaits the
// send inside the arm body and ignores a closed channel (`let _ =`).
func (iv *Invoker) sendEffect(m *ism, kind EffectKind, index int) { iv.propose(m, kind, index, 0) }

// propose sends m's effect, applied no earlier than due (a Yield's, after
// the log's round trip: LogRoundTrip), or parks it while the channel is
// full.
func (iv *Invoker) propose(m *ism, kind EffectKind, index int, due time.Duration) {
	iv.proposeEffect(m, iv.effect(m, kind, index, due))
}

// effect is m's effect of kind, as propose sends it.
func (iv *Invoker) effect(m *ism, kind EffectKind, index int, due time.Duration) Envelope {
	return Envelope{Kind: MsgEffect, Invoker: iv.id, PLE: m.ple, Inv: m.inv,
		Attempt: m.attempt, Effect: kind, Index: index, Due: due, Key: iv.n.fence(m.token)}
}

// proposeEffect sends env, m's effect, or parks it while the channel is
// full.
func (iv *Invoker) proposeEffect(m *ism, env Envelope) {
	if len(iv.pending) == 0 && iv.trySend(env) {
		return
	}
	iv.pending = append(iv.pending, env)
	if len(iv.pending) == 1 {
		e := iv.event(KindBlocked, m.ple, m.inv)
		e.N = iv.outstanding[m.ple]
		e.Outcome = ChannelFull
		iv.emit(e)
	}
}

// trySend sends env if its channel has room, or drops it if the channel is
// closed. It returns false only when the channel is full.
func (iv *Invoker) trySend(env Envelope) bool {
	if !iv.n.receiving(env.PLE) {
		env.Incarnation = iv.incarnation
		e := MsgEvent(KindUndelivered, env)
		e.Arm, e.Outcome = iv.arm, UndeliverableReceiverGone
		iv.emit(e)
		return true
	}
	if iv.outstanding[env.PLE] >= iv.n.cfg.EffectCapacity {
		return false
	}
	iv.outstanding[env.PLE]++
	sent := iv.n.send(env)
	iv.unapplied[sent.ID] = env.PLE
	return true
}

// effectDone frees a place in a channel once the partition processor took
// effect id (or it was lost), and resumes a parked send.
func (iv *Invoker) effectDone(id uint64) {
	ple, ok := iv.unapplied[id]
	if !ok {
		return
	}
	delete(iv.unapplied, id)
	iv.outstanding[ple]--
	iv.flush()
}

// flush sends parked effects while their channels have room.
func (iv *Invoker) flush() {
	if len(iv.pending) == 0 || iv.state != InvokerRunning {
		return
	}
	sent := 0
	for _, env := range iv.pending {
		if !iv.trySend(env) {
			break
		}
		sent++
	}
	iv.pending = append(iv.pending[:0], iv.pending[sent:]...)
	if len(iv.pending) == 0 {
		iv.emit(iv.plainEvent(KindUnblocked))
	}
}
