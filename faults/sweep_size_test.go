package faults_test

import (
	"os"
	"testing"
)

// sweepSeeds is how many seeds a sweep of full seeds runs: all of them
// normally or with LAB_FULL_SWEEPS=1, a fifth under -race (which makes a
// run about ten times slower; the race detector needs concurrency, not
// seeds), a tenth with -short.
func sweepSeeds(full int) int {
	switch {
	case os.Getenv("LAB_FULL_SWEEPS") == "1":
		return full
	case testing.Short():
		return full / 10
	case raceEnabled:
		return full / 5
	}
	return full
}
