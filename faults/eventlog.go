package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"lab/invoker"
)

// eventLog numbers every event, hashes its canonical JSON line, and keeps
// the most recent ones for violation reports. Without a hash and a writer
// it encodes nothing at all.
type eventLog struct {
	seq  uint64
	hash hash.Hash
	// lines are the encoded events not hashed yet: SHA-256 is faster
	// over a few large writes than over a line at a time.
	lines  []byte
	recent [recentEvents]invoker.Event
	out    io.Writer
	outErr error
	// digest, when the run asked for it, fingerprints the events without
	// encoding them as JSON.
	digest   eventDigest
	digested bool
}

// recentEvents is how many events a violation report shows.
const recentEvents = 24

func newEventLog(out io.Writer, hashed bool) *eventLog {
	return new(eventLog).reset(out, hashed, false)
}

// reset readies l for a new run as newEventLog would, keeping its buffers.
func (l *eventLog) reset(out io.Writer, hashed, digested bool) *eventLog {
	h := l.hash
	if !hashed {
		h = nil
	} else if h == nil {
		h = sha256.New()
	} else {
		h.Reset()
	}
	// The recent events need no clearing: last and tail read only what
	// this run logged.
	l.seq, l.hash, l.lines, l.out, l.outErr = 0, h, l.lines[:0], out, nil
	l.digested = digested
	l.digest.reset()
	return l
}

func (l *eventLog) add(e *invoker.Event) {
	l.seq++
	e.Seq = l.seq
	if l.hash != nil || l.out != nil {
		start := len(l.lines)
		l.lines = append(e.AppendJSON(l.lines), '\n')
		if l.out != nil && l.outErr == nil {
			_, l.outErr = l.out.Write(l.lines[start:])
		}
		if l.hash == nil || len(l.lines) >= hashChunk {
			l.flushHash()
		}
	}
	if l.digested {
		l.digest.add(e)
	}
	l.recent[l.seq%recentEvents] = *e
}

// last is the latest event logged (the zero event before the first).
func (l *eventLog) last() invoker.Event {
	if l.seq == 0 {
		return invoker.Event{}
	}
	return l.recent[l.seq%recentEvents]
}

// tail returns up to n of the latest events, oldest first.
func (l *eventLog) tail(n int) []invoker.Event {
	n = min(n, recentEvents, int(l.seq))
	out := make([]invoker.Event, 0, n)
	for s := l.seq - uint64(n) + 1; s <= l.seq; s++ {
		out = append(out, l.recent[s%recentEvents])
	}
	return out
}

// hashChunk is how many bytes of lines are hashed at once.
const hashChunk = 16 << 10

func (l *eventLog) flushHash() {
	if l.hash != nil {
		l.hash.Write(l.lines)
	}
	l.lines = l.lines[:0]
}

// sum is the log's SHA-256 so far, or "" when it is not hashed.
func (l *eventLog) sum() string {
	if l.hash == nil {
		return ""
	}
	l.flushHash()
	return hex.EncodeToString(l.hash.Sum(nil))
}

// ErrEventsWrite marks a failure to write the event log.
var ErrEventsWrite = errors.New("writing the event log")

// err is the first error writing the log, if any.
func (l *eventLog) err() error {
	if l.outErr == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrEventsWrite, l.outErr)
}
