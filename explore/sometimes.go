package explore

import (
	"slices"

	"lab/invoker"
)

// A sometime is a situation a search should reach now and then, because
// the lifecycle races live there (Antithesis's sometimes-assertions): a
// search that never reaches one has not tested anything that follows from
// it. The report counts the schedules that reached each, up to their first
// violation, and names those that none reached.
type sometime uint8

const (
	abortAllWithMachines sometime = iota
	abortAllWithQueued
	abortAllWithRetrying
	shutdownWithQueued
	staleInvokeDropped
	staleEffectDropped
	segmentSpilled
	segmentLoaded
	effectChannelFull
	leaderReinvoked
	pausedWhileRetrying
	headReadAwaited
	shutdownWhileHeadRead
	termEndedWithQueued
	numSometimes
)

// sometimesNames are the report's names, in the order it lists them.
var sometimesNames = [numSometimes]string{
	abortAllWithMachines:  "abort-all aborted state machines",
	abortAllWithQueued:    "abort-all with invokes of its term queued (#2543's precondition)",
	abortAllWithRetrying:  "abort-all with a machine of its term waiting to retry",
	shutdownWithQueued:    "the shutdown arm discarded queued invokes",
	staleInvokeDropped:    "a stale invoke dequeued and dropped (the #2547 fix at work)",
	staleEffectDropped:    "a partition dropped a stale effect",
	segmentSpilled:        "a queue segment spilled to disk",
	segmentLoaded:         "a spilled segment loaded back",
	effectChannelFull:     "an invoker blocked on a full effect channel",
	leaderReinvoked:       "a new leader re-invoked invocations",
	pausedWhileRetrying:   "a machine waiting to retry was paused (#4064's precondition)",
	headReadAwaited:       "the dequeue arm waited for its head segment's read",
	shutdownWhileHeadRead: "the shutdown arm taken while the head segment was being read",
	termEndedWithQueued:   "a term's invoker ended with invokes queued (term: #2543's precondition)",
}

// queueSometimes are the situations that need an invoke in an invoker's
// segmented queue, which vqueues bypass.
var queueSometimes = [numSometimes]bool{abortAllWithQueued: true, shutdownWithQueued: true, segmentSpilled: true,
	segmentLoaded: true, headReadAwaited: true, shutdownWhileHeadRead: true, termEndedWithQueued: true}

// SometimesNames are the situations the report counts, in its order.
func SometimesNames() []string { return slices.Clone(sometimesNames[:]) }

// cannotReach says why variant v, every invocation of its runs through
// vqueues or not, cannot reach situation s, or "" when it can: a report
// lists such a situation as not applying, not as a gap of the search.
func cannotReach(s sometime, v invoker.Variant, vqueues bool) string {
	switch {
	case vqueues && queueSometimes[s]:
		return "with vqueues no invoke waits in an invoker's queue"
	case v.PerTerm() && (s == abortAllWithMachines || s == abortAllWithQueued || s == abortAllWithRetrying):
		return v.String() + " has no AbortAllPartition (each invoker ends with its term)"
	case !v.PerTerm() && s == termEndedWithQueued:
		return "only term's invokers end with their term"
	case v == invoker.Buggy && s == staleInvokeDropped:
		return "buggy panics on a stale invoke instead"
	}
	return ""
}

// Reached is how many schedules reached a situation, and the first seed
// that did (when one did).
type Reached struct {
	Schedules uint64 `json:"schedules"`
	FirstSeed uint64 `json:"first_seed"`
}

// termKey is a partition leader term of one incarnation of the node.
type termKey struct {
	incarnation int
	ple         invoker.PLE
}

// sometimesWatch follows the counts the situations depend on through one
// run's events: invokes queued and machines waiting to retry, per term;
// per invoker, the head segment whose read its dequeue arm waits for (its
// number plus one), until the loop hears the read finish.
type sometimesWatch struct {
	reached  [numSometimes]bool
	queued   map[termKey]int
	retrying map[termKey]int
	headRead map[invokerKey]int
}

func newSometimesWatch() sometimesWatch {
	return sometimesWatch{queued: map[termKey]int{}, retrying: map[termKey]int{},
		headRead: map[invokerKey]int{}}
}

