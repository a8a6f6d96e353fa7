package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// A catalogue entry that no longer shows says how: its run breaks nothing,
// or its fix breaks the invariant too. lab bugs then exits 1.
func TestBugThatDoesNotShow(t *testing.T) {
	for _, c := range []struct {
		name string
		b    bug
		want string
	}{
		{"no violation", bug{id: "holds", args: []string{"--seed", "1", "--variant", "fixed"}, invariant: faults.NoPanic},
			"lab run --seed 1 --variant fixed broke no no-panic"},
		// Every variant re-raises a task's panic: the fix does not help.
		{"fix fails too", bug{id: "task-panic", args: []string{"--seed", "1", "--variant", "fixed", "--plan", "none", "--task-panics", "0.5"}, invariant: faults.NoPanic, check: invoker.TaskPanicMessage},
			"its fix broke no-panic too"},
		// shared-tmp-dir's run panics, but not with #2543's assertion: it
		// breaks no-panic another way, and does not show #2543.
		{"another failure", bug{id: "other", args: []string{"--seed", "15", "--variant", "fixed", "--plan", "shutdown-race", "--shared-tmp-dir"}, invariant: faults.NoPanic, check: invoker.HasPartitionAssertion},
			"lab run --seed 15 --variant fixed --plan shutdown-race --shared-tmp-dir broke no-panic (Unable to load a segment), not as the bug does: no-panic (" + invoker.HasPartitionAssertion + ")"},
		// It panics as term-tmp-dir's run does, but by the overwriting:
		// no term's start deleted the segment it lost.
		{"another road", bug{id: "road", args: []string{"--seed", "15", "--variant", "fixed", "--plan", "shutdown-race", "--shared-tmp-dir"}, invariant: faults.NoPanic, check: invoker.SpillReadPanic,
			road: explore.TermStartDeletedTheSegment},
			"lab run --seed 15 --variant fixed --plan shutdown-race --shared-tmp-dir broke no-panic (Unable to load a segment), but not by the road the bug takes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := showBug(context.Background(), c.b, time.Minute, "", nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := s.notShown(); got != c.want {
				t.Errorf("notShown() = %q, want %q", got, c.want)
			}
			var text, js bytes.Buffer
			if err := s.writeText(&text); err != nil {
				t.Fatal(err)
			}
			if err := s.writeJSON(&js); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Shown    bool
				NotShown string `json:"not_shown"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Shown || doc.NotShown != c.want {
				t.Errorf("JSON: %+v, %v\n%s", doc, err, js.String())
			}
			if want := "found        no-panic (Unable to load a segment) at 303.298781ms of virtual time, but not by the road the bug takes\n"; c.name == "another road" && !strings.Contains(text.String(), want) {
				t.Errorf("the text does not say the road was another:\n%s", text.String())
			}
			if want := "found        no no-panic\n"; s.found.Invariant == "" && !strings.Contains(text.String(), want) {
				t.Errorf("the text does not say nothing was found:\n%s", text.String())
			} else if want := "found        no-panic (Unable to load a segment) at "; c.name == "another failure" &&
				(!strings.Contains(text.String(), want) || !strings.Contains(text.String(), "of virtual time, not the bug's no-panic (assertion failed")) {
				t.Errorf("the text does not say what was found instead:\n%s", text.String())
			}
		})
	}
	r := executeWithBugs(t, bug{id: "holds", args: []string{"--seed", "1", "--variant", "fixed"}, invariant: faults.NoPanic})
	if r.code != exitViolation || r.stderr != "lab: bug holds did not show as it should: lab run --seed 1 --variant fixed broke no no-panic\n" {
		t.Errorf("lab bugs holds: exit %d, stderr %q", r.code, r.stderr)
	}
}

// lab bugs --check names the bugs that did not show, on one line, and
// exits 1; the others still get their line, with the shrink lab bugs ID
// shows (read from showBug, not pinned: a model revision changes it).
func TestBugsCheckFails(t *testing.T) {
	s, err := showBug(context.Background(), bugs[0], time.Minute, "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.notShown() != "" {
		t.Fatalf("bug %s does not show: %s", bugs[0].id, s.notShown())
	}
	shrunk := fmt.Sprintf("%d -> %d", s.shrunk.Original.Decisions, s.shrunk.Shrunk.Decisions)
	if s.shrunk.Shrunk.Decisions >= s.shrunk.Original.Decisions {
		t.Errorf("bug %s did not shrink: %s", bugs[0].id, shrunk)
	}
	holds := bug{id: "holds", args: []string{"--seed", "1", "--variant", "fixed"}, invariant: faults.NoPanic}
	cmd := newBugsCmd([]bug{bugs[0], holds})
	cmd.Use = "testbugs [ID]"
	var stdout, stderr strings.Builder
	code := executeWith(context.Background(), []string{"testbugs", "--check"}, &stdout, &stderr, cmd)
	if code != exitViolation || stderr.String() != "lab: 1 of 2 bugs did not show as they should: holds\n" {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	// The SHRUNK column is as wide as 2543's sizes; holds has none, nor a fix.
	for _, want := range []string{"ID     BREAKS    " + fmt.Sprintf("%-*s", len(shrunk)+2, "SHRUNK") + "FIX    VERDICT\n",
		"2543   no-panic  " + shrunk + "  fixed  shown, and its fix holds\n",
		"holds  no-panic  " + fmt.Sprintf("%-*s", len(shrunk)+2, "-") + "       NOT SHOWN: lab run --seed 1 --variant fixed broke no no-panic\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout.String())
		}
	}
}

// executeWithBugs runs lab bugs ID in process, b its only bug.
func executeWithBugs(t *testing.T, b bug) result {
	t.Helper()
	cmd := newBugsCmd([]bug{b})
	cmd.Use = "testbugs [ID]"
	var stdout, stderr strings.Builder
	code := executeWith(context.Background(), []string{"testbugs", b.id}, &stdout, &stderr, cmd)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}
