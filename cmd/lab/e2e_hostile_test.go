//go:build linux

package main

// The binary under hostile conditions (issue 12): output into a closed pipe
// or a full file, and SIGINT, SIGTERM or SIGPIPE at random points. Whatever
// happens, the exit code is documented, the event file holds whole lines,
// and no spill directory or temp file is left.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// wholeLines checks that a JSON Lines file holds only whole lines of JSON
// (it may be empty) and returns how many.
func wholeLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the event log: %v", err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s ends mid-line: %q", path, lastLine(data))
	}
	n := 0
	for line := range bytes.Lines(data) {
		n++
		if !json.Valid(line) {
			t.Fatalf("%s line %d is not JSON: %q", path, n, line)
		}
	}
	return n
}

// closedPipe is a pipe whose reader reads limit bytes (or one line, if limit
// is 0, as `| head -1` does; or nothing, if limit is negative) and closes.
func closedPipe(t *testing.T, limit int) *os.File {
	w, _ := watchedPipe(t, limit)
	return w
}

// watchedPipe is closedPipe, with a channel closed once the reader has read
// its first bytes: the writer has begun writing.
func watchedPipe(t *testing.T, limit int) (*os.File, <-chan struct{}) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	if limit < 0 {
		r.Close()
		t.Cleanup(func() { w.Close() })
		return w, first
	}
	go func() {
		fr := &firstRead{r: r, first: first}
		if limit == 0 {
			_, _ = bufio.NewReader(fr).ReadString('\n')
		} else {
			_, _ = io.CopyN(io.Discard, fr, int64(limit))
		}
		r.Close()
	}()
	t.Cleanup(func() { w.Close() })
	return w, first
}

// firstRead closes first when a read returns bytes for the first time.
type firstRead struct {
	r     io.Reader
	first chan struct{}
	seen  bool
}

func (f *firstRead) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if n > 0 && !f.seen {
		f.seen = true
		close(f.first)
	}
	return n, err
}

// `lab run -v --events ev.jsonl 2>&1 | head -1` was killed by SIGPIPE (exit
// 141), left its spill directories, and cut the event file mid-line. Now it
// stops on the failed write with exit 3 and cleans up; so does a script.
func TestOutputIntoClosedPipe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		limit int // see closedPipe
	}{
		// -v writes megabytes: the pipe's buffer fills and head closes it.
		{"run -v", []string{"run", "-v", "--invocations", "20000", "--queue-limit", "1"}, 0},
		{"run", []string{"run", "--invocations", "2000", "--queue-limit", "1"}, -1},
		{"script", []string{"script", filepath.Join("..", "..", "examples", "issue-2543-fixed.script")}, -1},
		{"plans", []string{"plans"}, -1},
		{"bugs", []string{"bugs", "2543"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spill, events := spillDir(t), filepath.Join(t.TempDir(), "ev.jsonl")
			args := tc.args
			if tc.name != "plans" && tc.name != "bugs" {
				args = append(args, "--spill-dir", spill)
			}
			if strings.HasPrefix(tc.name, "run") {
				args = append(args, "--events", events)
			}
			out := closedPipe(t, tc.limit)
			p := startLab(t, out, out, nil, args...)
			out.Close() // the child has its own copy
			if code := p.wait(t); code != exitInternal {
				t.Errorf("exit code %d, want %d", code, exitInternal)
			}
			if strings.HasPrefix(tc.name, "run") {
				wholeLines(t, events)
			}
			checkTmp(t, p.tmp)
		})
	}
}

// fileSizeLimit runs the binary with a file size limit of 512 bytes:
// writing past it into a regular file fails with EFBIG, as writing to a
// full disk fails with ENOSPC.
var fileSizeLimit = []string{"sh", "-c", `ulimit -f 1 && exec "$0" "$@"`}

// `lab plans > /dev/full` and `lab script ... > /dev/full` exited 0 with
// their output lost; `lab run > /dev/full` said "internal error". Each now
// exits 3 saying it could not write its output, whether the output is
// /dev/full or a file past its size limit.
func TestOutputIntoFullFile(t *testing.T) {
	t.Parallel()
	if info, err := os.Stat("/dev/full"); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/full is not the full device (%v): as root, run: rm -f /dev/full && mknod -m 666 /dev/full c 1 7 (.ci/run does)", err)
	}
	for _, mode := range []string{"/dev/full", "ulimit -f"} {
		for _, args := range [][]string{
			{"plans"},
			{"plans", "chaos"},
			{"script", filepath.Join("..", "..", "examples", "issue-2543.script")},
			{"run"},
			{"run", "--format", "json"},
			{"run", "--events", "EVENTS"},
		} {
			t.Run(mode+" "+strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				fullOutput(t, mode, args)
			})
		}
	}
}