func (w *sometimesWatch) observe(e *invoker.Event) {
	term := termKey{e.Incarnation, e.PLE()}
	switch e.Kind {
	case invoker.KindEnqueue:
		w.queued[term]++
	case invoker.KindDequeue:
		w.queued[term]--
	case invoker.KindPurge:
		w.queued[term] -= e.N
		// Graceful's purge may have emptied and dropped the segment being
		// read: from then on the dequeue does not wait for it (its read's
		// end is logged as ignored), so the watch forgets the read here.
		delete(w.headRead, invokerKey{e.Incarnation, e.Invoker})
	case invoker.KindAbortAll:
		w.reached[abortAllWithMachines] = w.reached[abortAllWithMachines] || e.N > 0
		w.reached[abortAllWithQueued] = w.reached[abortAllWithQueued] || w.queued[term] > 0
		w.reached[abortAllWithRetrying] = w.reached[abortAllWithRetrying] || w.retrying[term] > 0
	case invoker.KindISM:
		if invoker.ISMState(e.From) == invoker.ISMWaitingRetry {
			w.retrying[term]--
		}
		if invoker.ISMState(e.To) == invoker.ISMWaitingRetry {
			w.retrying[term]++
		}
		// Its retry timer stays queued, and a resume makes a new machine.
		w.reached[pausedWhileRetrying] = w.reached[pausedWhileRetrying] ||
			invoker.ISMState(e.From) == invoker.ISMWaitingRetry && e.Outcome == invoker.EndPaused
	case invoker.KindTermEnd:
		w.reached[termEndedWithQueued] = w.reached[termEndedWithQueued] || e.M > 0
		delete(w.queued, term)
	case invoker.KindShutdown:
		w.reached[shutdownWithQueued] = w.reached[shutdownWithQueued] || e.M > 0
		w.reached[shutdownWhileHeadRead] = w.reached[shutdownWhileHeadRead] ||
			w.headRead[invokerKey{e.Incarnation, e.Invoker}] > 0
	case invoker.KindStaleInvoke:
		w.reached[staleInvokeDropped] = true
	case invoker.KindEffectDropped:
		w.reached[staleEffectDropped] = true
	case invoker.KindSpill:
		w.reached[segmentSpilled] = true
	case invoker.KindLoad:
		w.reached[segmentLoaded] = true
		// A read-ahead starts on the dequeue arm too, after it took an
		// invoke; a read of the head leaves the arm pending.
		if e.Arm == invoker.ArmDequeue && e.Outcome != invoker.ReadAhead {
			w.reached[headReadAwaited] = true
			w.headRead[invokerKey{e.Incarnation, e.Invoker}] = e.Index + 1
		}
	case invoker.KindLoaded:
		if iv := (invokerKey{e.Incarnation, e.Invoker}); w.headRead[iv] == e.Index+1 {
			delete(w.headRead, iv)
		}
	case invoker.KindBlocked:
		w.reached[effectChannelFull] = true
	case invoker.KindLeader:
		w.reached[leaderReinvoked] = w.reached[leaderReinvoked] || e.N > 0
	}
}

// reachedNames are the situations the run has reached so far.
func (w *sometimesWatch) reachedNames() []string {
	var names []string
	for s, hit := range w.reached {
		if hit {
			names = append(names, sometimesNames[s])
		}
	}
	return names
}

// flush adds the run of seed to counts and readies w for the next run.
func (w *sometimesWatch) flush(counts map[string]Reached, seed uint64) {
	for s, hit := range w.reached {
		if hit {
			counts[sometimesNames[s]] = counts[sometimesNames[s]].add(Reached{1, seed})
		}
	}
	w.reached = [numSometimes]bool{}
	clear(w.queued)
	clear(w.retrying)
	clear(w.headRead)
}

// add is both counts: schedules summed, the earlier first seed.
func (r Reached) add(o Reached) Reached {
	first := r.FirstSeed
	if r.Schedules == 0 || (o.Schedules > 0 && o.FirstSeed < first) {
		first = o.FirstSeed
	}
	return Reached{r.Schedules + o.Schedules, first}
}
