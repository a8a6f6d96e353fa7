package main

// End-to-end tests of the real lab binary: TestMain builds it once with
// `go build`, and every test runs it with os/exec, checking the exit code,
// stdout and stderr separately.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// labBin is the binary built by TestMain.
var labBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lab-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FATAL: cannot make a directory for the lab binary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	labBin = filepath.Join(dir, "lab")
	build := exec.Command("go", "build", "-o", labBin, "lab/cmd/lab")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "FATAL: go build -o %s lab/cmd/lab: %v\n%s", labBin, err, out)
		return 1
	}
	return m.Run()
}

// cmdTimeout bounds every run of the binary, so that no test can hang.
const cmdTimeout = 30 * time.Second

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s", r.code, clip(r.stdout), clip(r.stderr))
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "\n[...]"
	}
	return s
}

// labEnv is the child's environment: TMPDIR points at a fresh directory, so
// that whatever the binary leaves in the default temp dir (the default
// --spill-dir) is seen, and checked by checkTmp.
func labEnv(t *testing.T) ([]string, string) {
	t.Helper()
	tmp := t.TempDir()
	return append(os.Environ(), "TMPDIR="+tmp), tmp
}

// lab runs the binary with args and returns its exit code and output. It
// fails the test if the binary does not start, runs too long, prints a Go
// panic or stack trace, or leaves anything in its temp dir.
func lab(t *testing.T, args ...string) result {
	t.Helper()
	return labWithEnv(t, nil, args...)
}

// labWithEnv is lab with extra environment variables (NAME=value).
func labWithEnv(t *testing.T, extra []string, args ...string) result {
	t.Helper()
	return labIn(t, "", extra, args...)
}

// labIn is labWithEnv run in directory dir ("": the test's own), where
// relative paths in args resolve.
func labIn(t *testing.T, dir string, extra []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, labBin, args...)
	cmd.Dir = dir
	env, tmp := labEnv(t)
	cmd.Env = append(env, extra...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("lab %s: still running after %v\n%v", strings.Join(args, " "), cmdTimeout, r)
	}
	r.code = exitCodeOf(t, err, "lab "+strings.Join(args, " "), r)
	noGoPanic(t, r)
	checkTmp(t, tmp)
	return r
}

// exitCodeOf is the exit code of a finished run of the binary, which err
// (from Wait) tells; a run that did not exit (killed by a signal) fails
// the test.
func exitCodeOf(t *testing.T, err error, what string, r result) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	t.Fatalf("%s: %v\n%v", what, err, r)
	return 0
}

var goPanic = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[|\[signal )`)

// noGoPanic fails the test if the output looks like a Go panic or a stack
// trace. (The model's own "PANIC" events are the simulated invoker's.)
func noGoPanic(t *testing.T, r result) {
	t.Helper()
	if goPanic.MatchString(r.stderr) || goPanic.MatchString(r.stdout) || r.code == 2 && strings.Contains(r.stderr, ".go:") {
		t.Errorf("output looks like a Go panic or stack trace:\n%v", r)
	}
}

// checkTmp fails the test if the binary left anything in its TMPDIR.
func checkTmp(t *testing.T, tmp string) {
	t.Helper()
	if left := dirEntries(t, tmp); len(left) > 0 {
		t.Errorf("the binary left %v in its TMPDIR %s", left, tmp)
	}
}

// dirEntries lists a directory's entries by name.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// spillDir is a --spill-dir for one test; noSpillLeft checks it afterwards.
func spillDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { noSpillLeft(t, dir) })
	return dir
}

func noSpillLeft(t *testing.T, dir string) {
	t.Helper()
	if left := dirEntries(t, dir); len(left) > 0 {
		t.Errorf("spill directories left behind in --spill-dir %s: %v", dir, left)
	}
}

// wantCode fails the test unless the run ended with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\n%v", r.code, code, r)
	}
}

// wantOneLineError checks a failed run's stderr: exactly one line, starting
// with "lab: ", that contains every one of want.
func wantOneLineError(t *testing.T, r result, want ...string) {
	t.Helper()
	if !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "lab: ") {
		t.Errorf("stderr is not one line starting with \"lab: \":\n%v", r)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not contain %q:\n%v", w, r)
		}
	}
}

// wantUsageError checks exit code 2, a one-line "lab: " error containing
// want, and (unless the command is a script, which prints its events as it
// goes) nothing on stdout.
func wantUsageError(t *testing.T, r result, emptyStdout bool, want ...string) {
	t.Helper()
	wantCode(t, r, 2)
	wantOneLineError(t, r, want...)
	if emptyStdout && r.stdout != "" {
		t.Errorf("stdout is not empty after a usage error:\n%v", r)
	}
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var hashLine = regexp.MustCompile(`(?m)^hash\s+sha256:([0-9a-f]{64})$`)

// reportHash is the hash a text report prints.
func reportHash(t *testing.T, r result) string {
	t.Helper()
	m := hashLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no hash line in the report:\n%v", r)
	}
	return m[1]
}

// reportLine returns the rest of the report line that starts with label.
func reportLine(t *testing.T, r result, label string) string {
	t.Helper()
	for _, line := range strings.Split(r.stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, label); ok && strings.HasPrefix(rest, " ") {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("no %q line in the report:\n%v", label, r)
	return ""
}

// proc is one run of the binary with the caller's stdout and stderr.
type proc struct {
	cmd  *exec.Cmd
	done chan error
	tmp  string
}

func startLab(t *testing.T, stdout, stderr io.Writer, wrap []string, args ...string) *proc {
	t.Helper()
	argv := append(append([]string(nil), wrap...), append([]string{labBin}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	env, tmp := labEnv(t)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), tmp: tmp}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait returns the exit code; a death by signal fails the test.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	var err error
	select {
	case err = <-p.done:
		p.done <- err // for the cleanup
	case <-time.After(cmdTimeout):
		t.Fatalf("%v: still running after %v", p.cmd.Args, cmdTimeout)
	}
	return exitCodeOf(t, err, strings.Join(p.cmd.Args, " "), result{})
}

// lockedBuilder is a strings.Builder a child process writes to while the
// test reads it.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
