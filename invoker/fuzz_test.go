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
		"assertion failed: self.invocation_state_machine_manager.has_partition(partition)", "", "", 0)
	f.Add(uint64(1), int64(0), uint8(invoker.KindRun), -1, -1, 0, "", "run seed=1 variant=buggy", "", "", 0)
	f.Add(uint64(7), int64(5), uint8(invoker.KindStatus), 0, 0, 1, "a\"b\\c", "line\nbreak\ttab\x00nul", "invoked", "completed", 3)
	f.Add(uint64(9), int64(-1), uint8(255), 0, 0, -5, "\xff\xfe", "\u2028\u2029</script>", "\x7f", "é", -1)
	f.Fuzz(func(t *testing.T, seq uint64, at int64, kind uint8, inv, part, epoch int, id, reason, from, to string, n int) {
		e := invoker.Event{Seq: seq, At: time.Duration(at), Kind: invoker.Kind(kind), Invoker: inv,
			Partition: invoker.PartitionID(part), Epoch: invoker.Epoch(epoch), Inv: invoker.InvocationID(id),
			Reason: reason, From: from, To: to, N: n, M: -n, Index: n, Due: time.Duration(at)}
		line := e.AppendJSON(nil)
		if bytes.ContainsAny(line, "\n\r") {
			t.Fatalf("not one line: %q", line)
		}
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("not JSON: %v: %q", err, line)
		}
		for key, want := range map[string]string{"inv": id, "reason": reason, "from": from, "to": to} {
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
