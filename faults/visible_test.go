package faults_test

import (
	"testing"

	"lab/faults"
)

// Visible leaves printable text as it is and spells out what would reach a
// terminal as a control: control characters, and bytes that are no UTF-8
// (a lone 0x9b is the 8-bit CSI, which decoded as U+FFFD and went out raw).
func TestVisible(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"héllo 世界", "héllo 世界"},
		{"\ufffd as written", "\ufffd as written"}, // a real U+FFFD prints
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"a\x9b31mb", `a\x9b31mb`},
		{"\xff\xfe", `\xff\xfe`},
		{"cut \xe4\xb8", `cut \xe4\xb8`}, // a rune cut short
		{"tab\there\n", `tab\there\n`},
		{"\u00a0nbsp", `\u00a0nbsp`},
	} {
		if got := faults.Visible(c.in); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
