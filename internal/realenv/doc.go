// Package realenv starts the real components the integration tests talk
// to, each on free ports of 127.0.0.1 and stopped when the test ends: a
// Jaeger v2 built from the tools module in tools/jaeger, and the
// distribution's Prometheus. A component that is missing fails the test
// with how to get it; tests never skip for want of one.
package realenv
