package faults

import (
	"fmt"
	"strings"
	"time"
)

// FormatTime renders a virtual time for event logs, right-aligned so that
// the events line up.
func FormatTime(d time.Duration) string { return fmt.Sprintf("[%11s]", d) }

// ShellQuote quotes a path for a command line a user can paste.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
