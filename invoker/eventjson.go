package invoker

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the event as one canonical JSON object: fixed key
// order, zero and not-applicable fields left out, enums by name (From and
// To in the enum KindInfo names). The event log, its hash and
// `--events` files are these bytes, one event per line.
func (e Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"at_ns":`...)
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = appendStr(b, "kind", e.Kind.String())
	b = appendInt(b, "incarnation", e.Incarnation)
	if e.Invoker >= 0 {
		b = append(b, `,"invoker":`...)
		b = strconv.AppendInt(b, int64(e.Invoker), 10)
	}
	if e.Partition >= 0 {
		b = append(b, `,"partition":`...)
		b = strconv.AppendInt(b, int64(e.Partition), 10)
	}
	b = appendInt(b, "epoch", int(e.Epoch))
	b = appendStr(b, "inv", string(e.Inv))
	b = appendInt(b, "task", int(e.Task))
	b = appendInt(b, "attempt", e.Attempt)
	if e.Arm != ArmNone {
		b = appendStr(b, "arm", e.Arm.String())
	}
	if e.Msg != MsgNone {
		b = appendStr(b, "msg", e.Msg.String())
	}
	b = appendInt(b, "msg_id", int(e.MsgID))
	if e.Output != OutNone {
		b = appendStr(b, "output", e.Output.String())
	}
	if e.Effect != EffNone {
		b = appendStr(b, "effect", e.Effect.String())
	}
	b = appendInt(b, "cause", int(e.Cause))
	b = appendInt(b, "index", e.Index)
	if states := KindInfo(e.Kind).States; states != NoState {
		if e.From != 0 {
			b = appendStr(b, "from", states.Name(e.From))
		}
		if e.To != 0 {
			b = appendStr(b, "to", states.Name(e.To))
		}
	}
	b = appendInt(b, "n", e.N)
	b = appendInt(b, "m", e.M)
	b = appendInt(b, "due_ns", int(e.Due))
	if e.Outcome != OutcomeNone {
		b = appendStr(b, "outcome", e.Outcome.String())
	}
	b = appendStr(b, "reason", e.Reason)
	return append(b, '}')
}

// MarshalJSON encodes the event as AppendJSON does.
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

func appendInt(b []byte, key string, v int) []byte {
	if v == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(v), 10)
}

func appendStr(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, v)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON requires (RFC 8259), unlike strconv.Quote.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
