package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const examples = "../../examples"

var scriptSummary = regexp.MustCompile(`(?m)^\d+ commands, \d+ events, sha256:[0-9a-f]{64}\n\z`)

func TestScriptExamplesHold(t *testing.T) {
	t.Parallel()
	scripts, err := filepath.Glob(filepath.Join(examples, "*.script"))
	if err != nil || len(scripts) < 4 {
		t.Fatalf("examples: %v, %v", scripts, err)
	}
	for _, path := range scripts {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spill := spillDir(t)
			r := lab(t, "script", "--spill-dir", spill, filepath.Join(examples, name))
			wantCode(t, r, 0)
			if r.stderr != "" {
				t.Errorf("stderr is not empty:\n%v", r)
			}
			if !scriptSummary.MatchString(r.stdout) {
				t.Errorf("stdout does not end with the summary line:\n%v", r)
			}
			if strings.Contains(r.stdout, "FAILED") {
				t.Errorf("an expect failed:\n%v", r)
			}
			again := lab(t, "script", "--spill-dir", spill, filepath.Join(examples, name))
			if again.stdout != r.stdout {
				t.Errorf("the same script printed different logs")
			}
		})
	}
	r := lab(t, "script", "--spill-dir", spillDir(t), filepath.Join(examples, "issue-2543.script"))
	if !strings.Contains(r.stdout, "PANIC") || !strings.Contains(r.stdout, "has_partition") {
		t.Errorf("issue-2543.script does not show the panic:\n%v", r)
	}
	r = lab(t, "script", "--spill-dir", spillDir(t), filepath.Join(examples, "term-tmp-dir.script"))
	if !strings.Contains(r.stdout, "its queue's start deleted the shared tmp-dir's 1 segment files") || !strings.Contains(r.stdout, "PANIC Unable to load a segment") {
		t.Errorf("term-tmp-dir.script does not show the deletion and the panic:\n%v", r)
	}
}

// The buggy timeline with the fix: `expect panic` fails and stderr names the
// expect's file:line.
func TestScriptFailedExpect(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(examples, "issue-2543.script"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	if !strings.Contains(text, "variant=buggy") {
		t.Fatal("issue-2543.script no longer says variant=buggy")
	}
	text = strings.Replace(text, "variant=buggy", "variant=fixed", 1)
	panicLine := 0
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "expect panic") {
			panicLine = i + 1
		}
	}
	if panicLine == 0 {
		t.Fatal("issue-2543.script has no `expect panic`")
	}
	path := writeFile(t, t.TempDir(), "issue-2543-as-fixed.script", text)
	r := lab(t, "script", "--spill-dir", spillDir(t), path)
	wantCode(t, r, 1)
	want := fmt.Sprintf("%s:%d: expect panic: FAILED", path, panicLine)
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not name the failed expect as %q:\n%v", want, r)
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if !strings.HasPrefix(line, path+":") {
			t.Errorf("stderr line does not name the script: %q", line)
		}
	}
	if !scriptSummary.MatchString(r.stdout) {
		t.Errorf("stdout does not end with the summary line:\n%v", r)
	}
}

func TestScriptErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"unknown verb", "config partitions=1 quota=1\n# a comment\nfrobnicate p=0\n", 3, `unknown verb "frobnicate"`},
		{"deliver not ready", "config partitions=1 quota=1 variant=buggy\nleader p=0 epoch=1\ndeliver arm=dequeue\n", 3, "dequeue"},
		{"deliver too many", "leader p=0 epoch=1\ninvoke p=0 inv=a\ndeliver arm=input n=3\n", 3, "input"},
		{"unknown argument", "config partitions=1 colour=blue\n", 1, "colour"},
		{"malformed argument", "leader p=0 epoch=\n", 1, "epoch="},
		{"unknown expect", "leader p=0 epoch=1\nexpect sunshine\n", 2, "expect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, dir, strings.ReplaceAll(c.name, " ", "-")+".script", c.src)
			r := lab(t, "script", "--spill-dir", spillDir(t), path)
			wantUsageError(t, r, false, fmt.Sprintf("lab: %s:%d: ", path, c.line), c.want)
			if strings.Contains(r.stdout, "commands, ") {
				t.Errorf("a script with an error printed the summary line:\n%v", r)
			}
		})
	}
}

func TestScriptBadSpillDir(t *testing.T) {
	t.Parallel()
	script := filepath.Join(examples, "issue-2543.script")
	regular := writeFile(t, t.TempDir(), "file", "x\n")
	for _, dir := range []string{regular, filepath.Join(t.TempDir(), "missing")} {
		r := lab(t, "script", "--spill-dir", dir, script)
		wantUsageError(t, r, true, "--spill-dir", dir)
	}
}

// Scripts whose queues spill to disk leave no spill directory behind:
// neither one that ends with segments on disk, nor one whose invokers
// panicked with segments on disk and were restarted.
func TestScriptRemovesSpillDirectories(t *testing.T) {
	t.Parallel()
	onDisk := `config partitions=2 quota=1 queue-limit=1 variant=buggy
task inv=a outcome=hang
leader p=0 epoch=1
leader p=1 epoch=1
invoke p=0 inv=a
invoke p=0 inv=b
invoke p=0 inv=c
invoke p=1 inv=d
invoke p=1 inv=e
deliver arm=input p=0 n=4
deliver arm=input p=1 n=3
expect queue p=0 len=3 disk=3
expect queue p=1 len=2 disk=2
`
	// a's segment is on disk: one dequeue poll reads it back, the next
	// takes a (and reads b's ahead), so b is dequeued in one poll after
	// the abort and panics while c's segment is still on disk.
	panicked := onDisk + `deliver arm=dequeue p=0 n=2
shutdown
deliver arm=input p=0
deliver arm=dequeue p=0
settle
expect panic
expect invoker p=0 is=dead
restart
leader p=0 epoch=2
leader p=1 epoch=2
settle
expect status inv=c is=completed
expect status inv=e is=completed
`
	for name, src := range map[string]string{"on-disk.script": onDisk, "panicked.script": panicked} {
		path := writeFile(t, t.TempDir(), name, src)
		spill := spillDir(t)
		r := lab(t, "script", "--spill-dir", spill, path)
		wantCode(t, r, 0)
		noSpillLeft(t, spill)
	}
}
