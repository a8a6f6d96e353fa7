package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Bad input ends with exit code 2, one "lab: ..." line on stderr, nothing on
// stdout, and no stack trace.
func TestRunBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := writeFile(t, dir, "regular-file", "not a directory\n")
	unknownField := writeFile(t, dir, "unknown-field.yaml",
		"name: x\nrules:\n  - kinds: [ack]\n    action: drop\n    bogus: 1\n")
	badDuration := writeFile(t, dir, "bad-duration.yaml",
		"name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: 5parsecs\n")
	badWindow := writeFile(t, dir, "bad-window.json",
		`{"name": "x", "rules": [{"kinds": ["ack"], "action": "delay", "delay": "5ms", "window": {"from": "soon"}}]}`+"\n")
	const planSrc = "name: x\nrules: []\n"
	goodPlan := writeFile(t, dir, "good-plan.yaml", planSrc)
	oneOutput := filepath.Join(dir, "one-output")
	missingPlan := filepath.Join(dir, "missing-plan.yaml")
	missingDir := filepath.Join(dir, "no-such-dir")
	spill := spillDir(t)

	cases := []struct {
		name string
		args []string
		want []string // substrings of the error line
	}{
		{"unknown flag", []string{"--bogus"}, []string{"unknown flag: --bogus"}},
		{"bad seed", []string{"--seed", "abc"}, []string{"--seed"}},
		{"bad variant", []string{"--variant", "nope"}, []string{"--variant", "nope"}},
		{"bad format", []string{"--format", "xml"}, []string{"--format", "xml"}},
		{"bad invokers", []string{"--invokers", "some"}, []string{"--invokers", "some"}},
		{"quota 0", []string{"--quota", "0"}, []string{"quota"}},
		{"partitions 0", []string{"--partitions", "0"}, []string{"partitions"}},
		{"effect capacity 0", []string{"--effect-capacity", "0"}, []string{"effect-capacity must be at least 1, got 0"}},
		{"effect capacity out of range", []string{"--effect-capacity", "99999999999999999999"}, []string{"--effect-capacity", "out of range"}},
		{"negative invocations", []string{"--invocations", "-1"}, []string{"invocations"}},
		{"bad scheduler", []string{"--scheduler", "fifo"}, []string{"--scheduler", "fifo"}},
		// So slow that the pacing overflowed and the run went unpaced.
		{"pace too slow", []string{"--pace", "1e-300x"}, []string{"--pace 1e-300x: want a speed from 0.0001x to 1e9x"}},
		{"pace zero", []string{"--pace", "0x"}, []string{"--pace 0x"}},
		{"extra argument", []string{"extra"}, []string{"extra"}},
		{"unknown plan name", []string{"--plan", "nope"}, []string{"nope"}},
		{"plan with unknown field", []string{"--plan", unknownField}, []string{unknownField + ":5:5:", "bogus"}},
		{"plan with bad duration", []string{"--plan", badDuration}, []string{badDuration + ":5:", "5parsecs"}},
		{"JSON plan with bad window", []string{"--plan", badWindow}, []string{badWindow + ":1:", "soon"}},
		{"missing plan file", []string{"--plan", missingPlan}, []string{missingPlan}},
		{"spill-dir is a file", []string{"--spill-dir", regular}, []string{"--spill-dir", regular}},
		{"spill-dir missing", []string{"--spill-dir", missingDir}, []string{"--spill-dir", missingDir}},
		{"events in a missing directory", []string{"--events", filepath.Join(missingDir, "ev.jsonl")}, []string{"--events", missingDir}},
		{"events is a directory", []string{"--events", dir}, []string{"--events"}},
		// Two outputs in one file interleaved the event log and the schedule.
		{"events and schedule in one file", []string{"--events", oneOutput, "--schedule-out", oneOutput},
			[]string{"--schedule-out " + oneOutput + ": the same file as --events"}},
		{"trace over the plan", []string{"--plan", goodPlan, "--trace-out", goodPlan},
			[]string{"--trace-out " + goodPlan + ": the same file as --plan"}},
		{"schedule over the plan", []string{"--plan", goodPlan, "--schedule-out", filepath.Join(dir, ".", "good-plan.yaml")},
			[]string{"the same file as --plan"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"run"}, c.args...)
			if !hasFlag(c.args, "--spill-dir") {
				args = append(args, "--spill-dir", spill)
			}
			r := lab(t, args...)
			wantUsageError(t, r, true, c.want...)
		})
	}
	if _, err := os.Stat(missingDir); err == nil {
		t.Errorf("a failed run created %s", missingDir)
	}
	if _, err := os.Stat(oneOutput); err == nil {
		t.Errorf("a refused run created %s", oneOutput)
	}
	if got, err := os.ReadFile(goodPlan); err != nil || string(got) != planSrc {
		t.Errorf("a refused run changed its plan file: %q, %v", got, err)
	}
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// Every error a plan file can have names file:line:col.
func TestRunPlanErrorsNamePosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"unknown-field.yaml": "name: x\nrules:\n  - kinds: [ack]\n    action: drop\n    bogus: 1\n",
		"bad-duration.yaml":  "name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: 5parsecs\n",
		"bad-action.yaml":    "name: x\nrules:\n  - kinds: [ack]\n    action: explode\n",
		"bad-kind.yaml":      "name: x\nrules:\n  - kinds: [telegram]\n    action: drop\n",
		"bad-yaml.yaml":      "name: x\nrules: [\n",
	} {
		path := writeFile(t, dir, name, src)
		r := lab(t, "run", "--plan", path, "--spill-dir", spillDir(t))
		wantUsageError(t, r, true)
		pos := regexp.MustCompile(`^lab: ` + regexp.QuoteMeta(path) + `:\d+:\d+: \S`)
		if !pos.MatchString(r.stderr) {
			t.Errorf("%s: error does not start with file:line:col:\n%v", name, r)
		}
	}
}

