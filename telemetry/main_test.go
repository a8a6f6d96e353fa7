package telemetry_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The tracer starts no goroutine, and exports, servers and paced runs stop
// theirs.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
