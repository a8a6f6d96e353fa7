package faults

import (
	"fmt"
	"time"
)

// FormatTime renders a virtual time for event logs, right-aligned so that
// the events line up.
func FormatTime(d time.Duration) string { return fmt.Sprintf("[%11s]", d) }
