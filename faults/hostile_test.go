package faults

// Regression tests for hostile input (issue 12): each was a crash, a hang,
// unbounded memory, or a wrong answer before it was fixed.

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lab/invoker"
)

// Three `advance 1000000h` wrapped virtual time and panicked ("virtual
// time cannot move backwards"). Time past the horizon is now a script error.
func TestAdvancePastHorizon(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
	}{
		{"advance 1000000h\nadvance 1000000h\nadvance 1000000h\n", 1},
		{"advance 20000h\nadvance 3999h\nadvance 2h\n", 3},
		{"advance 2562047h47m16.854775807s\n", 1},
	} {
		_, err := exec(t, tc.src)
		var se *ScriptError
		if !errors.As(err, &se) || se.Line != tc.line || !strings.Contains(se.Msg, "horizon") {
			t.Errorf("%q: err = %v, want a script error on line %d naming the horizon", tc.src, err, tc.line)
		}
	}
}

// A delay range up to the largest duration made the injector panic
// (rand.Int64N of a negative number); a delay of the largest duration
// wrapped virtual time, so the "delayed" acks arrived at once. Delays are
// now bounded, and the bound is an error at the delay's position.
func TestPlanDelayBounded(t *testing.T) {
	for _, delay := range []string{"0s..2562047h47m16.854775807s", "2562047h47m16.854775807s", "24h0m0.000000001s"} {
		src := "name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: " + delay + "\n"
		_, err := ParsePlan("p.yaml", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), "p.yaml:5:12: a delay can be at most 24h") {
			t.Errorf("delay %s: err = %v, want p.yaml:5:12: a delay can be at most 24h...", delay, err)
		}
	}
	src := "name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: 0s..24h\n"
	p, err := ParsePlan("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	// The largest range draws without panicking, within the range.
	in := newInjector(p, 7, func(int, invoker.PartitionID) bool { return true })
	for range 1000 {
		v, hit := in.judge(invoker.Envelope{Kind: invoker.MsgAck}, 0)
		if !hit || v.Delay < 0 || v.Delay > MaxDelay {
			t.Fatalf("verdict %+v (hit %v), want a delay in [0, 24h]", v, hit)
		}
	}
	if _, err := exec(t, "fault action=delay kind=ack d=2562047h\n"); err == nil || !strings.Contains(err.Error(), "at most 24h") {
		t.Errorf("script fault d=2562047h: err = %v, want at most 24h", err)
	}
}

// A delayed message still arrives late with the largest delay allowed: the
// addition does not wrap.
func TestLongestDelayArrivesLate(t *testing.T) {
	r, err := exec(t, "advance 1h\nfault action=delay kind=invoke d=24h\nleader p=0 epoch=1\ninvoke p=0 inv=a\n")
	if err != nil {
		t.Fatal(err)
	}
	due, ok := r.sim.net.next()
	if !ok || due != 25*time.Hour {
		t.Fatalf("next delivery at %v (%v), want the invoke at 25h", due, ok)
	}
}

// Type errors inside a rule (`delay: [1]`, `kinds: {a: 1}`) had no line and
// column.
func TestPlanShapeErrorsHavePositions(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: [1]\n", "p.yaml:5:12: delay must be"},
		{"name: x\nrules:\n  - kinds: {a: 1}\n    action: drop\n", "p.yaml:3:12: kinds must be a name or a list"},
		{"name: x\nrules:\n  - kinds: [ack, [x]]\n    action: drop\n", "p.yaml:3:12: kinds must be a name or a list"},
		{"name: x\nrules:\n  - kinds: [ack]\n    action: reorder\n    overtakes: {a: 1}\n", "p.yaml:5:16: overtakes must be"},
		{"name: x\nrules:\n  - kinds: [ack]\n    action: drop\n    limit: [1]\n", "p.yaml:5:12: want a whole number"},
		{"name: [x]\n", "p.yaml:1:7: want a string"},
	} {
		_, err := ParsePlan("p.yaml", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %v\n want %s...", tc.src, err, tc.want)
		}
	}
}

