package invoker_test

import (
	"strings"
	"testing"

	"lab/invoker"
)

// TestKindInfoTable: every kind has a unique name that parses back, an
// actor, and From/To meanings exactly when it names the enum they hold.
func TestKindInfoTable(t *testing.T) {
	seen := map[string]invoker.Kind{}
	for _, k := range invoker.Kinds() {
		info := invoker.KindInfo(k)
		if info.Name == "" || strings.HasPrefix(info.Name, "?") {
			t.Errorf("kind %d has no name", k)
		}
		if prev, dup := seen[info.Name]; dup {
			t.Errorf("kinds %d and %d are both named %q", prev, k, info.Name)
		}
		seen[info.Name] = k
		if got, ok := invoker.ParseKind(info.Name); !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", info.Name, got, ok, k)
		}
		if info.Actor == invoker.ActorNone || info.Doc == "" {
			t.Errorf("%s: actor %v, doc %q: both are required", info.Name, info.Actor, info.Doc)
		}
		if hasStates := info.From != "" || info.To != ""; hasStates != (info.States != invoker.NoState) {
			t.Errorf("%s: From %q, To %q but States %v", info.Name, info.From, info.To, info.States)
		}
	}
	if got := invoker.KindInfo(invoker.NumKinds + 3).Name; !strings.HasPrefix(got, "?") {
		t.Errorf("an unknown kind is named %q", got)
	}
}

// TestOutcomeNames: outcomes are named uniquely, parse back, and only the
// ignored/dropped/rejected/undeliverable ones say Ignored.
func TestOutcomeNames(t *testing.T) {
	seen := map[string]bool{}
	for o := invoker.OutcomeNone + 1; !strings.HasPrefix(o.String(), "?"); o++ {
		name := o.String()
		if seen[name] {
			t.Errorf("outcome name %q used twice", name)
		}
		seen[name] = true
		if got, ok := invoker.ParseOutcome(name); !ok || got != o {
			t.Errorf("ParseOutcome(%q) = %v, %v", name, got, ok)
		}
		noEffect := strings.HasPrefix(name, "ignored-") || strings.HasPrefix(name, "dropped-") ||
			strings.HasPrefix(name, "rejected-") || strings.HasPrefix(name, "undeliverable-")
		if o.Ignored() != noEffect {
			t.Errorf("%s: Ignored() = %v", name, o.Ignored())
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d outcomes found", len(seen))
	}
}

// TestEventJSONEnums: From and To are written by name, in the enum the
// kind's table entry names; a zero state is left out.
func TestEventJSONEnums(t *testing.T) {
	cases := []struct {
		e    invoker.Event
		want string
	}{
		{invoker.Event{Kind: invoker.KindISM, Invoker: 1, Partition: 1, From: invoker.State(invoker.ISMNone),
			To: invoker.State(invoker.ISMInFlight)}, `"kind":"ism.state","invoker":1,"partition":1,"to":"in-flight"}`},
		{invoker.Event{Kind: invoker.KindISM, Invoker: 1, Partition: 1, From: invoker.State(invoker.ISMWaitingRetry),
			To: invoker.State(invoker.ISMGone), Outcome: invoker.EndAborted},
			`"from":"waiting-retry","to":"gone","outcome":"aborted"}`},
		{invoker.Event{Kind: invoker.KindStatus, Invoker: 0, Partition: 0, From: invoker.State(invoker.StatusInvoked),
			To: invoker.State(invoker.StatusCompleted), Cause: 9}, `"cause":9,"from":"invoked","to":"completed"}`},
		{invoker.Event{Kind: invoker.KindPanic, Invoker: 0, Partition: 0, From: invoker.State(invoker.InvokerRunning),
			To: invoker.State(invoker.InvokerDead), M: 3, Reason: "boom"}, `"from":"running","to":"dead","m":3,"reason":"boom"}`},
		// A kind whose From and To mean nothing never writes them.
		{invoker.Event{Kind: invoker.KindAck, Invoker: 0, Partition: 0, From: 2, To: 3}, `"kind":"invoker.ack","invoker":0,"partition":0}`},
	}
	for _, c := range cases {
		if got := string(c.e.AppendJSON(nil)); !strings.HasSuffix(got, c.want) {
			t.Errorf("AppendJSON = %s\nwant it to end with %s", got, c.want)
		}
	}
}

// TestEventsCarryTheirCause: an event produced while handling a message
// carries that message's id, through the queue and the shutdown arm too.
func TestEventsCarryTheirCause(t *testing.T) {
	n := node(t, invoker.Config{Partitions: 1, Quota: 1, QueueLimit: 1, EffectCapacity: 4,
		Retry: invoker.DefaultConfig().Retry, Store: invoker.MemStores()})
	leader := n.Send(invoker.Envelope{Kind: invoker.MsgBecomeLeader, Invoker: 0, PLE: invoker.PLE{Partition: 0, Epoch: 1}})
	submit := n.Send(invoker.Envelope{Kind: invoker.MsgSubmit, Invoker: 0, PLE: invoker.PLE{Partition: 0}, Inv: "a"})
	n.Advance()
	n.Deliver(leader)
	register := only(t, sent(n), invoker.MsgRegister)
	n.Deliver(submit)
	invoke := only(t, sent(n), invoker.MsgInvoke)
	n.Deliver(register)
	n.Deliver(invoke)
	n.Advance()

	wantCause := func(what string, id uint64, kinds ...invoker.Kind) {
		t.Helper()
		evs := n.Ready().Events
		for _, k := range kinds {
			found := false
			for _, e := range evs {
				if e.Kind != k {
					continue
				}
				found = true
				if e.Cause != id {
					t.Errorf("%s: %v has cause %d, want %d", what, e, e.Cause, id)
				}
			}
			if !found {
				t.Errorf("%s: no %v event among %v", what, k, evs)
			}
		}
		n.Advance()
	}
	step(t, n, 0, invoker.ArmInput)
	wantCause("register", register.ID, invoker.KindRegister)
	step(t, n, 0, invoker.ArmInput)
	wantCause("invoke", invoke.ID, invoker.KindEnqueue)
	step(t, n, 0, invoker.ArmDequeue) // the head is on the store: read it back
	if took := n.Took(0); took != invoker.ArmNone {
		t.Errorf("a pending dequeue with nothing else ready took %v", took)
	}
	read := only(t, n.Ready().Sent, invoker.MsgSegmentLoaded)
	wantCause("read", invoke.ID, invoker.KindLoad)
	n.Deliver(read)
	wantCause("read finished", read.ID, invoker.KindLoaded)
	step(t, n, 0, invoker.ArmDequeue) // the queue kept the Invoke's id
	wantCause("dequeue", invoke.ID, invoker.KindDequeue, invoker.KindSlotAcquired, invoker.KindISM, invoker.KindTaskStart)
	cancel := n.Send(invoker.Envelope{Kind: invoker.MsgCancel, Invoker: 0, PLE: invoker.PLE{Partition: invoker.NoPartition}})
	n.Advance()
	n.Deliver(cancel)
	wantCause("cancel", cancel.ID, invoker.KindCancel)
	step(t, n, 0, invoker.ArmShutdown)
	wantCause("shutdown", cancel.ID, invoker.KindShutdown, invoker.KindTaskEnd, invoker.KindISM)
	// What the caller does directly has no cause.
	restart := n.Restart()
	if restart != nil {
		t.Fatal(restart)
	}
	wantCause("restart", 0, invoker.KindRestart)
}
