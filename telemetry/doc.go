// Package telemetry turns a run into OpenTelemetry spans and Prometheus
// metrics. Both are observers of the simulator (faults.Observer): they
// consume its events, steps and result, and never touch the model, so a
// run without them is the same run and pays nothing.
//
// Tracer builds one trace per run (see its documentation for the spans);
// Export is a command's tracer provider (OTLP over HTTP or gRPC from the
// standard OTEL_ variables, and an OTLP JSON file), flushed within a bound.
// Metrics counts events into a registry it is given and reads its gauges from
// a published snapshot at scrape time; ServeMetrics serves them, as
// OpenMetrics so that exemplars carry the trace id.
package telemetry