// An empty plan file was accepted as a plan with no name.
func TestEmptyPlan(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# nothing here\n", "{}"} {
		_, err := ParsePlan("p.yaml", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), "p.yaml:1:1: empty plan") {
			t.Errorf("%q: err = %v, want p.yaml:1:1: empty plan", src, err)
		}
	}
	p, err := ParsePlan("dir/my-plan.yaml", []byte("rules: []\n"))
	if err != nil || p.Name != "my-plan" {
		t.Errorf("a plan without name: got %+v, %v; want it named after its file", p, err)
	}
}

// The fixed budget of 5 M picks stopped runs of about 340,000 invocations
// with "internal error: decision budget exhausted" (as the pick budget was
// named then). The budget now grows with the workload: across shapes, runs
// use less than a fifth.
func TestPickBudgetScales(t *testing.T) {
	for _, tc := range []struct {
		plan                              string
		partitions, invocations, stepDown int
	}{
		{"shutdown-race", 4, 1500, 1},
		{"chaos", 4, 1500, 10},
		{"chaos", 64, 1000, 200},
		{"chaos", 1, 800, 30},
	} {
		o := Options{Seed: 3, Node: invoker.DefaultConfig(), Workload: DefaultWorkload()}
		o.Node.Variant, o.Node.Partitions, o.Node.Store = invoker.Fixed, tc.partitions, invoker.MemStores()
		o.Workload.Invocations, o.Workload.StepDowns = tc.invocations, tc.stepDown
		var err error
		if o.Plan, err = LoadPlan(tc.plan); err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		extra := pickBudget(o) - DefaultMaxPicks
		if res.Decisions.Picks*5 > extra {
			t.Errorf("%+v: %d decisions, but the budget grew only by %d over the default", tc, res.Decisions.Picks, extra)
		}
	}
	// The largest workload allowed gets a budget that does not overflow.
	o := Options{Node: invoker.DefaultConfig(), Workload: DefaultWorkload()}
	o.Node.Partitions, o.Workload.Invocations, o.Workload.StepDowns = 1, MaxInvocations, MaxStepDowns
	if b := pickBudget(o); b <= 100*MaxInvocations || b > math.MaxInt64/2 {
		t.Errorf("budget for the largest workload = %d", b)
	}
}

// --partitions 100000 never ended and left 100,000 spill directories. A
// run past the limits is refused before anything is created.
func TestLimitsRefusedUpFront(t *testing.T) {
	for _, edit := range []func(*Options){
		func(o *Options) { o.Node.Partitions = MaxPartitions + 1 },
		func(o *Options) { o.Workload.Invocations = MaxInvocations + 1 },
		func(o *Options) { o.Workload.StepDowns = MaxStepDowns + 1 },
	} {
		dir := t.TempDir()
		o := Options{Seed: 1, Node: invoker.DefaultConfig(), Workload: DefaultWorkload()}
		o.Node.Store = invoker.FileStores(dir)
		edit(&o)
		// Refused before it starts: not one event happens. The minute is
		// only there so that a run that went ahead cannot hang the test.
		events := 0
		o.Observers = []Observer{EventFunc(func(invoker.Event) { events++ })}
		done := make(chan error, 1)
		go func() {
			_, err := Run(context.Background(), o)
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(time.Minute):
			t.Fatalf("%+v: still running after a minute, not refused", o.Workload)
		}
		var le *LimitError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "at most") {
			t.Errorf("err = %v, want a *LimitError saying the limit", err)
		}
		if events > 0 {
			t.Errorf("a refused run logged %d events", events)
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("a refused run left %d entries in the spill dir", len(left))
		}
	}
	_, err := exec(t, "config partitions=50000\n")
	if err == nil || !strings.Contains(err.Error(), "line 1: partitions 50000: the lab simulates at most 1024") {
		t.Errorf("script config partitions=50000: err = %v", err)
	}
}

