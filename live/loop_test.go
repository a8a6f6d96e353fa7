package live

import (
	"math"
	"testing"
	"time"
)

// At a very slow speed the virtual-to-wall conversion overflowed
// time.Duration and turned negative: `--pace 1e-300x` ran as fast as it
// could. It saturates instead.
func TestWallTimeSaturates(t *testing.T) {
	for _, tc := range []struct {
		d     time.Duration
		speed float64
		want  time.Duration
	}{
		{time.Second, 1, time.Second},
		{time.Second, 0.5, 2 * time.Second},
		{time.Second, 1e-300, math.MaxInt64},
		{24 * time.Hour, 1e-9, math.MaxInt64},
		{0, 1e-300, 0},
	} {
		if got := wallTime(tc.d, tc.speed); got != tc.want {
			t.Errorf("wallTime(%v, %g) = %v, want %v", tc.d, tc.speed, got, tc.want)
		}
	}
}
