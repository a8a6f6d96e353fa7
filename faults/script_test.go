package faults_test

import (
	"testing"

	"lab/faults/scripttest"
)

// TestInvariantStories shows every invariant of DESIGN.md §4 firing on the
// timeline that breaks it, and holding on the one that does not.
func TestInvariantStories(t *testing.T) { scripttest.Run(t, "testdata") }
