package telemetry

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// IDs generates trace and span ids from a seed, so that a run with a fixed
// time anchor gets the same ids every time. Give it to the tracer provider
// (sdktrace.WithIDGenerator) and to NewTracer, which reseeds it per run.
type IDs struct {
	mu  sync.Mutex
	rng *rand.Rand
}

// NewIDs is a generator seeded with 0 until a run reseeds it.
func NewIDs() *IDs { return &IDs{rng: rand.New(rand.NewPCG(0, 0))} }

// reseed starts the sequence for a run, named by key.
func (g *IDs) reseed(key string) {
	h := fnv.New128a()
	h.Write([]byte(key))
	sum := h.Sum(nil)
	g.mu.Lock()
	g.rng = rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])))
	g.mu.Unlock()
}

// NewIDs implements sdktrace.IDGenerator.
func (g *IDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var t trace.TraceID
	for !t.IsValid() {
		binary.BigEndian.PutUint64(t[:8], g.rng.Uint64())
		binary.BigEndian.PutUint64(t[8:], g.rng.Uint64())
	}
	return t, g.spanID()
}

// NewSpanID implements sdktrace.IDGenerator.
func (g *IDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.spanID()
}

func (g *IDs) spanID() trace.SpanID {
	var s trace.SpanID
	for !s.IsValid() {
		binary.BigEndian.PutUint64(s[:], g.rng.Uint64())
	}
	return s
}
