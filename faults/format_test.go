package faults_test

import (
	"os/exec"
	"strings"
	"testing"

	"lab/faults"
)

// A quoted name, pasted into bash, is the name again, whatever it holds;
// and what the quoting prints holds no control character a terminal would
// obey.
func TestShellQuoteRoundTripsThroughBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is not installed, and the quoting is for pasting into it")
	}
	for _, name := range []string{
		"plain.schedule", "my plan.yaml", "it's", "", "$(rm -rf x)", "a\\b", `a\'b`,
		"esc\x1b[2Jhere", "new\nline", "tab\there", "bell\a", "del\x7f", "nul-free\x01\x1f",
		"bidi\u202eevil", "zero\u200bwidth", "naïve-日本.json", "bad\xffutf8\xc3", "\x1b]0;title\a",
	} {
		q := faults.ShellQuote(name)
		if strings.ContainsFunc(q, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' || r == '\u200b' }) {
			t.Errorf("ShellQuote(%q) = %q prints a control character", name, q)
		}
		out, err := exec.Command(bash, "-c", "printf %s "+q).Output()
		if err != nil || string(out) != name {
			t.Errorf("bash -c 'printf %%s %s' = %q (%v), want %q", q, out, err, name)
		}
	}
}
