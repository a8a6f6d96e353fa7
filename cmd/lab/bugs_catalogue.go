package main

import (
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// A bug is one the lab reproduces: a lifecycle bug of Restate's invoker,
// or one the lab found in its source, with the seed whose run shows it.
type bug struct {
	id    string
	title string
	// reported says where it was reported and what fixed it.
	reported string
	// story tells what happens, as the shrunk run shows it.
	story string
	// args are lab run's flags for the run that shows it.
	args []string
	// invariant is what it breaks; the run hunts it, so that an earlier
	// violation of another (#4102's run panics first) is not the one shown.
	invariant string
	// check is how it breaks it (faults.Violation.Check; for no-panic, the
	// panic message): a run that breaks the invariant another way, as
	// shared-tmp-dir's panic breaks #2543's no-panic, does not show it.
	check string
	// road, if not nil, is the story the run must tell as well, and its
	// shrunk run keep: the road to the failure, where two lead to it.
	road explore.Story
}

// bugs are the catalogue: Restate's, in the order it met them, then the
// lab's own, by the date of the code they are in.
var bugs = []bug{
	{"2543", "a queued Invoke, dequeued after AbortAllPartition removed its partition, panics the invoker",
		"restatedev/restate#2543 (January 2025); fixed by #2547, which drops the stale invoke (--variant fixed)",
		"An Invoke waits in the queue for the one free slot. The partition steps down: AbortAllPartition removes its " +
			"state machines, which frees their slots, and its leader epoch. The dequeue arm, ready again, takes the " +
			"waiting Invoke of that epoch, and handle_invoke's debug_assert!(has_partition) fails: the invoker panics, " +
			`and with panic = "abort" the node goes down.`,
		// The README's seed: its run panics at the node's shutdown, #2543 as
		// filed; its shrunk run panics at the step-down before it.
		[]string{"--seed", strconv.Itoa(faults.DefaultSeed), "--plan", "shutdown-race"}, faults.NoPanic, invoker.HasPartitionAssertion, nil},
	{"3217", "a killed invocation whose Invoke, re-invoked or spilled, was still queued is retried forever, holding its slot",
		"restatedev/restate#3217 (May 2025); fixed by #3221, which gives up on NotInvoked (--variant graceful does too)",
		"The user kills an invocation whose Invoke still waits in the queue: the partition marks it killed and sends " +
			"Abort, which finds no state machine and is ignored (#411). The Invoke is dequeued later. A new invocation's " +
			"Invoke carries its journal and runs without reading the status, until its first effect is answered with " +
			"another Abort; but one re-invoked by a new leader, or read back from a spilled segment, has none: its " +
			"attempt reads a status no longer invoked (NotInvoked), and the 2025 invoker retries that error forever, " +
			"holding the slot. On a node left running, nothing ends the loop.",
		[]string{"--seed", "132", "--variant", "fixed", "--plan", "none", "--kills", "6", "--shutdown=false"}, faults.Progress, faults.CheckRetryLoop, nil},
	{"4102", "an invoker that panics alone dies unnoticed, and its partitions lead on without it",
		"restatedev/restate#4102 (December 2025); fixed by #4103, a watch that makes the partitions step down (--on-panic watch)",
		`With panic = "unwind" (August to December 2025), #2543's panic kills the invoker alone. Nothing watches it: ` +
			"its partition goes on leading, and what it sends the dead invoker (a new leader's invokes) is lost. The " +
			"node looks alive while its invocations hang. #4103's watch makes the partition notice the death.",
		[]string{"--seed", "28", "--plan", "none", "--shutdown=false", "--on-panic", "unwind"}, faults.CrashVisibility, faults.CheckUnnoticedCrash, nil},
	{"4064", "a retry timer left behind by a pause fires on the resumed invocation",
		"restatedev/restate#4064 (November 2025); fixed by f681676dc (January 2026), which keys each timer to its wait (--retry-timers keyed)",
		"An attempt fails and its state machine waits for a retry timer. The user pauses the invocation (the state " +
			"machine is removed, the timer stays queued) and resumes it before the timer is due: a new state machine " +
			"starts an attempt. The old timer, found by invocation alone, reaches the attempt in flight, where a debug " +
			"build's assertion fails (#4064's panic) and a release build carries on; a state machine waiting for its " +
			"own timer would retry before its backoff ended.",
		[]string{"--seed", "19", "--variant", "fixed", "--plan", "none", "--pauses", "8", "--retry-timers", "unkeyed"}, faults.TimerFencing, faults.CheckStaleTimerInFlight, nil},
	{"4468", "a pause of an invocation waiting to retry keeps its concurrency slot for ever",
		"restatedev/restate#4468 (March 2026); fixed by 2c8e16c28 (#4477, March 2026), whose slot goes with its state machine (--paused-slots released)",
		"From the manual pause of 8a932d73e (October 2025), pausing an invocation whose attempt failed and that " +
			"waits to retry removes its state machine and sends Paused, but never gives back its slot: the slot is " +
			"in use with no state machine, and an idle node shows used slots. Each such pause leaks one; once all " +
			"have leaked, the dequeue arm is never ready again and queued invocations wait for ever.",
		[]string{"--seed", "19", "--variant", "fixed", "--plan", "none", "--pauses", "8", "--paused-slots", "leaked"}, faults.QuotaConservation, faults.CheckSlots, nil},
	{"4520", "a vqueue invocation that suspends or is aborted gives back a concurrency slot it never took",
		"restatedev/restate#4520 (March 2026); fixed by 318bffc7d (#4522), which releases only a slot the state machine reserved, then by the RAII slots of 2c8e16c28 (#4477) (--vqueues on)",
		"With vqueues, the partition's scheduler grants each invocation a permit and sends VQInvoke, which the " +
			"invoker starts at once: it takes no slot of its own quota. Only the closed and yield paths checked " +
			"that; suspending, aborting, aborting a whole partition, pausing and giving up called unreserve_slot " +
			"regardless. Each VQInvoke that ends by one of them frees a slot nobody held: the quota's available " +
			"slots climb past its limit, and the gauge says so.",
		[]string{"--seed", "1", "--variant", "fixed", "--plan", "none", "--vqueues", "unguarded"}, faults.QuotaConservation, faults.CheckSlotsInflated, nil},
	{"shared-tmp-dir", "invokers given one tmp-dir overwrite each other's spilled segments, and one panics reading its own",
		"found by the lab in Restate's source (worker.invoker.tmp-dir), not reported; invokers that spill into a subdirectory " +
			"each of the tmp-dir fix it (--in-tmp-dir subdir; --variant graceful does too)",
		"Given worker.invoker.tmp-dir, every partition's invoker spills into that one directory and names its " +
			"segment files from 0.segment. Two invokers that spill at once overwrite each other's files: one reads " +
			"back the other's invokes (and, fixed, drops them as stale), the other finds its file gone and panics: " +
			"Unable to load a segment.",
		// A seed whose shrunk run tells this story with two invokers:
		// invoker 1 spills, invoker 0 overwrites its file, invoker 1 reads
		// back and drops invoker 0's invokes, invoker 0 panics. Of seeds
		// 1-15, seeds 2 and 15 tell it; 15 shrinks furthest (84 decisions,
		// 2's 99). The others do not panic, or the overwriter reads back
		// its own file, or the shrunk run keeps more segments or
		// partitions.
		[]string{"--seed", "15", "--variant", "fixed", "--plan", "shutdown-race", "--shared-tmp-dir"}, faults.NoPanic, invoker.SpillReadPanic, nil},
	{"spill-files", "the spill files of invokes still queued at shutdown are never removed",
		"found by the lab in Restate's source, not reported; an invoker that removes its spill directory as it ends " +
			"fixes it (--spill-dirs removed; --variant graceful does too)",
		"Invokes still spilled to disk when the node shuts down stay there: the 2025 invoker never removes its " +
			"spill directory (nothing cleans up on exit, and the next start picks a fresh name). With --spill-dirs " +
			"removed, as a Drop for the segmented queue would, the invoker removes it once its tasks are joined.",
		[]string{"--seed", "66", "--variant", "fixed", "--plan", "none"}, faults.CleanShutdown, faults.CheckSpillLeft, nil},
	{"parked-send", "an invoker parked on a full effect channel does not see its cancellation, and overruns its shutdown",
		"derived by the lab from Restate's source (the select! loop), not reported; Restate's later run_until_cancelled sees cancellation while a step is parked, and --variant graceful does too",
		"The partition processor falls behind and takes its effects off the channel seconds late. The invoker, " +
			"sending an effect on the full channel, awaits inside the arm's body. The node shuts down: the " +
			"invoker's cancellation is just another select! arm, which a parked loop does not poll, and the " +
			"partition's step-down, which would drop the channel and free the send, comes late. The invoker " +
			"does not exit within its bound.",
		[]string{"--seed", "1", "--variant", "fixed", "--plan", "slow-partition", "--effect-capacity", "2"}, faults.BoundedShutdown, faults.CheckJoinTimeout, nil},
	{"term-spill-dirs", "each leadership term's invoker leaves its spill directory behind when the term ends",
		"found by the lab in Restate's source (per-term invokers since 50bee0b5c, April 2026; still so at 0c6df0fcc), " +
			"not reported; a term's invoker that removes its spill directory as the term ends fixes it (--spill-dirs removed)",
		"Since April 2026 every leadership term gets an invoker of its own, and each spills into a fresh " +
			"invoker-<ULID> directory. The partition steps down with invokes still spilled: the term's invoker is " +
			"cancelled and ends, and nothing removes its directory (the segmented queue has no Drop). What the 2025 " +
			"invoker left once, at the node's exit, a node that never stops now leaves at every step-down.",
		// Of shutdown-race's seeds 1-300, 42 is the first whose node, left
		// running, is left with a finished term's directory (5 are).
		[]string{"--seed", "42", "--variant", "term", "--plan", "shutdown-race", "--shutdown=false"}, faults.CleanShutdown, faults.CheckSpillLeft, nil},
	{"term-tmp-dir", "a leadership term's start empties a configured tmp-dir under the other partitions' spilled invokes, and their invokers panic",
		"found by the lab in Restate's source (per-term invokers since 50bee0b5c, April 2026; still so at 0c6df0fcc), not reported; " +
			"each term's invoker spilling into a subdirectory of its own fixes it (--in-tmp-dir subdir; --variant graceful does too)",
		"Given worker.invoker.tmp-dir, every leadership term's invoker is handed that one directory, and its segmented " +
			"queue's init deletes the directory and makes it again as the term begins. A partition becomes leader " +
			"while another partition's invoker has invokes spilled there: the new term's start deletes them, and " +
			"that invoker panics reading its segment back: Unable to load a segment.",
		[]string{"--seed", "176", "--variant", "term", "--plan", "shutdown-race", "--shared-tmp-dir"}, faults.NoPanic, invoker.SpillReadPanic,
		explore.TermStartDeletedTheSegment},
}

func findBug(catalogue []bug, id string) (bug, bool) {
	id = strings.TrimPrefix(id, "#")
	for _, b := range catalogue {
		if b.id == id {
			return b, true
		}
	}
	return bug{}, false
}

func bugIDs(catalogue []bug) string {
	ids := make([]string, len(catalogue))
	for i, b := range catalogue {
		ids[i] = b.id
	}
	return strings.Join(ids, ", ")
}

// failure names the way the bug breaks its invariant, as
// faults.Violation.Failure does.
func (b bug) failure() string {
	return faults.Violation{Invariant: b.invariant, Check: b.check}.Failure()
}

// command is the lab run command line of the bug's full run.
func (b bug) command() string { return "lab run " + strings.Join(b.args, " ") }

// options are the bug's run as lab run's flags make it, hunting its
// invariant, recording its schedule to rec, spill in memory.
func (b bug) options(rec io.Writer) (faults.Options, error) {
	fl := pflag.NewFlagSet("lab run", pflag.ContinueOnError)
	f := runFlags{}
	f.registerShape(fl)
	if err := fl.Parse(b.args); err != nil {
		return faults.Options{}, err
	}
	o, err := f.options(fl)
	if err != nil {
		return o, err
	}
	o.Node.Store = invoker.MemStores()
	o.Invariants, o.StopAtViolation, o.SkipHash = []string{b.invariant}, true, true
	o.Record, o.Command = rec, b.command()
	return o, nil
}