func TestBadCommands(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown command", []string{"frob"}, []string{"unknown command", "frob"}},
		{"help on an unknown command", []string{"help", "frob"}, []string{"unknown help topic", "frob"}},
		{"help on an unknown subcommand", []string{"help", "explore", "frob"}, []string{"explore frob"}},
		{"an unknown shell", []string{"completion", "frob"}, []string{`unknown command "frob" for "lab completion"`}},
		{"unknown plan", []string{"plans", "nope"}, []string{"nope", "chaos", "none", "shutdown-race"}},
		{"plans with two names", []string{"plans", "chaos", "none"}, nil},
		{"script without a file", []string{"script"}, nil},
		{"script of a missing file", []string{"script", "/no/such/file.script"}, []string{"/no/such/file.script"}},
		{"unknown root flag", []string{"--frob"}, []string{"--frob"}},
		// A file name's escape sequence is spelled out, not sent to the
		// terminal.
		{"a file name with an escape", []string{"replay", "\x1b[31mX\a"}, []string{`\x1b[31mX\a: no such file`}},
		{"an unknown command with an escape", []string{"\x1b]0;title\a"}, []string{`unknown command "\x1b]0;title\a"`}},
		// 0x9b alone is no UTF-8, and a terminal's 8-bit CSI.
		{"a file name with an 8-bit CSI", []string{"replay", "a\x9b31mb"}, []string{`a\x9b31mb: no such file`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := lab(t, c.args...)
			wantUsageError(t, r, true, c.want...)
			if strings.ContainsAny(r.stderr, "\x1b\a") || strings.Contains(r.stderr, "\x9b") {
				t.Errorf("stderr holds a control character: %q", r.stderr)
			}
		})
	}
}

// An event log that cannot be written in full is an error, not a report
// whose hash names a log that does not exist: /dev/full opens, and every
// write to it fails with ENOSPC. Output lost is exit 3, as the README says.
func TestRunEventsWriteFails(t *testing.T) {
	t.Parallel()
	if info, err := os.Stat("/dev/full"); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/full is not the full device (%v): as root, run: rm -f /dev/full && mknod -m 666 /dev/full c 1 7 (.ci/run does)", err)
	}
	r := lab(t, "run", "--variant", "fixed", "--events", "/dev/full", "--spill-dir", spillDir(t))
	wantCode(t, r, exitInternal)
	wantOneLineError(t, r, "lab: writing the event log: write /dev/full: no space left on device")
}
