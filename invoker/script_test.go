package invoker_test

import (
	"testing"

	"lab/faults/scripttest"
)

// TestScripts runs the model's stories in testdata/: the #2543 timeline and
// its relatives, spilling, and quota bookkeeping, in every variant.
func TestScripts(t *testing.T) { scripttest.Run(t, "testdata") }