// `lab shrink > /dev/full` exited 1 with its report lost, and so did
// `lab --help` with exit 0; explore, merge and shrink --format json said
// "internal error". Each now exits 3 saying it could not write its output.
func TestLostOutputIsExit3(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sched, report := filepath.Join(dir, "run.schedule"), filepath.Join(dir, "report.json")
	wantCode(t, lab(t, "run", "--schedule-out", sched, "--spill-dir", spillDir(t)), exitViolation)
	r := lab(t, "explore", "--seeds", "2", "--format", "json")
	wantCode(t, r, exitViolation)
	if err := os.WriteFile(report, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--help"},
		{"run", "--help"},
		{"completion", "bash"},
		{"explore", "--seeds", "2"},
		{"explore", "--seeds", "2", "--format", "json"},
		{"explore", "merge", report},
		{"shrink", sched, "--out", filepath.Join(dir, "text-shrunk.schedule")},
		{"shrink", sched, "--out", filepath.Join(dir, "json-shrunk.schedule"), "--format", "json"},
		{"bugs"},
		{"bugs", "2543"},
		{"bugs", "4064", "--format", "json"},
		{"bugs", "--check"},
	} {
		t.Run(strings.ReplaceAll(strings.Join(args, " "), dir+"/", ""), func(t *testing.T) {
			t.Parallel()
			fullOutput(t, "/dev/full", args)
		})
	}
}

func fullOutput(t *testing.T, mode string, args []string) {
	dir := t.TempDir()
	args = append([]string(nil), args...)
	out, wrap, why := filepath.Join(dir, "out"), fileSizeLimit, "file too large"
	if mode == "/dev/full" {
		out, wrap, why = "/dev/full", nil, "no space left on device"
	}
	stdoutPath, events := out, ""
	for i := range args {
		if args[i] == "EVENTS" {
			events, args[i], stdoutPath = out, out, os.DevNull
		}
	}
	stdout, err := os.OpenFile(stdoutPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	if args[0] == "run" || args[0] == "script" || args[0] == "replay" {
		args = append(args, "--spill-dir", spillDir(t))
	}
	var stderr strings.Builder
	p := startLab(t, stdout, &stderr, wrap, args...)
	r := result{code: p.wait(t), stderr: stderr.String()}
	wantCode(t, r, exitInternal)
	want := "lab: writing the output: write /dev/stdout: " + why
	if events != "" {
		want = "lab: writing the event log: write " + events + ": " + why
		if mode != "/dev/full" && wholeLines(t, events) == 0 {
			t.Errorf("no event written before the limit")
		}
	}
	wantOneLineError(t, r, want)
	checkTmp(t, p.tmp)
}

// hostileSeed is the seed of TestRandomSignals: 13 (whose trials send
// each signal, and cover runs and scripts into files and pipes), so that
// every run of the suite is the same; LAB_HOSTILE_SEED=N replays seed N, and
// LAB_HOSTILE_SEED=random draws one from the clock. It is logged, so a
// failure can be replayed.
func hostileSeed(t *testing.T) uint64 {
	switch s := os.Getenv("LAB_HOSTILE_SEED"); s {
	case "":
		return 13
	case "random":
		return uint64(time.Now().UnixNano())
	default:
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LAB_HOSTILE_SEED=%s: want a seed or random: %v", s, err)
		}
		return seed
	}
}

// pipeBuf is Linux's PIPE_BUF: a write up to that size is atomic.
const pipeBuf = 4096

