package telemetry

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"lab/faults"
)

// traceFile is a span processor that writes ended spans to a file as lines
// of OTLP JSON (each an ExportTraceServiceRequest of up to traceFileLine
// spans, ids in hex as the OTLP JSON encoding wants), in the order they
// ended: the same run with a fixed anchor gives the same bytes. Any
// OTLP/HTTP receiver takes each line as it is (POST it to /v1/traces as
// application/json).
type traceFile struct {
	mu   sync.Mutex
	path string
	// file is put in place whole or not at all: a failed or discarded
	// trace leaves a file that was there as it was, and no half document.
	file *faults.Output
	w    *bufio.Writer
	// spans are those ended since the last line; lines, how many were
	// written.
	spans []sdktrace.ReadOnlySpan
	lines int
	done  bool
	err   error
}

// traceFileLine is how many spans a line of the trace file holds. A run of
// the reference workload makes a few hundred, one line; a long one streams,
// so that memory holds a line's spans rather than the run's (a yield loop
// makes two spans a round, and kept them all, tens of gigabytes in five
// simulated minutes).
const traceFileLine = 4096

func createTraceFile(path string) (*traceFile, error) {
	f, err := faults.OpenOutput(path)
	if err != nil {
		return nil, err
	}
	return &traceFile{path: path, file: f, w: bufio.NewWriter(f)}, nil
}

func (f *traceFile) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (f *traceFile) OnEnd(s sdktrace.ReadOnlySpan) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done || f.err != nil {
		return
	}
	if f.spans = append(f.spans, s); len(f.spans) >= traceFileLine {
		f.writeLine()
	}
}
func (f *traceFile) ForceFlush(context.Context) error { return nil }

// writeLine writes the spans ended since the last line as one, and lets
// them go; an error stops the file, and Shutdown reports it.
func (f *traceFile) writeLine() {
	f.err = json.NewEncoder(f.w).Encode(otlpRequest(f.spans))
	clear(f.spans)
	f.spans, f.lines = f.spans[:0], f.lines+1
}

// Shutdown writes the last line and closes the file; later spans are not
// written. A trace of no span is one line of none.
func (f *traceFile) Shutdown(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return nil
	}
	f.done = true
	if f.err == nil && (len(f.spans) > 0 || f.lines == 0) {
		f.writeLine()
	}
	err := f.err
	if ferr := f.w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		f.file.Abort()
	} else {
		err = f.file.Commit()
	}
	if err != nil {
		f.err = fmt.Errorf("--trace-out %s: %w", f.path, err)
	}
	return f.err
}

func (f *traceFile) discard() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		f.done = true
		f.file.Abort()
	}
}

type jsonRequest struct {
	ResourceSpans []jsonResourceSpans `json:"resourceSpans"`
}

type jsonResourceSpans struct {
	Resource   jsonResource     `json:"resource"`
	ScopeSpans []jsonScopeSpans `json:"scopeSpans"`
	SchemaURL  string           `json:"schemaUrl,omitempty"`
}

type jsonResource struct {
	Attributes []jsonKV `json:"attributes"`
}

type jsonScopeSpans struct {
	Scope jsonScope  `json:"scope"`
	Spans []jsonSpan `json:"spans"`
}

type jsonScope struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type jsonSpan struct {
	TraceID      string      `json:"traceId"`
	SpanID       string      `json:"spanId"`
	ParentSpanID string      `json:"parentSpanId,omitempty"`
	Name         string      `json:"name"`
	Kind         int         `json:"kind"`
	Start        string      `json:"startTimeUnixNano"`
	End          string      `json:"endTimeUnixNano"`
	Attributes   []jsonKV    `json:"attributes,omitempty"`
	Events       []jsonEvent `json:"events,omitempty"`
	Links        []jsonLink  `json:"links,omitempty"`
	Status       jsonStatus  `json:"status"`
}

type jsonEvent struct {
	Time       string   `json:"timeUnixNano"`
	Name       string   `json:"name"`
	Attributes []jsonKV `json:"attributes,omitempty"`
}

type jsonLink struct {
	TraceID    string   `json:"traceId"`
	SpanID     string   `json:"spanId"`
	Attributes []jsonKV `json:"attributes,omitempty"`
}

