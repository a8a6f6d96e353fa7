package faults

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cespare/xxhash/v2"

	"lab/invoker"
)

// eventDigest fingerprints a run's events: xxhash-64 over a fixed binary
// layout of every field of every event. Two runs whose digests and event
// counts agree logged the same events, as equal hashes of their JSON logs
// would say, for a fraction of the cost: comparing two runs needs no
// canonical bytes, and SHA-256 over 400 KB of JSON is most of a hashed run.
type eventDigest struct {
	d   xxhash.Digest
	buf []byte
}

// digestChunk is how many bytes are encoded before they are hashed: the
// hash is faster over a few large writes than over an event at a time.
const digestChunk = 16 << 10

func (g *eventDigest) reset() {
	g.d.Reset()
	g.buf = g.buf[:0]
}

func (g *eventDigest) add(e *invoker.Event) {
	g.buf = appendEventBinary(g.buf, e)
	if len(g.buf) >= digestChunk {
		g.flush()
	}
}

func (g *eventDigest) flush() {
	_, _ = g.d.Write(g.buf) // an xxhash.Digest never fails a write
	g.buf = g.buf[:0]
}

// sum is the digest so far, as 16 hex digits.
func (g *eventDigest) sum() string {
	g.flush()
	return fmt.Sprintf("%016x", g.d.Sum64())
}

// eventWords is how many 8-byte words appendEventBinary writes before an
// event's two strings. A field added to invoker.Event needs one here too:
// TestDigestCoversEveryField fails until it has it.
const eventWords = 15

// appendEventBinary appends every field of e: the numbers as fixed 8-byte
// words, the eight one-byte enums packed into one, then the two strings,
// each after its length so that no two events encode alike.
func appendEventBinary(b []byte, e *invoker.Event) []byte {
	n := len(b)
	b = slices.Grow(b, eventWords*8+len(e.Inv)+len(e.Reason)+2*binary.MaxVarintLen64)[:n+eventWords*8]
	w := b[n:]
	le := binary.LittleEndian
	le.PutUint64(w[0:], e.Seq)
	le.PutUint64(w[8:], uint64(e.At))
	le.PutUint64(w[16:], uint64(e.Kind)|uint64(e.Arm)<<8|uint64(e.Msg)<<16|uint64(e.Output)<<24|
		uint64(e.Effect)<<32|uint64(e.From)<<40|uint64(e.To)<<48|uint64(e.Outcome)<<56)
	le.PutUint64(w[24:], uint64(e.Incarnation))
	le.PutUint64(w[32:], uint64(e.Invoker))
	le.PutUint64(w[40:], uint64(e.Partition))
	le.PutUint64(w[48:], uint64(e.Epoch))
	le.PutUint64(w[56:], uint64(e.Task))
	le.PutUint64(w[64:], uint64(e.Attempt))
	le.PutUint64(w[72:], e.MsgID)
	le.PutUint64(w[80:], uint64(e.Index))
	le.PutUint64(w[88:], uint64(e.N))
	le.PutUint64(w[96:], uint64(e.M))
	le.PutUint64(w[104:], uint64(e.Due))
	le.PutUint64(w[112:], e.Cause)
	b = binary.AppendUvarint(b, uint64(len(e.Inv)))
	b = append(b, e.Inv...)
	b = binary.AppendUvarint(b, uint64(len(e.Reason)))
	return append(b, e.Reason...)
}
