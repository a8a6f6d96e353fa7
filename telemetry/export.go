package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// ExportOptions say where a command's spans go.
type ExportOptions struct {
	// OTLP exports over OTLP, configured by the standard OTEL_EXPORTER_OTLP_*
	// variables (HTTP by default, gRPC with OTEL_EXPORTER_OTLP_PROTOCOL=grpc;
	// without an endpoint, to 127.0.0.1:4318 or :4317 in plain text).
	OTLP bool
	// TraceOut, if set, is a file for the spans as OTLP JSON.
	TraceOut string
}

// OTLPFromEnv reports whether the environment names an OTLP endpoint, which
// turns OTLP export on as --otlp does.
func OTLPFromEnv() bool {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	_, endpoint := otlpVar("ENDPOINT") // one of spaces alone is unset
	return endpoint != ""
}

// Export is a command's tracer provider and where its spans go.
type Export struct {
	tp        *sdktrace.TracerProvider
	ids       *IDs
	otlp      bool
	file      *traceFile
	ended     atomic.Int64 // spans handed to the OTLP exporter's queue
	delivered atomic.Int64 // spans the collector accepted
	lastErr   atomic.Pointer[error]
}

// Handle keeps the SDK's latest export error, instead of the log line per
// failed batch the default handler prints: Shutdown reports it once.
func (x *Export) Handle(err error) { x.lastErr.Store(&err) }

// NewExport builds the provider. Nothing is exported when neither OTLP nor
// a file is asked for; the tracer then costs only its own bookkeeping.
func NewExport(ctx context.Context, o ExportOptions) (*Export, error) {
	x := &Export{ids: NewIDs(), otlp: o.OTLP}
	// Before anything of the SDK runs: its default handler and logger
	// print lines of their own, which lab says as one error instead.
	otel.SetErrorHandler(x) // one export per process
	otel.SetLogger(logr.Discard())
	res, err := Resource(ctx)
	if err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithIDGenerator(x.ids), sdktrace.WithResource(res),
		sdktrace.WithRawSpanLimits(SpanLimits()), sdktrace.WithSampler(sdktrace.AlwaysSample())}
	if o.OTLP {
		exp, err := otlpExporter(ctx)
		if err != nil {
			return nil, err
		}
		var bsp []sdktrace.BatchSpanProcessorOption
		if os.Getenv("OTEL_BSP_MAX_QUEUE_SIZE") == "" {
			// A run ends thousands of spans at once; the default 2048 would drop them.
			bsp = append(bsp, sdktrace.WithMaxQueueSize(1<<16))
		}
		opts = append(opts, sdktrace.WithSpanProcessor(counter{&x.ended}),
			sdktrace.WithBatcher(&countingExporter{exp, &x.delivered}, bsp...))
	}
	if o.TraceOut != "" {
		f, err := createTraceFile(o.TraceOut)
		if err != nil {
			return nil, fmt.Errorf("--trace-out: %w", err)
		}
		x.file = f
		opts = append(opts, sdktrace.WithSpanProcessor(f))
	}
	x.tp = sdktrace.NewTracerProvider(opts...)
	return x, nil
}

// Tracer is a run observer exporting through this provider.
func (x *Export) Tracer(o TraceOptions) *Tracer { return NewTracer(x.tp, x.ids, o) }

// Shutdown flushes and stops every exporter, waiting at most timeout, or
// until ctx is done: a collector that is down or slow never holds the
// command up longer, nor past a Ctrl-C. The trace file is written all the
// same. It reports how many spans did not reach the collector.
func (x *Export) Shutdown(ctx context.Context, timeout time.Duration) (undelivered int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = x.tp.Shutdown(ctx)
	if x.file != nil {
		// The SDK stops shutting processors down once ctx is over: a
		// collector that used up the time would leave the file unwritten.
		_ = x.file.Shutdown(context.Background()) // its error is FileErr's
	}
	if x.otlp {
		undelivered = x.ended.Load() - x.delivered.Load()
	}
	if last := x.lastErr.Load(); err == nil && undelivered > 0 && last != nil {
		err = *last
	}
	return undelivered, err
}

// Discard removes the trace file unwritten: the command failed before its
// run started, so the file would be a lie.
func (x *Export) Discard() {
	if x.file != nil {
		x.file.discard()
	}
}

// FileErr is why the trace file could not be written, after Shutdown.
func (x *Export) FileErr() error {
	if x.file == nil {
		return nil
	}
	x.file.mu.Lock()
	defer x.file.mu.Unlock()
	return x.file.err
}

// Resource names the process: service.name "lab" unless OTEL_SERVICE_NAME
// or OTEL_RESOURCE_ATTRIBUTES say otherwise, and the SDK's own attributes.
func Resource(ctx context.Context) (*resource.Resource, error) {
	res, err := resource.New(ctx, resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithAttributes(semconv.ServiceName("lab")), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		// The environment is all it reads.
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES %q: %v", os.Getenv("OTEL_RESOURCE_ATTRIBUTES"), err)
	}
	// OTLP carries strings as UTF-8: a name that is not would lose every
	// span at the export, after the run.
	for _, kv := range res.Attributes() {
		if kv.Value.Type() != attribute.STRING || utf8.ValidString(kv.Value.AsString()) {
			continue
		}
		if name := os.Getenv("OTEL_SERVICE_NAME"); kv.Key == semconv.ServiceNameKey && name != "" {
			return nil, fmt.Errorf("OTEL_SERVICE_NAME %q: not UTF-8", name)
		}
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES %q: %s is not UTF-8", os.Getenv("OTEL_RESOURCE_ATTRIBUTES"), kv.Key)
	}
	return res, nil
}

// SpanLimits are the SDK's (and its OTEL_SPAN_* variables'), except that an
// invoker's span may hold many more events than the default 128.
func SpanLimits() sdktrace.SpanLimits {
	l := sdktrace.NewSpanLimits()
	if os.Getenv("OTEL_SPAN_EVENT_COUNT_LIMIT") == "" {
		l.EventCountLimit = 1 << 14
	}
	return l
}

// countingExporter counts the spans the collector accepted.
type countingExporter struct {
	sdktrace.SpanExporter
	n *atomic.Int64
}

func (c *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.SpanExporter.ExportSpans(ctx, spans)
	if err == nil {
		c.n.Add(int64(len(spans)))
	}
	return err
}

// counter counts the spans that ended.
type counter struct{ n *atomic.Int64 }

func (c counter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (c counter) OnEnd(sdktrace.ReadOnlySpan)                     { c.n.Add(1) }
func (c counter) Shutdown(context.Context) error                  { return nil }
func (c counter) ForceFlush(context.Context) error                { return nil }