// pipeFull reports whether the pipe whose read end is r is full: it holds
// its capacity, less at most what one atomic write (PIPE_BUF) needs, which
// a writer of small writes blocks on.
func pipeFull(t *testing.T, r *os.File) bool {
	t.Helper()
	conn, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var held, capacity int
	var ioErr error
	if err := conn.Control(func(fd uintptr) {
		// TIOCINQ is Linux's FIONREAD: the bytes waiting to be read.
		if held, ioErr = unix.IoctlGetInt(int(fd), unix.TIOCINQ); ioErr == nil {
			capacity, ioErr = unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if ioErr != nil {
		t.Fatalf("the pipe's fill: %v", ioErr)
	}
	return held > 0 && held >= capacity-pipeBuf
}

// exited reports whether the child has ended (a zombie not yet waited
// for, or gone).
func exited(p *proc) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return false
	}
	state := data[i+2]
	return state == 'Z' || state == 'X'
}

// SIGINT, SIGTERM or SIGPIPE at a random point of a run or a script, with
// stdout into a file or into a pipe closed after a random number of bytes.
// The exit code is the documented one for what happened first: 130 for
// SIGINT or SIGTERM; SIGPIPE is ignored, so a SIGTERM sent right after it
// still ends the run with 130; 3 once the pipe is closed; 0 or 1 only if
// the child had ended before the signal. The event file holds whole
// lines; nothing is left in the spill dir or TMPDIR. The runs and scripts
// take seconds, several times the longest wait before the signal.
func TestRandomSignals(t *testing.T) {
	t.Parallel()
	seed := hostileSeed(t)
	t.Logf("seed %d (rerun with LAB_HOSTILE_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	script := longScript(t)
	signals := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE}
	const trials = 6
	type trial struct {
		sig      syscall.Signal
		after    time.Duration
		isScript bool
		pipeAt   int // 0: stdout to a file
	}
	var ts []trial
	for range trials {
		tr := trial{sig: signals[rng.IntN(len(signals))], after: time.Duration(rng.IntN(1000)) * time.Millisecond,
			isScript: rng.IntN(2) == 0}
		if rng.IntN(3) == 0 {
			tr.pipeAt = 1 + rng.IntN(200_000)
		}
		ts = append(ts, tr)
	}
	for i, tr := range ts {
		t.Run(fmt.Sprintf("%d-%v", i, tr.sig), func(t *testing.T) {
			t.Parallel()
			t.Logf("seed %d: %+v", seed, tr)
			spill := spillDir(t)
			dir := t.TempDir()
			events := filepath.Join(dir, "ev.jsonl")
			args := []string{"run", "--invocations", "100000", "--queue-limit", "2", "--events", events, "--spill-dir", spill}
			if tr.isScript {
				args = []string{"script", script, "--spill-dir", spill}
			}
			var stdout io.Writer
			var piped <-chan struct{}
			if tr.pipeAt > 0 {
				w, first := watchedPipe(t, tr.pipeAt)
				defer w.Close()
				stdout, piped = w, first
			} else {
				f, err := os.Create(filepath.Join(dir, "stdout"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				stdout = f
			}
			var stderr strings.Builder
			p := startLab(t, stdout, &stderr, nil, args...)
			if f, ok := stdout.(*os.File); ok {
				f.Close() // the child has its own copy
			}
			// Signal only once the lab has set up its handlers: it has
			// started writing (a run's event file, a script's stdout into
			// a file or a pipe).
			begun := func() bool {
				switch {
				case !tr.isScript:
					return fileSize(events) > 0
				case tr.pipeAt > 0:
					select {
					case <-piped:
						return true
					default:
						return false
					}
				}
				return fileSize(filepath.Join(dir, "stdout")) > 0
			}
			started := time.Now()
			for !begun() && !exited(p) {
				if time.Since(started) > time.Minute {
					t.Fatalf("nothing written within a minute")
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(tr.after)
			// Whether it had ended before the signal decides what it may
			// exit with.
			ended := exited(p)
			sent := p.cmd.Process.Signal(tr.sig) == nil
			if sent && tr.sig == syscall.SIGPIPE {
				// Ignored: the lab goes on, and a SIGTERM still ends it.
				// (Had SIGPIPE ended it, it is the lower signal, delivered
				// first, and wait reports the death by signal.)
				sent = p.cmd.Process.Signal(syscall.SIGTERM) == nil
			}
			ended = ended || !sent
			code := p.wait(t)
			r := result{code: code, stderr: stderr.String()}
			noGoPanic(t, r)
			switch {
			case code == exitInterrupt && !ended:
				if r.stderr != "lab: interrupted\n" {
					t.Errorf("stderr %q after exit 130", r.stderr)
				}
			case code == exitInternal && tr.pipeAt > 0:
				wantOneLineError(t, r, "lab: writing the output", "broken pipe")
			case ended && (code == exitOK || code == exitViolation && !tr.isScript):
				t.Logf("it ended before the signal")
			default:
				t.Errorf("exit code %d after %v at %v (ended before it: %v)\nstderr: %s", code, tr.sig, tr.after, ended, clip(r.stderr))
			}
			if !tr.isScript {
				t.Logf("%d events in the log", wholeLines(t, events))
			}
			checkTmp(t, p.tmp)
		})
	}
}

// longScript writes a script that runs for seconds: 16 partitions, 16,000
// invocations, spilling.
func longScript(t *testing.T) string {
	var b strings.Builder
	b.WriteString("config partitions=16 quota=2 queue-limit=2\n")
	for p := range 16 {
		fmt.Fprintf(&b, "leader p=%d epoch=1\n", p)
	}
	for i := range 16000 {
		fmt.Fprintf(&b, "invoke p=%d inv=i%d\n", i%16, i)
	}
	b.WriteString("settle\nshutdown\nsettle\ncheck\nexpect ok\n")
	return writeFile(t, t.TempDir(), "long.script", b.String())
}

// Hostile inputs of issue 12: each is refused with exit 2 and one line, in
// well under the time it used to take.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	bigDelay := writeFile(t, dir, "big-delay.yaml", "name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: 2562047h47m16.854775807s\n")
	empty := writeFile(t, dir, "empty.yaml", "")
	manyPartitions := writeFile(t, dir, "partitions.script", "config partitions=50000\n")
	advance := writeFile(t, dir, "advance.script", "advance 1000000h\nadvance 1000000h\nadvance 1000000h\n")
	entries := writeFile(t, dir, "entries.script", "task inv=a outcome=ok entries=1000000000\n")
	nul := writeFile(t, dir, "nul.script", "invoke p=0 inv=a\x00b\n")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--plan", "/dev/zero"}, []string{"/dev/zero: cannot read: is a device"}},
		{[]string{"run", "--plan", fifo}, []string{"is a named pipe"}},
		{[]string{"script", "/dev/zero"}, []string{"/dev/zero: is a device"}},
		{[]string{"script", fifo}, []string{"is a named pipe"}},
		// Written into until the pipe was full, then waited for ever.
		{[]string{"run", "--events", fifo}, []string{"--events: " + fifo + ": a named pipe that nobody reads"}},
		{[]string{"run", "--schedule-out", fifo}, []string{"--schedule-out: " + fifo + ": a named pipe that nobody reads"}},
		{[]string{"run", "--trace-out", fifo}, []string{"--trace-out: " + fifo + ": a named pipe that nobody reads"}},
		{[]string{"run", "--plan", bigDelay}, []string{bigDelay + ":5:12: a delay can be at most 24h"}},
		{[]string{"run", "--plan", empty}, []string{empty + ":1:1: empty plan"}},
		{[]string{"run", "--partitions", "100000"}, []string{"partitions 100000: the lab simulates at most 1024"}},
		{[]string{"run", "--invocations", "2000000"}, []string{"invocations 2000000: the lab simulates at most 1000000"}},
		{[]string{"script", manyPartitions}, []string{manyPartitions + ":1: partitions 50000"}},
		{[]string{"script", advance}, []string{advance + ":1: virtual time 0s + 1000000h0m0s would pass the horizon"}},
		{[]string{"run", "--plan", ""}, []string{`"": want a built-in plan`}},
		{[]string{"script", entries}, []string{entries + ":1: entries=1000000000: with the attempt's end and the 0 outputs planned before, over the 100000"}},
		{[]string{"script", nul}, []string{nul + `:1: column 17: control character '\x00'`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			args := append(tc.args, "--spill-dir", spillDir(t))
			r := lab(t, args...)
			wantUsageError(t, r, true, tc.want...)
		})
	}
}

// A named pipe that is read takes the event log whole: the report's hash is
// the hash of what the reader got.
func TestEventsIntoNamedPipe(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "fifo")
	// A reader from the start (never read): the lab finds one however late
	// the goroutine's open comes.
	namedPipe(t, fifo)
	got := make(chan []byte, 1)
	go func() {
		data, err := os.ReadFile(fifo) // blocks until the lab opens it
		if err != nil {
			t.Error(err)
		}
		got <- data
	}()
	r := lab(t, "run", "--events", fifo, "--invocations", "2000", "--spill-dir", spillDir(t))
	wantCode(t, r, exitViolation)
	if sum := fmt.Sprintf("%x", sha256.Sum256(<-got)); sum != reportHash(t, r) {
		t.Errorf("the reader got a log hashing to %s, the report says %s", sum, reportHash(t, r))
	}
}

// A pipe whose reader has stalled: the run blocks in its write, and the
// first Ctrl-C must still end it (exit 130, nothing left on disk). It once
// needed a second one, which leaves spill directories behind. The pipe is
// a named one given to --events, stdout with --events -, stderr with -v,
// or stdout under lab script's log.
func TestStalledPipeFirstInterrupt(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"named pipe", "stdout", "stderr", "script"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr io.Writer = &strings.Builder{}, &strings.Builder{}
			var readEnd *os.File // where the stalled reader would read
			events := filepath.Join(t.TempDir(), "fifo")
			args := []string{"run", "--invocations", "2000", "--spill-dir", spillDir(t)}
			if name != "named pipe" {
				r, w, err := os.Pipe() // a reader that never reads
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				defer w.Close()
				readEnd = r
				switch name {
				case "stdout":
					stdout, args = w, append(args, "--events", "-")
				case "stderr":
					stderr, args = w, append(args, "-v")
				case "script":
					script := "config partitions=1 quota=1 variant=fixed\nleader p=0 epoch=1\n" +
						strings.Repeat("invoke p=0 inv=x\n", 2000) + "settle\n"
					stdout, args = w, []string{"script", writeFile(t, t.TempDir(), "big.script", script), "--spill-dir", spillDir(t)}
				}
			} else {
				readEnd = namedPipe(t, events)
				args = append(args, "--events", events)
			}
			p := startLab(t, stdout, stderr, nil, args...)
			// The pipe holds 64 KB; the run's log is megabytes: once the
			// pipe is full, the lab is stuck in a write (or will be at its
			// next one).
			deadline := time.Now().Add(time.Minute)
			for !pipeFull(t, readEnd) {
				select {
				case err := <-p.done:
					t.Fatalf("the run ended before the pipe filled: %v\n%v", err, stderr)
				case <-time.After(10 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("the pipe did not fill within a minute")
				}
			}
			if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			// No second Ctrl-C comes: a run that needed one would never
			// end. The minute only tells that apart.
			select {
			case err := <-p.done:
				p.done <- err
			case <-time.After(time.Minute):
				t.Fatal("the first Ctrl-C did not end a run stuck writing into a stalled pipe")
			}
			if code := p.wait(t); code != exitInterrupt {
				t.Errorf("exit %d, want %d\nstderr: %v", code, exitInterrupt, stderr)
			}
			checkTmp(t, p.tmp)
		})
	}
}

