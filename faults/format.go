package faults

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lab/invoker"
)

// FormatTime renders a virtual time for event logs, right-aligned so that
// the events line up.
func FormatTime(d time.Duration) string { return fmt.Sprintf("[%11s]", d) }

// DescribeEvent is an event as every log line of the lab shows it: its
// time, its number and what happened.
func DescribeEvent(e invoker.Event) string {
	return fmt.Sprintf("%s #%-5d %s", FormatTime(e.At), e.Seq, e.String())
}

// ShellQuote quotes a path for a command line a user can paste.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	// Control characters or bytes that are not UTF-8: bash's $'...' spells
	// them out, so the command still runs, and a terminal shows an escape
	// in a file name instead of obeying it.
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}
