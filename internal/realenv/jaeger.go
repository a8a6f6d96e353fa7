package realenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// JaegerHowTo says how to get the Jaeger binary.
const JaegerHowTo = `Build Jaeger v2 from the tools module (minutes the first time):
  (cd tools/jaeger && go build -o ~/.cache/lab/jaeger github.com/jaegertracing/jaeger/cmd/jaeger)
then set LAB_JAEGER_BIN=~/.cache/lab/jaeger (.ci/run does both).`

// Jaeger is a running Jaeger v2 all-in-one with in-memory storage.
type Jaeger struct {
	// OTLPHTTP is the OTLP/HTTP endpoint (http://127.0.0.1:PORT), OTLPGRPC
	// the OTLP/gRPC one (127.0.0.1:PORT), Query the query service's URL.
	OTLPHTTP, OTLPGRPC, Query string
}

const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: 127.0.0.1:%d
    grpc:
      endpoint: 127.0.0.1:%d
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
      http:
        endpoint: 127.0.0.1:%d
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`

// StartJaeger starts Jaeger on free loopback ports from a config file in a
// temporary directory and waits until its query API answers.
func StartJaeger(t testing.TB) *Jaeger {
	t.Helper()
	home, _ := os.UserHomeDir()
	cache := filepath.Join(home, ".cache", "lab")
	built, _ := filepath.Glob(filepath.Join(cache, "jaeger-*")) // what .ci/run builds
	bin := find(t, "LAB_JAEGER_BIN", "jaeger", JaegerHowTo, append([]string{filepath.Join(cache, "jaeger")}, built...)...)
	dir := t.TempDir()
	var attempt int
	p := startOnFreePorts(t, "jaeger", bin, 4, func(p []int) []string {
		attempt++
		cfg := filepath.Join(dir, fmt.Sprintf("jaeger%d.yaml", attempt))
		if err := os.WriteFile(cfg, fmt.Appendf(nil, jaegerConfig, p[0], p[1], p[2], p[3]), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"--config", cfg}
	}, func(p []int) string { return fmt.Sprintf("http://127.0.0.1:%d/api/v3/services", p[0]) }, 60*time.Second)
	return &Jaeger{Query: fmt.Sprintf("http://127.0.0.1:%d", p[0]), OTLPGRPC: fmt.Sprintf("127.0.0.1:%d", p[2]),
		OTLPHTTP: fmt.Sprintf("http://127.0.0.1:%d", p[3])}
}

// Trace is a trace as /api/v3 returns it (OTLP JSON, ids in hex).
type Trace struct {
	Spans    []Span
	Resource map[string]any
}

// Span is one span of a Trace, with attribute values decoded to Go values
// (strings, int64 for intValue, bool, float64).
type Span struct {
	TraceID, SpanID, ParentSpanID, Name string
	Start, End                          time.Time
	Attributes                          map[string]any
	Events                              []Event
	Links                               []Link
	StatusCode                          int
	StatusMessage                       string
}

// Event is a span event.
type Event struct {
	Name       string
	Time       time.Time
	Attributes map[string]any
}

// Link is a span link.
type Link struct {
	TraceID, SpanID string
	Attributes      map[string]any
}

// GetTrace fetches a trace by its hex id, polling until it has at least
// minSpans spans (Jaeger batches what it receives) or timeout passes.
func (j *Jaeger) GetTrace(t testing.TB, id string, minSpans int, timeout time.Duration) *Trace {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		tr, status, err := j.fetch(id)
		switch {
		case err != nil:
			last = err.Error()
		case tr != nil && len(tr.Spans) >= minSpans:
			return tr
		case tr != nil:
			last = fmt.Sprintf("%d spans so far", len(tr.Spans))
		default:
			last = status
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s not in Jaeger with %d spans after %v: %s", id, minSpans, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (j *Jaeger) fetch(id string) (*Trace, string, error) {
	resp, err := http.Get(j.Query + "/api/v3/traces/" + id)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Sprintf("%s: %s", resp.Status, tail(string(body), 200)), nil
	}
	tr, err := decodeTrace(body)
	return tr, "", err
}

type v3Response struct {
	Result struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []v3KV `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Spans []struct {
					TraceID      string `json:"traceId"`
					SpanID       string `json:"spanId"`
					ParentSpanID string `json:"parentSpanId"`
					Name         string `json:"name"`
					Start        string `json:"startTimeUnixNano"`
					End          string `json:"endTimeUnixNano"`
					Attributes   []v3KV `json:"attributes"`
					Events       []struct {
						Time       string `json:"timeUnixNano"`
						Name       string `json:"name"`
						Attributes []v3KV `json:"attributes"`
					} `json:"events"`
					Links []struct {
						TraceID    string `json:"traceId"`
						SpanID     string `json:"spanId"`
						Attributes []v3KV `json:"attributes"`
					} `json:"links"`
					Status struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
					} `json:"status"`
				} `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"result"`
}

type v3KV struct {
	Key   string `json:"key"`
	Value struct {
		String *string  `json:"stringValue"`
		Int    *string  `json:"intValue"`
		Bool   *bool    `json:"boolValue"`
		Double *float64 `json:"doubleValue"`
	} `json:"value"`
}

// decodeTrace reads the v3 JSON with string ids: decoding it into the OTLP
// protobuf types would read the hex ids as base64.
func decodeTrace(body []byte) (*Trace, error) {
	var r v3Response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	tr := &Trace{Resource: map[string]any{}}
	for _, rs := range r.Result.ResourceSpans {
		for k, v := range attrs(rs.Resource.Attributes) {
			tr.Resource[k] = v
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := Span{TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID, Name: s.Name,
					Start: nanos(s.Start), End: nanos(s.End), Attributes: attrs(s.Attributes),
					StatusCode: s.Status.Code, StatusMessage: s.Status.Message}
				for _, e := range s.Events {
					sp.Events = append(sp.Events, Event{Name: e.Name, Time: nanos(e.Time), Attributes: attrs(e.Attributes)})
				}
				for _, l := range s.Links {
					sp.Links = append(sp.Links, Link{TraceID: l.TraceID, SpanID: l.SpanID, Attributes: attrs(l.Attributes)})
				}
				tr.Spans = append(tr.Spans, sp)
			}
		}
	}
	return tr, nil
}

func attrs(kvs []v3KV) map[string]any {
	out := map[string]any{}
	for _, kv := range kvs {
		switch v := kv.Value; {
		case v.String != nil:
			out[kv.Key] = *v.String
		case v.Int != nil:
			var n int64
			fmt.Sscan(*v.Int, &n)
			out[kv.Key] = n
		case v.Bool != nil:
			out[kv.Key] = *v.Bool
		case v.Double != nil:
			out[kv.Key] = *v.Double
		}
	}
	return out
}

func nanos(s string) time.Time {
	var n int64
	fmt.Sscan(s, &n)
	return time.Unix(0, n).UTC()
}