// The replay command of a plan file whose path needs quoting is quoted, and
// the shell runs it as printed.
func TestReplayIsShellQuoted(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "my plans")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	plan := writeFile(t, dir, "it's chaos.yaml", lab(t, "plans", "chaos").stdout)
	spill := spillDir(t)
	r := lab(t, "run", "--plan", plan, "--seed", "3", "--partitions", "2", "--spill-dir", spill)
	replay := reportLine(t, r, "replay")
	want := `lab run --seed 3 --variant buggy --plan '` + strings.ReplaceAll(plan, "'", `'\''`) + `' --partitions 2`
	if replay != want {
		t.Fatalf("replay line:\n got  %s\n want %s", replay, want)
	}
	sh := exec.Command("sh", "-c", strings.Replace(replay, "lab ", `"$0" `, 1)+` --spill-dir "$1"`, labBin, spill)
	out, err := sh.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == exitViolation) {
		t.Fatalf("sh -c %q: %v\n%s", replay, err, out)
	}
	if got := reportHash(t, result{stdout: string(out)}); got != reportHash(t, r) {
		t.Errorf("the replayed run differs: %s vs %s", got, reportHash(t, r))
	}
}

// An empty script printed "sha256:" with no hash.
func TestEmptyScriptPrintsHash(t *testing.T) {
	t.Parallel()
	r := lab(t, "script", writeFile(t, t.TempDir(), "empty.script", "# nothing\n"), "--spill-dir", spillDir(t))
	wantCode(t, r, 0)
	if want := "0 commands, 0 events, sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}
