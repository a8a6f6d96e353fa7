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
	b = appendUint(b, e.Seq)
	b = append(b, `,"at_ns":`...)
	b = appendInt64(b, int64(e.At))
	b = kindJSON.append(b, e.Kind)
	b = appendInt(b, `,"incarnation":`, e.Incarnation)
	if e.Invoker >= 0 {
		b = append(b, `,"invoker":`...)
		b = appendUint(b, uint64(e.Invoker))
	}
	if e.Partition >= 0 {
		b = append(b, `,"partition":`...)
		b = appendUint(b, uint64(e.Partition))
	}
	b = appendInt(b, `,"epoch":`, int(e.Epoch))
	b = appendStr(b, `,"inv":`, string(e.Inv))
	b = appendInt(b, `,"task":`, int(e.Task))
	b = appendInt(b, `,"attempt":`, e.Attempt)
	if e.Arm != ArmNone {
		b = armJSON.append(b, e.Arm)
	}
	if e.Msg != MsgNone {
		b = msgJSON.append(b, e.Msg)
	}
	b = appendInt(b, `,"msg_id":`, int(e.MsgID))
	if e.Output != OutNone {
		b = outputJSON.append(b, e.Output)
	}
	if e.Effect != EffNone {
		b = effectJSON.append(b, e.Effect)
	}
	b = appendInt(b, `,"cause":`, int(e.Cause))
	b = appendInt(b, `,"index":`, e.Index)
	if e.Kind < NumKinds {
		// Looked up in the table, not through KindInfo: that copies the
		// whole spec.
		if states := kindSpecs[e.Kind].States; states != NoState {
			if e.From != 0 {
				b = appendStr(b, `,"from":`, states.Name(e.From))
			}
			if e.To != 0 {
				b = appendStr(b, `,"to":`, states.Name(e.To))
			}
		}
	}
	b = appendInt(b, `,"n":`, e.N)
	b = appendInt(b, `,"m":`, e.M)
	b = appendInt(b, `,"due_ns":`, int(e.Due))
	if e.Outcome != OutcomeNone {
		b = outcomeJSON.append(b, e.Outcome)
	}
	b = appendStr(b, `,"reason":`, e.Reason)
	return append(b, '}')
}

// MarshalJSON encodes the event as AppendJSON does.
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

// appendInt appends field (`,"key":`) and v, unless v is zero.
func appendInt(b []byte, field string, v int) []byte {
	if v == 0 {
		return b
	}
	b = append(b, field...)
	return appendInt64(b, int64(v))
}

// appendInt64 is strconv.AppendInt(b, v, 10), with appendUint for v >= 0.
func appendInt64(b []byte, v int64) []byte {
	if v < 0 {
		return strconv.AppendInt(b, v, 10)
	}
	return appendUint(b, uint64(v))
}

// appendUint is strconv.AppendUint(b, v, 10), two digits at a time into
// a scratch array: strconv takes a longer, general path for every base.
func appendUint(b []byte, v uint64) []byte {
	if v < 10 {
		return append(b, byte('0'+v))
	}
	var buf [20]byte
	i := len(buf)
	for v >= 100 {
		d := v % 100 * 2
		v /= 100
		i -= 2
		buf[i], buf[i+1] = digitPairs[d], digitPairs[d+1]
	}
	if v >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[v*2], digitPairs[v*2+1]
	} else {
		i--
		buf[i] = byte('0' + v)
	}
	return append(b, buf[i:]...)
}

const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" + "60616263646566676869" +
	"70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// appendStr appends field (`,"key":`) and v quoted, unless v is empty.
func appendStr(b []byte, field, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, field...)
	return appendJSONString(b, v)
}

// enumJSON holds an enum's field, `,"key":"name"`, for every value its
// name table knows: names are constants, so they are encoded once, at
// start, and each event appends them in one go.
type enumJSON[T ~uint8] struct {
	field  string
	names  Names[T]
	encode []string
}

func newEnumJSON[T ~uint8](key string, names Names[T]) enumJSON[T] {
	j := enumJSON[T]{field: `,"` + key + `":`, names: names, encode: make([]string, len(names))}
	for v := range names {
		j.encode[v] = string(appendStr(nil, j.field, names.Name(T(v))))
	}
	return j
}

func (j enumJSON[T]) append(b []byte, v T) []byte {
	if int(v) < len(j.encode) {
		return append(b, j.encode[v]...)
	}
	return appendStr(b, j.field, j.names.Name(v))
}

var (
	kindJSON    = newEnumJSON("kind", kindNames)
	armJSON     = newEnumJSON("arm", armNames)
	msgJSON     = newEnumJSON("msg", msgNames)
	outputJSON  = newEnumJSON("output", outputNames)
	effectJSON  = newEnumJSON("effect", effectNames)
	outcomeJSON = newEnumJSON("outcome", outcomeNames)
)

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON requires (RFC 8259), unlike strconv.Quote.
// The part of s that needs no escaping (usually all of it) is appended in
// one go.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	plain := 0
	for plain < len(s) && !needsEscape(s[plain]) {
		plain++
	}
	b = append(b, s[:plain]...)
	for i := plain; i < len(s); {
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

// needsEscape reports whether byte c is not copied as it is: a control
// character, a quote, a backslash, or part of a multi-byte (or invalid)
// UTF-8 sequence, which the slow path checks.
func needsEscape(c byte) bool {
	return c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
}