type jsonStatus struct {
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

type jsonKV struct {
	Key   string    `json:"key"`
	Value jsonValue `json:"value"`
}

type jsonValue struct {
	String *string    `json:"stringValue,omitempty"`
	Int    *string    `json:"intValue,omitempty"`
	Double *float64   `json:"doubleValue,omitempty"`
	Bool   *bool      `json:"boolValue,omitempty"`
	Array  *jsonArray `json:"arrayValue,omitempty"`
}

type jsonArray struct {
	Values []jsonValue `json:"values"`
}

// otlpRequest groups spans by resource and scope, in order of appearance.
func otlpRequest(spans []sdktrace.ReadOnlySpan) jsonRequest {
	var req jsonRequest
	for _, s := range spans {
		res := s.Resource()
		if len(req.ResourceSpans) == 0 {
			rs := jsonResourceSpans{Resource: jsonResource{Attributes: jsonAttrs(res.Attributes())}}
			if res != nil {
				rs.SchemaURL = res.SchemaURL()
			}
			req.ResourceSpans = append(req.ResourceSpans, rs)
		}
		rs := &req.ResourceSpans[0]
		scope := jsonScope{Name: s.InstrumentationScope().Name, Version: s.InstrumentationScope().Version}
		i := len(rs.ScopeSpans) - 1
		for j := range rs.ScopeSpans {
			if rs.ScopeSpans[j].Scope == scope {
				i = j
			}
		}
		if i < 0 || rs.ScopeSpans[i].Scope != scope {
			rs.ScopeSpans = append(rs.ScopeSpans, jsonScopeSpans{Scope: scope})
			i = len(rs.ScopeSpans) - 1
		}
		rs.ScopeSpans[i].Spans = append(rs.ScopeSpans[i].Spans, jsonSpanOf(s))
	}
	return req
}

func jsonSpanOf(s sdktrace.ReadOnlySpan) jsonSpan {
	sc := s.SpanContext()
	out := jsonSpan{
		TraceID: sc.TraceID().String(), SpanID: sc.SpanID().String(), Name: s.Name(),
		Kind:  int(s.SpanKind()),
		Start: strconv.FormatInt(s.StartTime().UnixNano(), 10), End: strconv.FormatInt(s.EndTime().UnixNano(), 10),
		Attributes: jsonAttrs(s.Attributes()),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		out.ParentSpanID = p.SpanID().String()
	}
	for _, e := range s.Events() {
		out.Events = append(out.Events, jsonEvent{Time: strconv.FormatInt(e.Time.UnixNano(), 10), Name: e.Name,
			Attributes: jsonAttrs(e.Attributes)})
	}
	for _, l := range s.Links() {
		out.Links = append(out.Links, jsonLink{TraceID: l.SpanContext.TraceID().String(),
			SpanID: l.SpanContext.SpanID().String(), Attributes: jsonAttrs(l.Attributes)})
	}
	// OTLP numbers statuses unset 0, ok 1, error 2; the Go API does not.
	switch s.Status().Code {
	case codes.Error:
		out.Status = jsonStatus{Code: 2, Message: s.Status().Description}
	case codes.Ok:
		out.Status = jsonStatus{Code: 1}
	}
	return out
}

func jsonAttrs(kvs []attribute.KeyValue) []jsonKV {
	out := make([]jsonKV, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, jsonKV{Key: string(kv.Key), Value: jsonValueOf(kv.Value)})
	}
	return out
}

func jsonValueOf(v attribute.Value) jsonValue {
	switch v.Type() {
	case attribute.BOOL:
		b := v.AsBool()
		return jsonValue{Bool: &b}
	case attribute.INT64:
		i := strconv.FormatInt(v.AsInt64(), 10)
		return jsonValue{Int: &i}
	case attribute.FLOAT64:
		f := v.AsFloat64()
		return jsonValue{Double: &f}
	case attribute.STRINGSLICE:
		arr := &jsonArray{}
		for _, s := range v.AsStringSlice() {
			arr.Values = append(arr.Values, jsonValueOf(attribute.StringValue(s)))
		}
		return jsonValue{Array: arr}
	case attribute.INT64SLICE:
		arr := &jsonArray{}
		for _, i := range v.AsInt64Slice() {
			arr.Values = append(arr.Values, jsonValueOf(attribute.Int64Value(i)))
		}
		return jsonValue{Array: arr}
	}
	s := v.String()
	return jsonValue{String: &s}
}
