package faults

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// exec runs a script and returns the runner and the first error.
func exec(t *testing.T, src string) (*ScriptRunner, error) {
	t.Helper()
	cmds, err := ParseScript("s", []byte(src))
	if err != nil {
		return nil, err
	}
	r := NewScriptRunner()
	r.SpillDir = t.TempDir()
	t.Cleanup(func() { _ = r.Close() })
	for _, c := range cmds {
		if _, err := r.Exec(c); err != nil {
			return r, err
		}
	}
	return r, nil
}

// A script that cannot run says which line and why.
func TestScriptErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"frob", `line 1: unknown verb "frob"`},
		{"config\n\nconfig quota=x", "line 3: quota=x: want a whole number"},
		{"config variant=slow", `line 1: unknown variant "slow"`},
		{"config quota=0", "quota must be at least 1"},
		{"config quota=99999999999999999999", "line 1: quota=99999999999999999999: too large (at most 9223372036854775807)"},
		{"config seed=18446744073709551616", "line 1: seed=18446744073709551616: too large (at most 18446744073709551615)"},
		{"invoke p=0", "line 1: invoke needs inv="},
		{"invoke p=3 inv=a", "line 1: no partition 3"},
		{"leader p=0 epoch=1\ndeliver arm=dequeue", "line 2: step 1 of 1: no invoker has the dequeue arm ready"},
		{"leader p=0 epoch=1\ndeliver arm=input n=2", "line 2: step 2 of 2: no invoker has the input arm ready"},
		{"leader p=0 epoch=1\ndeliver arm=input p=0 n=2", "line 2: step 2 of 2: invoker0's input arm is not ready (ready: none)"},
		{"config partitions=2\nleader p=0 epoch=1\nleader p=1 epoch=1\ndeliver arm=input", "input is ready on several invokers: say p= or invoker="},
		{"deliver arm=sideways", "arm=sideways: want input, dequeue, memory, task, timer, join or shutdown"},
		{"advance", "advance needs one duration"},
		{"advance soon", `"soon" is not a duration`},
		{"task inv=a outcome=maybe", "outcome=maybe: want ok, fail"},
		{"fault action=drop kind=ack d=5ms", "d= only applies to delay and duplicate"},
		{"fault action=delay kind=ack", "a delay needs d="},
		{"fault action=drop kind=nothing", "kind=nothing: want one of"},
		{"expect", "expect what?"},
		{"expect violation=bad-luck", "violation=bad-luck: want one of no-panic"},
		{"shutdown phase=later", "phase=later: want stop-ingress, step-down or cancel"},
		{"pause p=0 inv=a", "pause: p0 is not leader or a is not invoked"},
		{"state extra=1", "unknown argument extra= for state"},
	} {
		_, err := exec(t, tc.src)
		var se *ScriptError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want a script error containing %q", tc.src, err, tc.want)
		}
	}
	if _, err := ParseScript("s", []byte("invoke p=")); err == nil || !strings.Contains(err.Error(), `s:1: malformed argument "p="`) {
		t.Errorf("malformed argument: %v", err)
	}
}

// Expects that do not hold are recorded, with their line, and the script
// goes on.
func TestExpectFailures(t *testing.T) {
	r, err := exec(t, "config variant=fixed\nexpect panic\nexpect ok\nexpect status inv=a is=completed\n")
	if err != nil {
		t.Fatal(err)
	}
	f := r.Failures()
	if len(f) != 2 || f[0].Line != 2 || f[1].Line != 4 || f[1].Problem != "a is none" {
		t.Errorf("failures = %+v", f)
	}
}

// Comments and blank lines are skipped; arguments keep their order.
func TestParseScript(t *testing.T) {
	cmds, err := ParseScript("s", []byte("# a comment\n\n  leader p=0 epoch=1   # trailing\nexpect panic\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || cmds[0].Line != 3 || cmds[0].String() != "leader p=0 epoch=1" || cmds[1].String() != "expect panic" {
		t.Errorf("cmds = %+v", cmds)
	}
}

// failAfter takes n bytes, then fails every write.
type failAfter struct {
	n    int
	took strings.Builder
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.took.Len()+len(p) > f.n {
		return 0, errors.New("disk full")
	}
	return f.took.Write(p)
}

// With Out set, what a command prints goes out as it is printed, the same
// text Exec returns without it; a settle of 300,000 outputs held its whole
// log in one string before. A failed write stops the command.
func TestScriptOutStreams(t *testing.T) {
	src := "config partitions=1 quota=1 spill=memory\ntask inv=a outcome=ok entries=2000\nleader p=0 epoch=1\ninvoke p=0 inv=a\nsettle\n"
	cmds, err := ParseScript("s", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	run := func(out io.Writer) (string, uint64, error) {
		r := NewScriptRunner()
		r.Out = out
		defer r.Close()
		var all strings.Builder
		for _, c := range cmds {
			text, err := r.Exec(c)
			all.WriteString(text)
			if err != nil {
				return all.String(), r.Result().Events, err
			}
		}
		return all.String(), r.Result().Events, nil
	}
	whole, events, err := run(nil)
	if err != nil || strings.Count(whole, "\n") < 10000 {
		t.Fatalf("without Out: %d lines, %v", strings.Count(whole, "\n"), err)
	}
	var streamed strings.Builder
	if returned, _, err := run(&streamed); err != nil || returned != "" || streamed.String() != whole {
		t.Errorf("with Out: returned %d bytes, streamed %d of %d, %v", len(returned), streamed.Len(), len(whole), err)
	}
	// Nobody reads what follows a failed write: the settle stops.
	full := &failAfter{n: 1000}
	_, stopped, err := run(full)
	var oe *ScriptOutputError
	if !errors.As(err, &oe) || full.took.String() != whole[:full.took.Len()] || stopped >= events/2 {
		t.Errorf("a full Out: %v after %d bytes, %d of %d events", err, full.took.Len(), stopped, events)
	}
}

// CheckScript finds before the first line runs what would stop a script on
// a later one; what only the run can tell (an arm not ready) it leaves.
func TestCheckScriptBeforeItRuns(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"config partitions=1\nleader p=0 epoch=1\nfrob", `line 3: unknown verb "frob"`},
		{"leader p=0 epoch=1\ninvoke p=0 inv=a inv=b", "line 2: inv= given twice"},
		{"config quota 4", "line 1: unexpected word"},
		{"task inv=a outcome=ok entries=60000\nsettle\ntask inv=b outcome=ok entries=60000", "line 3: entries=60000: with the attempt's end and the 60001 outputs planned before"},
		{"task inv=a outcome=maybe", "line 1: outcome=maybe"},
		{"leader p=0 epoch=1\ndeliver arm=dequeue", ""},
	} {
		cmds, err := ParseScript("s", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		err = CheckScript(cmds)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: CheckScript = %v, want %q", tc.src, err, tc.want)
		}
	}
	for _, name := range []string{"../examples/issue-2543.script", "../examples/issue-2543-fixed.script"} {
		src, err := ReadInput(name)
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := ParseScript(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckScript(cmds); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