// `task inv=a outcome=ok entries=1000000000` took 3.6 GB, and 1,000,000
// still took 2 GB. Planned outputs are bounded per script, the attempt's
// end included, and the error says what counted.
func TestTaskEntriesBounded(t *testing.T) {
	_, err := exec(t, "task inv=a outcome=ok entries=1000000000\n")
	if err == nil || !strings.Contains(err.Error(), "line 1: entries=1000000000: with the attempt's end and the 0 outputs planned before, over the 100000") {
		t.Errorf("err = %v, want a bound on entries", err)
	}
	if _, err := exec(t, "task inv=a outcome=ok entries=99999\n"); err != nil {
		t.Errorf("99,999 entries and the end: %v", err)
	}
	if _, err := exec(t, "task inv=a outcome=ok entries=100000\n"); err == nil {
		t.Error("100,000 entries and the end were taken")
	}
	_, err = exec(t, "task inv=a outcome=ok entries=60000\ntask inv=b outcome=ok entries=60000\n")
	if err == nil || !strings.Contains(err.Error(), "line 2: entries=60000: with the attempt's end and the 60001 outputs planned before") {
		t.Errorf("err = %v, want the bound to count every task of the script", err)
	}
}

// A NUL byte (or any control character, or invalid UTF-8) in a script was
// echoed raw in the error; it is now refused with its line and column,
// quoted.
func TestScriptControlCharacters(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"leader p=0 epoch=1\ninv\x00oke p=0 inv=a\n", `s:2: column 4: control character '\x00'`},
		{"invoke p=0 inv=\x1b[31ma\n", `s:1: column 16: control character '\x1b'`},
		{"invoke p=0 inv=\xffa\n", `s:1: column 16: invalid UTF-8 byte "\xff"`},
	} {
		_, err := ParseScript("s", []byte(tc.src))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: err = %v, want %s", tc.src, err, tc.want)
		}
	}
	// Tabs and CRLF line endings are fine.
	if _, err := ParseScript("s", []byte("leader\tp=0 epoch=1\r\ninvoke p=0 inv=a\r\n")); err != nil {
		t.Errorf("tabs and CRLF: %v", err)
	}
}

// An empty script printed "sha256:" with no hash: its hash is the hash of
// an empty log.
func TestEmptyScriptHash(t *testing.T) {
	const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if h := NewScriptRunner().Result().Hash; h != empty {
		t.Errorf("hash of an empty script = %q, want %s", h, empty)
	}
}

// A script could not be interrupted within a command.
func TestScriptInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := NewScriptRunner()
	r.SpillDir = t.TempDir()
	defer r.Close()
	if _, err := r.ExecContext(ctx, Command{Line: 1, Verb: "settle"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// `--plan /dev/zero` and `lab script /dev/zero` grew memory at 500 MB/s
// and ignored SIGINT. Only regular files of a bounded size are read.
func TestReadInputRefuses(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxInputSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/dev/zero", "is a device, not a regular file"},
		{fifo, "is a named pipe, not a regular file"}, // opening it would block
		{dir, "is a directory"},
		{big, "larger than 4 MiB"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		_, err := ReadInput(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.path, err, tc.want)
		}
		if _, err := LoadPlan(tc.path); tc.want != "no such file" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("plan %s: err = %v, want %q", tc.path, err, tc.want)
		}
	}
}

