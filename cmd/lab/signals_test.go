package main

import (
	"strings"
	"testing"
	"time"
)

// blockedWriter is a stderr nobody reads: its write never returns.
type blockedWriter struct{}

func (blockedWriter) Write([]byte) (int, error) { select {} }

// The forced exit's last line is written if stderr takes it, and not
// waited for beyond the bound if it does not.
func TestSayAtMost(t *testing.T) {
	var b strings.Builder
	sayAtMost(&b, "bye\n", time.Minute)
	if b.String() != "bye\n" {
		t.Errorf("wrote %q, want \"bye\\n\"", b.String())
	}
	start := time.Now()
	sayAtMost(blockedWriter{}, "bye\n", 10*time.Millisecond)
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("waited %v for a write that never returns", waited)
	}
}
