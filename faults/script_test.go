package faults_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"lab/faults"
	"lab/faults/scripttest"
)

// TestInvariantStories shows every invariant (README, Invariants) firing on the
// timeline that breaks it, by each of its checks, and holding on the one that does not. Every
// violation names the check that fired, as its detail says it.
func TestInvariantStories(t *testing.T) {
	seen := map[string]bool{}
	scripttest.RunWatching(t, "testdata", func(t *testing.T, r *faults.ScriptRunner) {
		for _, v := range r.Result().Violations {
			seen[v.Check] = true
			if !checkFits(v) {
				t.Errorf("%s: check %q does not fit the detail %q", v.Invariant, v.Check, v.Detail)
			}
		}
	})
	// The stories fire every check but those the model itself keeps,
	// which TestChecksTheModelKeeps fires on events of its own.
	for check := range detailOf {
		if !seen[check] && !slices.Contains(faults.ChecksTheModelKeeps, check) {
			t.Errorf("no story fired the check %s", check)
		}
	}
}

// detailOf is, for each check, the shape of the detail it writes.
var detailOf = map[string]*regexp.Regexp{
	faults.CheckTaskAfterAbortAll:   regexp.MustCompile(`^invoker\d+ started a task for .* after AbortAllPartition`),
	faults.CheckEffectAfterAbortAll: regexp.MustCompile(`^p\d+ applied an effect of .* after AbortAllPartition`),
	faults.CheckStaleTimerRetried:   regexp.MustCompile(`^a retry timer of an earlier wait \(attempt \d+'s, due \S+\) started \S+'s retry before its own backoff ended$`),
	faults.CheckStaleTimerInFlight:  regexp.MustCompile(`^a retry timer of an earlier wait \(attempt \d+'s, due \S+\) reached \S+'s attempt in flight`),
	faults.CheckTwoTasks:            regexp.MustCompile(`^\S+ has \d+ live tasks$`),
	faults.CheckTwoStateMachines:    regexp.MustCompile(`^\S+ has \d+ live state machines$`),
	faults.CheckSlots:               regexp.MustCompile(`^invoker\d+ has \d+/\d+ slots in use but \d+ state machines$`),
	faults.CheckSlotsInflated:       regexp.MustCompile(`^invoker\d+ has \d+ of \d+ slots free but \d+ state machines hold one: it took back \d+ it never gave$`),
	faults.CheckEndedTwice:          regexp.MustCompile(`^\S+ ended twice`),
	faults.CheckNeverEnded:          regexp.MustCompile(`^\d+ accepted invocations never ended`),
	faults.CheckJoinTimeout:         regexp.MustCompile(`^invoker\d+ was cancelled at .* and had not joined`),
	faults.CheckSpillLeft:           regexp.MustCompile(`^\d+ spill segment files left by`),
	faults.CheckNotFinished:         regexp.MustCompile(`^invoker\d+ ended \S+, not \S+$`),
	faults.CheckQueuedLeft:          regexp.MustCompile(`^invoker\d+ still holds \d+ queued invokes?$`),
	faults.CheckUnnoticedCrash:      regexp.MustCompile(`^invoker\d+ died at .* had not noticed`),
	faults.CheckRetryLoop:           regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*\((killed|completed|failed) at p\d+, its state machine `),
	faults.CheckNoLeader:            regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*\(invoked at p\d+; p\d+ has no leader\)`),
	faults.CheckBacklog:             regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*\(invoked at p\d+; queued at invoker\d+, whose queue moved at event #\d+ \(\S+\)\).*; a backlog, not a stall: the queues move, slower than the bound$`),
	faults.CheckSlotsLeaked:         regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*\(invoked at p\d+; (queued behind invoker\d+'s slots, \d+ of them held by no state machine|queued at invoker\d+, which waits for the node's memory pool, held for invokes queued behind slots no state machine holds) \(--paused-slots leaked\)\)`),
	faults.CheckOutOfMemory:         regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*\(invoked at p\d+, its state machine waiting-retry at attempt \d+; its attempts fail for memory the pool does not have \(\d+ of \d+ leases held; its latest at event #\d+\)\)`),
	faults.CheckYieldLoop:           regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*\(invoked at p\d+; its attempts fail for memory the pool does not have, and it yields and is invoked again \(\d+ of \d+ leases held; its latest yield at event #\d+\)\)`),
	faults.CheckFaulted:             regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+ .*; (its \S+ was (dropped|duplicated) at event #\d+|waiting in p\d+'s vqueue for the node's (one permit, held|\d+ permits, all held) by the stuck)`),
	faults.CheckStalled:             regexp.MustCompile(`^\d+ invocations? made no progress for \S+: \S+, from event #\d+`),
}

func checkFits(v faults.Violation) bool {
	if v.Invariant == faults.NoPanic {
		return v.Check != "" && strings.HasSuffix(v.Detail, "panicked: "+v.Check)
	}
	re, ok := detailOf[v.Check]
	return ok && re.MatchString(v.Detail)
}