// A plan named with a control character, a tab, a line break or an
// invisible space printed it raw in the report and recorded a schedule
// that lab replay refused (or replayed to another hash). Such names are
// refused at the name; every name accepted goes through a schedule intact.
func TestPlanNamePrintable(t *testing.T) {
	for _, name := range []string{`\e[31mred`, `a\u0000b`, `two\nlines`, `a\tb`, `a\u00a0b`, `a\u2028b`, `a\u200bb`, `a\rb`} {
		src := "name: \"" + name + "\"\nrules: []\n"
		_, err := ParsePlan("p.yaml", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), "p.yaml:1:7: name ") || !strings.Contains(err.Error(), "want printable text") {
			t.Errorf("name %s: err = %v, want p.yaml:1:7: name ...: want printable text", name, err)
		}
	}
	if _, err := ParsePlan("dir/a\x1bb.yaml", []byte("rules: []\n")); err == nil || !strings.HasPrefix(err.Error(), "dir/a\x1bb.yaml:1:1: the plan has no name:") {
		t.Errorf("a plan named after an unprintable file name: err = %v", err)
	}
	for _, name := range []string{"my plan", "a=b#c%20", "ünïcødé", "x"} {
		p, err := ParsePlan("p.yaml", []byte("name: \""+name+"\"\nrules: []\n"))
		if err != nil {
			t.Fatalf("name %q: %v", name, err)
		}
		o := Options{Seed: 1, Node: invoker.DefaultConfig(), Workload: DefaultWorkload(), Plan: p}
		o.Node.Store, o.Workload.Invocations = invoker.MemStores(), 2
		var rec strings.Builder
		o.Record = &rec
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		sch, err := ParseSchedule("s", []byte(rec.String()))
		if err != nil || sch.Header.Plan != name {
			t.Errorf("name %q: the schedule reads back %v, %v", name, sch, err)
		}
	}
}

// A bare word where a verb takes key=value arguments was ignored
// (`config partitions 4` ran one partition), and of a key given twice the
// first one won. Both are now script errors on their line.
func TestScriptStrayWords(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"config partitions 4\n", `line 1: unexpected word "partitions": want key=value arguments, like: config `},
		{"leader p=0 epoch=1 now\n", `line 1: unexpected word "now": want key=value arguments, like: leader p=0 epoch=1`},
		{"leader p=0 epoch=1\nsettle now\n", `line 2: settle takes no arguments, not "now"`},
		{"restart p=0\n", "line 1: unknown argument p= for restart: it takes no arguments"},
		{"config partitions=1 partitions=2\n", "line 1: partitions= given twice"},
		{"leader p=0 epoch=1\ninvoke p=0 inv=a inv=b\n", "line 2: inv= given twice"},
	} {
		_, err := exec(t, tc.src)
		var se *ScriptError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want a script error %s...", tc.src, err, tc.want)
		}
	}
	// The verbs that read a bare word still do.
	if _, err := exec(t, "leader p=0 epoch=1\nadvance 5ms\nexpect ok\n"); err != nil {
		t.Errorf("advance and expect: %v", err)
	}
}

// A confirmed progress bound must be longer than the bound it confirms; a
// run judged by it gets the pick budget of a run under it.
func TestConfirmedBoundRefused(t *testing.T) {
	for _, b := range []Bounds{
		{Progress: 5 * time.Millisecond, ProgressConfirmed: time.Millisecond},
		{Progress: 5 * time.Millisecond, ProgressConfirmed: 5 * time.Millisecond},
		{ProgressConfirmed: time.Minute},
		{Progress: time.Minute, ProgressConfirmed: MaxProgressBound + 1},
	} {
		o := Options{Seed: 1, Node: invoker.DefaultConfig(), Workload: DefaultWorkload(), Bounds: b}
		o.Node.Store = invoker.MemStores()
		var le *LimitError
		if _, err := Run(context.Background(), o); !errors.As(err, &le) || !strings.Contains(err.Error(), "confirmed progress bound") {
			t.Errorf("%+v: err = %v, want a *LimitError naming the confirmed bound", b, err)
		}
	}
	o := Options{Bounds: Bounds{Shutdown: time.Second, Progress: 5 * time.Millisecond, ProgressConfirmed: time.Minute}, MaxPicks: 40}
	o.JudgeByConfirmedBound()
	if want := (Bounds{Shutdown: time.Second, Progress: time.Minute}); o.Bounds != want || o.MaxPicks != 0 {
		t.Errorf("judged by the confirmed bound: %+v, max picks %d; want %+v and the budget of such a run", o.Bounds, o.MaxPicks, want)
	}
}
