package invoker_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"lab/invoker"
)

// FuzzEventAppendJSON: any event encodes as one line of valid JSON whose
// strings decode back to the event's (invalid UTF-8 replaced), and the one
// describer never panics. .ci/run runs it for a few seconds.
func FuzzEventAppendJSON(f *testing.F) {
	// The README's event, and events with text that needs escaping.
	f.Add(uint64(1547), int64(227279294), uint8(invoker.KindPanic), 3, 3, 2, "i044",
		"assertion failed: self.invocation_state_machine_manager.has_partition(partition)",
		uint8(invoker.InvokerRunning), uint8(invoker.InvokerDead), uint8(0), uint64(292), 0)
	f.Add(uint64(1), int64(0), uint8(invoker.KindRun), -1, -1, 0, "", "run seed=1 variant=buggy", uint8(0), uint8(0), uint8(0), uint64(0), 0)
	f.Add(uint64(7), int64(5), uint8(invoker.KindStatus), 0, 0, 1, "a\"b\\c", "line\nbreak\ttab\x00nul",
		uint8(invoker.StatusInvoked), uint8(invoker.StatusCompleted), uint8(invoker.StatusByKill), uint64(1)<<63, 3)
	f.Add(uint64(9), int64(-1), uint8(255), 0, 0, -5, "\xff\xfe", "\u2028\u2029</script>", uint8(200), uint8(255), uint8(250), uint64(9), -1)
	f.Fuzz(func(t *testing.T, seq uint64, at int64, kind uint8, inv, part, epoch int, id, reason string,
		from, to, outcome uint8, cause uint64, n int) {
		e := invoker.Event{Seq: seq, At: time.Duration(at), Kind: invoker.Kind(kind), Invoker: inv,
			Partition: invoker.PartitionID(part), Epoch: invoker.Epoch(epoch), Inv: invoker.InvocationID(id),
			Reason: reason, From: invoker.State(from), To: invoker.State(to), Outcome: invoker.Outcome(outcome),
			Cause: cause, N: n, M: -n, Index: n, Due: time.Duration(at)}
		// From and To are written by name, in the enum the kind's table
		// entry names, and only when set.
		states := invoker.KindInfo(e.Kind).States
		name := func(v uint8) string {
			if states == invoker.NoState || v == 0 {
				return ""
			}
			return states.Name(invoker.State(v))
		}
		wantOutcome := ""
		if e.Outcome != invoker.OutcomeNone {
			wantOutcome = e.Outcome.String()
		}
		line := e.AppendJSON(nil)
		if want := referenceJSON(e); !bytes.Equal(line, want) {
			t.Fatalf("AppendJSON differs from the reference encoder:\n got %s\nwant %s", line, want)
		}
		if bytes.ContainsAny(line, "\n\r") {
			t.Fatalf("not one line: %q", line)
		}
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("not JSON: %v: %q", err, line)
		}
		for key, want := range map[string]string{"inv": id, "reason": reason, "from": name(from), "to": name(to), "outcome": wantOutcome} {
			want = string([]rune(want)) // each invalid byte becomes U+FFFD
			if s, _ := got[key].(string); s != want {
				t.Errorf("%s: decoded %q, want %q (line %q)", key, s, want, line)
			}
		}
		if seqGot, ok := got["seq"].(float64); !ok || (seq < 1<<53 && uint64(seqGot) != seq) {
			t.Errorf("seq: decoded %v, want %d", got["seq"], seq)
		}
		_ = e.String()
		if m, err := e.MarshalJSON(); err != nil || !bytes.Equal(m, line) {
			t.Errorf("MarshalJSON differs from AppendJSON: %q, %v", m, err)
		}
	})
}
