package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lab/faults"
)

// The README's example outputs are what the binary prints. Every block that
// starts with "$ lab ARGS" is checked against `lab ARGS`, and the blocks
// below, which show a command's output without the command, against theirs.
// A README line must appear in the output, in order; lines may be left out
// between them, a line of its own "..." says so, and "..." inside a line
// stands for any text. Wall-clock times and rates are not compared.
func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	blocks := readmeBlocks(t)
	examples := []readmeExample{
		{first: fmt.Sprintf("lab run   seed %d, variant buggy, plan shutdown-race, scheduler random", faults.DefaultSeed), args: []string{"run"}},
		{first: "ID               BREAKS              WHAT", args: []string{"bugs"}},
		{first: "result       FAILED: 509 of 1000 schedules", args: []string{"explore", "--seeds", "1000", "--out", "failures/"}},
		{first: "failure      no-panic: assertion failed: self.invocation_state_machine_manager.has_partition(partition)",
			setup: [][]string{{"run", "--seed", "28", "--plan", "none", "--schedule-out", "seed28.schedule"}},
			args:  []string{"inevitable", "seed28.schedule"}},
		{first: "options seed=28 variant=buggy plan=none scheduler=random partitions=1 invokers=per-partition quota=1 ...",
			setup: [][]string{
				{"run", "--seed", "28", "--plan", "none", "--schedule-out", "seed28.schedule"},
				{"shrink", "seed28.schedule"}},
			file: "seed28-shrunk.schedule"},
		{first: `lab: plan.yaml:3:13: action must be delay, drop, reorder or duplicate, not "dorp"`,
			files: map[string]string{"plan.yaml": "name: my-plan\nrules:\n  - action: dorp\n    kinds: [ack]\n"},
			args:  []string{"run", "--plan", "plan.yaml"}},
	}
	for _, b := range blocks {
		if rest, ok := strings.CutPrefix(b[0], "$ lab "); ok {
			examples = append(examples, readmeExample{first: b[0], args: strings.Fields(rest), shown: b[1:]})
		}
	}
	for _, ex := range examples {
		name := strings.Join(ex.args, " ")
		if ex.file != "" {
			name = ex.file
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Found here: a block gone from the README fails its
			// example only, not the others with it.
			if ex.shown == nil {
				ex.shown = findBlock(t, blocks, ex.first)
			}
			dir := t.TempDir()
			for name, text := range ex.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range ex.setup {
				labIn(t, dir, nil, s...)
			}
			var out string
			if ex.file != "" {
				data, err := os.ReadFile(filepath.Join(dir, ex.file))
				if err != nil {
					t.Fatal(err)
				}
				out = string(data)
			} else {
				r := labIn(t, dir, nil, ex.args...)
				out = r.stdout + "\n" + r.stderr
			}
			if line, ok := shownIn(ex.shown, out); !ok {
				t.Errorf("the README shows a line that the output does not have, or not there:\n  %s\n--- the output ---\n%s", line, clip(out))
			}
		})
	}
}

// readmeExample is a README block and what prints it: files are written
// and the commands in setup run first, in one directory; then args, or
// file is read.
type readmeExample struct {
	first string
	files map[string]string
	setup [][]string
	args  []string
	file  string
	shown []string
}

// The README's #2543 script holds its expects, and with variant=fixed its
// expect panic fails, as the README says.
func TestREADMEScriptRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := strings.Join(findBlock(t, readmeBlocks(t), "config partitions=1 quota=1 variant=buggy"), "\n") + "\n"
	for variant, code := range map[string]int{"buggy": 0, "fixed": 1} {
		name := filepath.Join(dir, variant+".script")
		text := strings.Replace(script, "variant=buggy", "variant="+variant, 1)
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		r := labIn(t, dir, nil, "script", name)
		wantCode(t, r, code)
	}
}

// The README's example plan is a plan lab runs.
func TestREADMEPlanRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plan := strings.Join(findBlock(t, readmeBlocks(t), "name: my-plan"), "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "my-plan.yaml"), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	r := labIn(t, dir, nil, "run", "--plan", "my-plan.yaml", "--variant", "fixed")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "plan my-plan") {
		t.Errorf("the run does not name the plan:\n%v", r)
	}
}

// readme is the README's text.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readmeBlocks returns the README's fenced code blocks, each as its lines.
func readmeBlocks(t *testing.T) [][]string {
	t.Helper()
	var blocks [][]string
	var cur []string
	in := false
	for line := range strings.Lines(readme(t)) {
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "```") && !in:
			in, cur = true, nil
		case strings.HasPrefix(line, "```"):
			in = false
			if len(cur) > 0 {
				blocks = append(blocks, cur)
			}
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

func findBlock(t *testing.T, blocks [][]string, first string) []string {
	t.Helper()
	for _, b := range blocks {
		if b[0] == first {
			return b
		}
	}
	t.Fatalf("the README has no block that starts with %q", first)
	return nil
}

// wallClock matches what depends on the machine, not on the run: rates,
// workers, and wall-clock durations (virtual times have more digits or
// other units, and are compared).
var wallClock = regexp.MustCompile(`\d+ schedules/s on \d+ workers? \(\d+ per CPU second\)|on \d+ workers?\b| in \d+(\.\d{1,2})?s\b|; \d+(\.\d{1,2})?s, `)

// shownIn reports whether every line of shown appears in out in order, and
// if not, the first line that does not.
func shownIn(shown []string, out string) (string, bool) {
	outLines := strings.Split(wallClock.ReplaceAllString(out, "#"), "\n")
	i := 0
	for _, line := range shown {
		want := strings.TrimRight(wallClock.ReplaceAllString(line, "#"), " ")
		if strings.TrimSpace(want) == "..." {
			continue
		}
		for i < len(outLines) && !lineMatches(want, strings.TrimRight(outLines[i], " ")) {
			i++
		}
		if i == len(outLines) {
			return line, false
		}
		i++
	}
	return "", true
}

// lineMatches compares a README line with an output line, "..." in the
// README line standing for any text.
func lineMatches(want, got string) bool {
	parts := strings.Split(want, "...")
	if len(parts) == 1 {
		return want == got
	}
	last := parts[len(parts)-1]
	if !strings.HasPrefix(got, parts[0]) || !strings.HasSuffix(got[len(parts[0]):], last) {
		return false
	}
	got = got[len(parts[0]) : len(got)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		j := strings.Index(got, p)
		if j < 0 {
			return false
		}
		got = got[j+len(p):]
	}
	return true
}

// The README's screen of the terminal UI is what lab tui shows at 80x24
// when the README's seed reaches its violation on its own.
func TestREADMEScreen(t *testing.T) {
	t.Parallel()
	seed := faults.DefaultSeed
	shown := findBlock(t, readmeBlocks(t), fmt.Sprintf("lab seed %d · buggy · shutdown-race · ❚❚ PAUSED · per-partition", seed))
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 80, 24, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp}, fmt.Sprintf("%s tui --seed %d --pace 20x", labBin, seed))
	tm.waitText(`VIOLATION no-panic`)
	screen := tm.waitText(fmt.Sprintf(`lab replay lab-session-seed%d-buggy-violation.schedule`, seed))
	if line, ok := shownIn(shown, screen); !ok {
		t.Errorf("the README shows a line that the screen does not have, or not there:\n  %s\n--- the screen ---\n%s", line, screen)
	}
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Errorf("lab tui exited %d after q", code)
	}
}
