//go:build unix

package explore

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used so far, every thread and
// the garbage collector included; 0 if it cannot be read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
