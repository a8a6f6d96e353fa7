package faults_test

import (
	"testing"

	"lab/faults/scripttest"
)

// TestInvariantStories shows every invariant (README, Invariants) firing on the
// timeline that breaks it, and holding on the one that does not.
func TestInvariantStories(t *testing.T) { scripttest.Run(t, "testdata") }
