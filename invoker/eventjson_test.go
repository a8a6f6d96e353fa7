package invoker_test

import (
	"bytes"
	"math"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"lab/invoker"
)

// referenceJSON is the plain encoder AppendJSON was first written as: one
// field at a time, enum names looked up on every call. AppendJSON must give
// the same bytes, or every recorded hash changes.
func referenceJSON(e invoker.Event) []byte {
	str := func(b []byte, key, v string) []byte {
		if v == "" {
			return b
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':', '"')
		for i := 0; i < len(v); {
			c := v[i]
			if c < utf8.RuneSelf {
				switch {
				case c == '"' || c == '\\':
					b = append(b, '\\', c)
				case c == '\n':
					b = append(b, '\\', 'n')
				case c == '\t':
					b = append(b, '\\', 't')
				case c < 0x20:
					b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
				default:
					b = append(b, c)
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, v[i:i+size]...)
			}
			i += size
		}
		return append(b, '"')
	}
	num := func(b []byte, key string, v int) []byte {
		if v == 0 {
			return b
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		return strconv.AppendInt(b, int64(v), 10)
	}
	b := []byte(`{"seq":`)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"at_ns":`...)
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = str(b, "kind", e.Kind.String())
	b = num(b, "incarnation", e.Incarnation)
	if e.Invoker >= 0 {
		b = append(b, `,"invoker":`...)
		b = strconv.AppendInt(b, int64(e.Invoker), 10)
	}
	if e.Partition >= 0 {
		b = append(b, `,"partition":`...)
		b = strconv.AppendInt(b, int64(e.Partition), 10)
	}
	b = num(b, "epoch", int(e.Epoch))
	b = str(b, "inv", string(e.Inv))
	b = num(b, "task", int(e.Task))
	b = num(b, "attempt", e.Attempt)
	if e.Arm != invoker.ArmNone {
		b = str(b, "arm", e.Arm.String())
	}
	if e.Msg != invoker.MsgNone {
		b = str(b, "msg", e.Msg.String())
	}
	b = num(b, "msg_id", int(e.MsgID))
	if e.Output != invoker.OutNone {
		b = str(b, "output", e.Output.String())
	}
	if e.Effect != invoker.EffNone {
		b = str(b, "effect", e.Effect.String())
	}
	b = num(b, "cause", int(e.Cause))
	b = num(b, "index", e.Index)
	if states := invoker.KindInfo(e.Kind).States; states != invoker.NoState {
		if e.From != 0 {
			b = str(b, "from", states.Name(e.From))
		}
		if e.To != 0 {
			b = str(b, "to", states.Name(e.To))
		}
	}
	b = num(b, "n", e.N)
	b = num(b, "m", e.M)
	b = num(b, "due_ns", int(e.Due))
	if e.Outcome != invoker.OutcomeNone {
		b = str(b, "outcome", e.Outcome.String())
	}
	b = str(b, "reason", e.Reason)
	return append(b, '}')
}

// TestAppendJSONMatchesReference encodes every kind with every value of
// every enum field (and values no table knows), and text that needs
// escaping, as the reference encoder does.
func TestAppendJSONMatchesReference(t *testing.T) {
	texts := []string{"", "i044", "a\"b\\c", "line\nbreak\ttab\x00nul", "\xff\xfe", "\u2028</script>", "héllo wörld"}
	check := func(e invoker.Event) {
		t.Helper()
		if got, want := e.AppendJSON(nil), referenceJSON(e); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON:\n got %s\nwant %s", got, want)
		}
	}
	// Numbers around every power of ten and the ends of their types.
	var edges []int64
	for p := int64(1); p <= math.MaxInt64/10; p *= 10 {
		edges = append(edges, p-1, p, p+1, -p, -p-1)
	}
	edges = append(edges, 0, math.MaxInt64, math.MinInt64, math.MaxInt64-1)
	for _, v := range edges {
		check(invoker.Event{Seq: uint64(v), At: time.Duration(v), Kind: invoker.KindRetry, Invoker: int(v),
			Partition: invoker.PartitionID(v), Epoch: invoker.Epoch(v), Task: invoker.TaskID(v), Attempt: int(v),
			MsgID: uint64(v), Cause: uint64(v), Index: int(v), N: int(v), M: int(v), Due: time.Duration(v)})
	}
	check(invoker.Event{Seq: math.MaxUint64, Kind: invoker.KindRun})
	for k := range 256 {
		for v := range 256 {
			text := texts[v%len(texts)]
			check(invoker.Event{Seq: uint64(v), At: time.Duration(v) * time.Millisecond, Kind: invoker.Kind(k),
				Incarnation: v % 3, Invoker: v%5 - 1, Partition: invoker.PartitionID(v%4 - 1), Epoch: invoker.Epoch(v % 3),
				Inv: invoker.InvocationID(text), Task: invoker.TaskID(v), Attempt: v % 4, Arm: invoker.Arm(v),
				Msg: invoker.MsgKind(v), MsgID: uint64(v) * 7, Output: invoker.OutputKind(v), Effect: invoker.EffectKind(v),
				Cause: uint64(v), Index: v - 3, From: invoker.State(v), To: invoker.State(255 - v), N: v, M: -v,
				Due: time.Duration(v), Outcome: invoker.Outcome(v), Reason: texts[(v+k)%len(texts)]})
		}
	}
}
