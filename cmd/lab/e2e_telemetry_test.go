package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lab/internal/realenv"
)

// telemetryReport is the part of the JSON report these tests read.
type telemetryReport struct {
	OK       bool           `json:"ok"`
	Counts   map[string]int `json:"event_counts"`
	Faults   map[string]int `json:"faults"`
	Steps    int            `json:"invoker_steps"`
	EndNanos int64          `json:"virtual_time_ns"`
	TraceID  string         `json:"trace_id"`
	TraceURL string         `json:"trace_url"`
}

func decodeTelemetryReport(t *testing.T, r result) telemetryReport {
	t.Helper()
	var rep telemetryReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%v", err, r)
	}
	return rep
}

// A paced run of the failing seed, traced into a real Jaeger and scraped by
// a real Prometheus: PromQL gives the counts the report gives, the gauges
// moved while the run went on, and an exemplar's trace id is the run's
// trace, which Jaeger has.
func TestRunObservedByJaegerAndPrometheus(t *testing.T) {
	j := realenv.StartJaeger(t)
	var (
		addr  string
		p     *realenv.Prometheus
		start time.Time
		r     result
	)
	// The metrics port is picked before Prometheus starts, to scrape the
	// run from its first moment; if another process took it in between,
	// the run exits 2, and all starts again on a fresh port.
	for attempt := 1; ; attempt++ {
		addr = realenv.FreeAddr(t)
		p = realenv.StartPrometheus(t, 100*time.Millisecond, addr)
		start = time.Now()
		r = labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP},
			"run", "--pace", "0.25x", "--metrics-addr", addr, "--linger", "2s", "--format", "json",
			"--jaeger-url", j.Query, "--spill-dir", spillDir(t))
		if r.code != exitUsage || !strings.Contains(r.stderr, "address already in use") || attempt == 3 {
			break
		}
		t.Logf("attempt %d: port %s was taken before the run bound it; again on a fresh one", attempt, addr)
	}
	wantCode(t, r, 1)
	rep := decodeTelemetryReport(t, r)
	if len(rep.TraceID) != 32 || rep.TraceURL != j.Query+"/trace/"+rep.TraceID {
		t.Fatalf("trace_id %q, trace_url %q", rep.TraceID, rep.TraceURL)
	}
	if !strings.Contains(r.stderr, "serving metrics on http://"+addr+"/metrics") {
		t.Errorf("stderr does not say where metrics are:\n%v", r)
	}

	// The run is over: its series went stale, so read their last values.
	last := func(q string) float64 {
		t.Helper()
		s := p.Query(t, "sum(max_over_time("+q+"[5m]))")
		if len(s) != 1 {
			t.Fatalf("%s: %v", q, s)
		}
		return s[0].Value
	}
	checks := []struct {
		q    string
		want int
	}{
		{`lab_invoker_enqueue_total`, rep.Counts["invoker.enqueue"]},
		{`lab_invoker_invocation_tasks_total{status="started"}`, rep.Counts["task.start"]},
		{`lab_invariant_violations_total{invariant="no-panic"}`, 1},
		{`lab_runs_total{variant="buggy",verdict="violated"}`, 1},
		{`lab_sim_steps_total{kind="invoker"}`, rep.Steps},
		{`lab_faults_injected_total{kind="delay"}`, rep.Faults["delay"]},
	}
	for _, c := range checks {
		if got := last(c.q); got != float64(c.want) {
			t.Errorf("%s = %v in Prometheus, %d in the report", c.q, got, c.want)
		}
	}
	// The virtual clock was scraped mid-run, between its start and its end.
	end := float64(rep.EndNanos) / 1e9
	mid := 0
	for _, v := range p.Samples(t, "lab_sim_virtual_time_seconds", 5*time.Minute) {
		if v > 0 && v < end {
			mid++
		}
	}
	if mid == 0 {
		t.Errorf("no scrape saw the virtual clock between 0 and %vs", end)
	}

	ex := p.Exemplars(t, "lab_invoker_task_duration_seconds_bucket", start.Add(-time.Minute), time.Now())
	if len(ex) == 0 {
		t.Fatal("no exemplar on lab_invoker_task_duration_seconds")
	}
	for _, e := range ex {
		if e.Labels["trace_id"] != rep.TraceID {
			t.Fatalf("exemplar trace_id %q, the run's trace is %s", e.Labels["trace_id"], rep.TraceID)
		}
	}
	tr := j.GetTrace(t, ex[0].Labels["trace_id"], rep.Counts["pp.accepted"], 10*time.Second)
	if len(tr.Spans) == 0 {
		t.Fatal("Jaeger does not resolve the exemplar's trace")
	}
}

// silentCollector is the address of a listener that accepts connections
// and never answers, until the test ends.
func silentCollector(t *testing.T) string {
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hole.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return hole.Addr().String()
}

// A collector that is down, or one that never answers, neither hangs nor
// fails the run: it ends with its own exit code, and says how many spans
// were not delivered.
func TestRunCollectorDown(t *testing.T) {
	endpoints := map[string][]string{
		"down":           {"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + realenv.DownAddr(t)},
		"silent":         {"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + silentCollector(t)},
		"down over gRPC": {"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + realenv.DownAddr(t), "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"},
	}
	for name, env := range endpoints {
		t.Run(name, func(t *testing.T) {
			// The export gives up (after its 2 s timeout) instead of
			// hanging: labWithEnv fails a run still going after
			// cmdTimeout, far beyond what even a loaded machine takes.
			r := labWithEnv(t, env, "run", "--otlp", "--spill-dir", spillDir(t))
			wantCode(t, r, 1)
			if !strings.Contains(r.stderr, "spans not delivered to the OTLP collector") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr does not say what was lost, in one line:\n%v", r)
			}
			if !strings.Contains(r.stdout, "\ntrace        ") {
				t.Errorf("the report does not name the trace:\n%v", r)
			}
		})
	}
}

// An endpoint variable turns export on, but --otlp=false and
// OTEL_SDK_DISABLED=true turn it off again, and an endpoint of spaces alone
// is unset: each of these waited 2 s on a collector and said its spans were
// lost.
func TestOTLPTurnedOff(t *testing.T) {
	down := "OTEL_EXPORTER_OTLP_ENDPOINT=http://" + realenv.DownAddr(t)
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"--otlp=false", []string{down}, []string{"--otlp=false"}},
		{"OTEL_SDK_DISABLED", []string{down, "OTEL_SDK_DISABLED=true"}, nil},
		{"an endpoint of spaces", []string{"OTEL_EXPORTER_OTLP_ENDPOINT=   "}, nil},
	} {
		r := labWithEnv(t, c.env, append([]string{"run", "--variant", "fixed", "--spill-dir", spillDir(t)}, c.args...)...)
		wantCode(t, r, 0)
		if r.stderr != "" || strings.Contains(r.stdout, "\ntrace        ") {
			t.Errorf("%s: the run was exported:\n%v", c.name, r)
		}
	}
}

// --jaeger-url is printed for pasting: anything but the address of a web
// UI is refused, and an escape in it is spelt out, not obeyed.
func TestJaegerURLChecked(t *testing.T) {
	for _, cmd := range [][]string{{"run"}, {"compare"}, {"bugs", "2543"}} {
		for _, u := range []string{"http://x\x1b]0;pwned\a/", "not a url", "ftp://x", "http://x/?q=1"} {
			r := lab(t, append(cmd, "--jaeger-url", u)...)
			wantUsageError(t, r, true, "--jaeger-url")
			if strings.ContainsRune(r.stderr, 0x1b) {
				t.Errorf("%v --jaeger-url %q: the escape reached the terminal:\n%v", cmd, u, r)
			}
		}
	}
}

// With a fixed time anchor the same run writes the same trace file, byte for
// byte, and names the same trace.
func TestRunTraceFileIsReproducible(t *testing.T) {
	dir := t.TempDir()
	var files [][]byte
	var ids []string
	for _, name := range []string{"a.json", "b.json"} {
		path := filepath.Join(dir, name)
		r := lab(t, "run", "--variant", "fixed", "--trace-out", path, "--time-anchor", "2026-01-01T00:00:00Z",
			"--format", "json", "--spill-dir", spillDir(t))
		wantCode(t, r, 0)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files, ids = append(files, b), append(ids, decodeTelemetryReport(t, r).TraceID)
	}
	if !bytes.Equal(files[0], files[1]) || ids[0] != ids[1] || ids[0] == "" {
		t.Errorf("two runs wrote different trace files (trace ids %v)", ids)
	}
	if !bytes.Contains(files[0], []byte(`"traceId":"`+ids[0]+`"`)) || !bytes.Contains(files[0], []byte(`"startTimeUnixNano":"1767225600000000000"`)) {
		t.Errorf("the file does not hold the run's trace at the anchor")
	}
}

// Bad telemetry flags are usage errors, and leave no file behind.
func TestRunTelemetryBadInput(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	events := filepath.Join(dir, "events.jsonl")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--time-anchor", "yesterday"}, "--time-anchor"},
		// Year 1 was taken for no anchor, 9999 gave spans negative times.
		{[]string{"--time-anchor", "0001-01-01T00:00:00Z"}, "--time-anchor 0001-01-01T00:00:00Z: want a time after 1970-01-01 and before 2200-01-01"},
		{[]string{"--time-anchor", "9999-12-31T23:59:59Z"}, "--time-anchor 9999-12-31T23:59:59Z: want a time after 1970-01-01"},
		{[]string{"--time-anchor", "1969-12-31T23:59:59Z"}, "--time-anchor 1969-12-31T23:59:59Z: want a time after 1970-01-01"},
		{[]string{"--linger", "1s"}, "--linger needs --metrics-addr"},
		{[]string{"--await-scrape", "1s"}, "--await-scrape needs --metrics-addr"},
		{[]string{"--metrics-addr", "127.0.0.1:0", "--await-scrape", "-1s"}, "--await-scrape -1s: must not be negative"},
		{[]string{"--metrics-addr", "nope"}, "--metrics-addr"},
		{[]string{"--metrics-addr", busy.Addr().String(), "--events", events}, "--metrics-addr"},
		{[]string{"--trace-out", filepath.Join(dir, "no", "such", "dir.json"), "--events", events}, "--trace-out"},
	}
	for _, c := range cases {
		r := lab(t, append([]string{"run"}, c.args...)...)
		wantUsageError(t, r, true, c.want)
		if left := dirEntries(t, dir); len(left) > 0 {
			t.Errorf("%v left %v", c.args, left)
		}
	}
	r := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_PROTOCOL=http/json", "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1"}, "run")
	wantUsageError(t, r, true, "OTEL_EXPORTER_OTLP_PROTOCOL")
	// An endpoint that is not an http(s) URL made the SDK log a line of its
	// own and send to https://localhost:4318 instead.
	for _, env := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT=::::", "OTEL_EXPORTER_OTLP_ENDPOINT=http://[::1",
		"OTEL_EXPORTER_OTLP_ENDPOINT=ftp://127.0.0.1:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://"} {
		name, _, _ := strings.Cut(env, "=")
		r := labWithEnv(t, []string{env}, "run", "--spill-dir", spillDir(t))
		wantUsageError(t, r, true, name+" ", "want a URL like http://127.0.0.1:4318")
	}
	// The SDK logged these as lines of its own (three for a header),
	// through the standard log too, and went on without them; the traces'
	// protocol was called OTEL_EXPORTER_OTLP_PROTOCOL.
	pem := writeFile(t, t.TempDir(), "ca.pem", "not a certificate\n")
	for _, c := range []struct{ env, want string }{
		{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=bogus", `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL "bogus": want grpc or http/protobuf`},
		{"OTEL_EXPORTER_OTLP_HEADERS=%%%,=,a", `OTEL_EXPORTER_OTLP_HEADERS "%%%,=,a": want key=value pairs`},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS=a=b,c=%zz", `the value of c: invalid URL escape "%zz"`},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE=/no/such/ca.pem", `OTEL_EXPORTER_OTLP_CERTIFICATE "/no/such/ca.pem": no such file`},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + pem, "no PEM certificate in it"},
		{"OTEL_EXPORTER_OTLP_CLIENT_KEY=" + pem, "OTEL_EXPORTER_OTLP_CLIENT_KEY is set without OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION=zstd", "want gzip or none"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT=soon", "want milliseconds"},
		{"OTEL_RESOURCE_ATTRIBUTES=a=%%,=,,b", `OTEL_RESOURCE_ATTRIBUTES "a=%%,=,,b": `},
		// A port no socket has, and a query the SDK drops, were taken.
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:99999", `port 99999: want 1 to 65535`},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces?x=1", `a query or fragment would be dropped`},
		// OTLP refused them after the run, and every span was lost (exit 1).
		{"OTEL_RESOURCE_ATTRIBUTES=x=%FF", `OTEL_RESOURCE_ATTRIBUTES "x=%FF": x is not UTF-8`},
		{"OTEL_SERVICE_NAME=lab\xff", `OTEL_SERVICE_NAME "lab\xff": not UTF-8`},
		// HTTP refused the header, and every span was lost (exit 0).
		{"OTEL_EXPORTER_OTLP_HEADERS=a=b%0Ac", `the value of a holds the control character '\n'`},
		// The SDK pairs a certificate with the key of its own prefix: split
		// across two, neither was used, silently.
		{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=" + pem + " OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY=" + pem,
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set without OTEL_EXPORTER_OTLP_CLIENT_KEY"},
		// A CA for a plain-text collector: the SDK refused it without a name.
		{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + selfSignedPEM(t), `OTEL_EXPORTER_OTLP_CERTIFICATE is set, but OTEL_EXPORTER_OTLP_ENDPOINT "http://127.0.0.1:1" is plain text`},
	} {
		r := labWithEnv(t, append(strings.Fields(c.env), "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1"), "run", "--spill-dir", spillDir(t))
		wantOneLineError(t, r, c.want)
		wantCode(t, r, 2)
	}
}

// A trace file that cannot be written is the lab failing (exit 3), said in
// one line, even when the run itself found a violation.
// The same for --schedule-out; neither is called an "internal error" (a bug
// of the lab) any more.
func TestRunTraceOutUnwritable(t *testing.T) {
	for _, flag := range []string{"--trace-out", "--schedule-out"} {
		r := lab(t, "run", flag, "/dev/full", "--spill-dir", spillDir(t))
		wantCode(t, r, 3)
		wantOneLineError(t, r, flag, "/dev/full: no space left on device")
		if strings.Contains(r.stderr, "internal error") {
			t.Errorf("%s /dev/full: %q calls a full disk an internal error", flag, r.stderr)
		}
	}
}

// Replaying a recorded schedule with the same anchor gives the same trace,
// byte for byte.
func TestReplayGivesTheSameTrace(t *testing.T) {
	dir := t.TempDir()
	sched, a, b := filepath.Join(dir, "run.schedule"), filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	anchor := "2026-01-01T00:00:00Z"
	wantCode(t, lab(t, "run", "--schedule-out", sched, "--trace-out", a, "--time-anchor", anchor, "--spill-dir", spillDir(t)), 1)
	wantCode(t, lab(t, "replay", sched, "--trace-out", b, "--time-anchor", anchor, "--spill-dir", spillDir(t)), 1)
	fa, errA := os.ReadFile(a)
	fb, errB := os.ReadFile(b)
	if errA != nil || errB != nil || len(fa) == 0 || !bytes.Equal(fa, fb) {
		t.Errorf("the replay's trace differs from the run's (%v, %v)", errA, errB)
	}
}

// lab shrink --otlp exports the schedule's run and the shrunk run as two
// traces, and prints the Jaeger URL that compares them. Both reach a real
// Jaeger: seed 28 of `none` accepts 39 invocations before its panic closes
// the ingress, the shrunk schedule 2.
func TestShrinkTracesBeforeAndAfter(t *testing.T) {
	j := realenv.StartJaeger(t)
	sched := filepath.Join(t.TempDir(), "seed28.schedule")
	run := lab(t, "run", "--seed", "28", "--plan", "none", "--schedule-out", sched, "--format", "json")
	wantCode(t, run, 1)
	accepted := decodeTelemetryReport(t, run).Counts["pp.accepted"]
	r := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "shrink", sched, "--format", "json",
		"--jaeger-url", j.Query)
	wantCode(t, r, 1)
	var rep struct {
		Traces struct {
			Original, Shrunk string
			CompareURL       string `json:"compare_url"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	a, b := rep.Traces.Original, rep.Traces.Shrunk
	if len(a) != 32 || len(b) != 32 || a == b ||
		rep.Traces.CompareURL != j.Query+"/trace/"+a+"..."+b+"?cohort="+a+"&cohort="+b {
		t.Fatalf("traces %+v", rep.Traces)
	}
	for id, want := range map[string]int{a: accepted, b: 2} {
		if got := invocationSpans(t, j, id, want); got != want {
			t.Errorf("trace %s has %d invocation spans, want %d", id, got, want)
		}
	}
	text := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "shrink", sched, "-o",
		filepath.Join(t.TempDir(), "again.schedule"), "--jaeger-url", j.Query)
	wantCode(t, text, 1)
	if !strings.Contains(text.stdout, "compare      "+j.Query+"/trace/") || !strings.Contains(text.stdout, "traces       original ") {
		t.Errorf("the text report names no traces:\n%s", text.stdout)
	}
}

// lab explore --out --otlp exports each saved failure's run and its
// shrunk run (and, with --against, its run under the fix) as traces in a
// real Jaeger, names them in the report and links their comparison: seed
// 28 of none is the first to fail, its run accepts 39 invocations and its
// shrunk schedule 2.
func TestExploreTracesTheSavedFailures(t *testing.T) {
	j := realenv.StartJaeger(t)
	out := t.TempDir()
	r := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "explore", "--plan", "none", "--seeds", "30",
		"--out", out, "--format", "json", "--jaeger-url", j.Query)
	wantCode(t, r, 1)
	var rep struct {
		Failures []struct {
			Seed   uint64
			Traces *struct {
				Original, Shrunk string
				CompareURL       string `json:"compare_url"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Failures) != 1 || rep.Failures[0].Seed != 28 {
		t.Fatalf("%v: %+v\n%v", err, rep, r)
	}
	tr := rep.Failures[0].Traces
	if tr == nil || len(tr.Original) != 32 || len(tr.Shrunk) != 32 || tr.Original == tr.Shrunk ||
		tr.CompareURL != j.Query+"/trace/"+tr.Original+"..."+tr.Shrunk+"?cohort="+tr.Original+"&cohort="+tr.Shrunk {
		t.Fatalf("traces %+v", tr)
	}
	for id, want := range map[string]int{tr.Original: 39, tr.Shrunk: 2} {
		if got := invocationSpans(t, j, id, want); got != want {
			t.Errorf("trace %s has %d invocation spans, want %d", id, got, want)
		}
	}
	// With --against, the seed's run under the fix is a trace too, compared
	// with the failing one: fixed accepts what the seed's fixed run does.
	r = labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "explore", "--plan", "none", "--seeds", "30",
		"--out", t.TempDir(), "--format", "json", "--jaeger-url", j.Query, "--against", "fixed", "--shrink-budget", "0")
	wantCode(t, r, 1)
	var against struct {
		Failures []struct {
			Traces *struct {
				Original, Against string
				AgainstURL        string `json:"against_url"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &against); err != nil || len(against.Failures) != 1 || against.Failures[0].Traces == nil {
		t.Fatalf("%v: %+v\n%v", err, against, r)
	}
	at := against.Failures[0].Traces
	if len(at.Against) != 32 || at.Against == at.Original ||
		at.AgainstURL != j.Query+"/trace/"+at.Original+"..."+at.Against+"?cohort="+at.Original+"&cohort="+at.Against {
		t.Fatalf("traces %+v", at)
	}
	fixed := decodeTelemetryReport(t, lab(t, "run", "--seed", "28", "--plan", "none", "--variant", "fixed", "--format", "json")).Counts["pp.accepted"]
	if got := invocationSpans(t, j, at.Against, fixed); got != fixed || fixed <= 39 {
		t.Errorf("the run against fixed has %d invocation spans, want the %d its run accepts", got, fixed)
	}
	// Unshrunk, a failure has one trace; the text names it.
	text := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "explore", "--plan", "none", "--seeds", "30",
		"--out", t.TempDir(), "--shrink-budget", "0")
	wantCode(t, text, 1)
	if !regexp.MustCompile(`\n  trace      [0-9a-f]{32}\n`).MatchString(text.stdout) {
		t.Errorf("the text report names no trace:\n%s", text.stdout)
	}
	wantUsageError(t, lab(t, "explore", "--seeds", "1", "--otlp"), true, "--otlp traces the failures --out saves")
}

// invocationSpans counts a trace's invocation spans in Jaeger, waiting up
// to 10s for want of them (Jaeger stores what it receives in batches).
func invocationSpans(t *testing.T, j *realenv.Jaeger, id string, want int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := 0
		for _, s := range j.GetTrace(t, id, 1, 10*time.Second).Spans {
			if s.Name == "invocation" {
				n++
			}
		}
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lab compare with OTLP: the two runs are two traces in a real Jaeger, each
// with every invocation the runs accepted, and the report links Jaeger's
// comparison of the pair.
func TestCompareTracesBothRuns(t *testing.T) {
	j := realenv.StartJaeger(t)
	r := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "compare", "--format", "json", "--jaeger-url", j.Query)
	wantCode(t, r, 1)
	var rep struct {
		Traces struct {
			A, B       string
			CompareURL string `json:"compare_url"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	a, b := rep.Traces.A, rep.Traces.B
	if len(a) != 32 || len(b) != 32 || a == b || rep.Traces.CompareURL != j.Query+"/trace/"+a+"..."+b+"?cohort="+a+"&cohort="+b {
		t.Fatalf("traces %+v", rep.Traces)
	}
	// The ingress stops at the shutdown: both runs accept what the seed's
	// run does, before they part there.
	accepted := decodeTelemetryReport(t, lab(t, "run", "--format", "json")).Counts["pp.accepted"]
	for _, id := range []string{a, b} {
		if got := invocationSpans(t, j, id, accepted); got != accepted || accepted == 0 {
			t.Errorf("trace %s has %d invocation spans, want the %d each run accepted", id, got, accepted)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
}

// lab bugs with OTLP: the shrunk run and its fix are two traces in a real
// Jaeger, each with the two invocations the shrunk #2543 run accepted,
// and the report links Jaeger's comparison of the pair.
func TestBugTracesBothRuns(t *testing.T) {
	j := realenv.StartJaeger(t)
	r := labWithEnv(t, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + j.OTLPHTTP}, "bugs", "2543", "--format", "json", "--jaeger-url", j.Query)
	wantCode(t, r, 0)
	var rep struct {
		Compared struct {
			Traces struct {
				A, B       string
				CompareURL string `json:"compare_url"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	a, b := rep.Compared.Traces.A, rep.Compared.Traces.B
	if len(a) != 32 || len(b) != 32 || a == b || rep.Compared.Traces.CompareURL != j.Query+"/trace/"+a+"..."+b+"?cohort="+a+"&cohort="+b {
		t.Fatalf("traces %+v", rep.Compared.Traces)
	}
	for _, id := range []string{a, b} {
		if got := invocationSpans(t, j, id, 2); got != 2 {
			t.Errorf("trace %s has %d invocation spans, want the 2 each run accepted", id, got)
		}
	}
}

// selfSignedPEM writes a CA certificate that parses, for the checks that
// come after the file's own.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lab test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

// Nobody scraping within --await-scrape: the run goes on, and says so.
func TestAwaitScrapeWithoutScraper(t *testing.T) {
	r := lab(t, "run", "--metrics-addr", "127.0.0.1:0", "--await-scrape", "300ms", "--spill-dir", spillDir(t))
	wantCode(t, r, 1)
	if !regexp.MustCompile(`lab: no scrape of http://127\.0\.0\.1:\d+/metrics within 300ms; going on`).MatchString(r.stderr) ||
		!strings.Contains(r.stdout, "no-panic") {
		t.Errorf("%v", r)
	}
}

// With --await-scrape, an unpaced run, over in milliseconds, waits for
// Prometheus to store its counters at 0 first, so increase() counts all
// of it: every counter series' first sample is 0 (one that first appears
// at 5 loses those 5), and the enqueues' increase is at least the
// report's count. The same holds for an exploration's counters.
func TestAwaitScrapeCountsFromZero(t *testing.T) {
	var (
		p         *realenv.Prometheus
		run, expl result
		start     time.Time
	)
	for attempt := 1; ; attempt++ {
		runAddr, exploreAddr := realenv.FreeAddr(t), realenv.FreeAddr(t)
		p = realenv.StartPrometheus(t, 100*time.Millisecond, runAddr, exploreAddr)
		start = time.Now()
		run = lab(t, "run", "--metrics-addr", runAddr, "--await-scrape", "30s", "--linger", "500ms",
			"--format", "json", "--spill-dir", spillDir(t))
		expl = lab(t, "explore", "--variant", "buggy", "--seeds", "40", "--workers", "1",
			"--metrics-addr", exploreAddr, "--await-scrape", "30s", "--linger", "500ms")
		taken := func(r result) bool {
			return r.code == exitUsage && strings.Contains(r.stderr, "address already in use")
		}
		if !taken(run) && !taken(expl) || attempt == 3 {
			break
		}
		t.Logf("attempt %d: a metrics port was taken before the lab bound it; again on fresh ones", attempt)
	}
	wantCode(t, run, 1)
	wantCode(t, expl, 1)
	if !strings.Contains(run.stderr, "waiting up to 30s for a first scrape") || strings.Contains(run.stderr, "no scrape") {
		t.Errorf("stderr:\n%v", run)
	}
	rep := decodeTelemetryReport(t, run)
	window := time.Since(start) + 10*time.Second
	counted := 0
	for _, s := range p.Series(t, `{__name__=~"lab_.+(_total|_count|_bucket)"}`, window) {
		if len(s.Values) == 0 {
			continue
		}
		if s.Values[0] != 0 {
			t.Errorf("%v: first sample %v, want 0 (samples %v)", s.Labels, s.Values[0], s.Values)
		}
		if s.Values[len(s.Values)-1] > 0 {
			counted++
		}
	}
	if counted == 0 {
		t.Fatal("no counter moved")
	}
	// The gauges are in every scrape the counters are in, from the first,
	// which found the run at time 0 with every slot free.
	counter := p.Series(t, `lab_invoker_enqueue_total{partition="0"}`, window)
	for _, g := range []struct {
		selector string
		first    float64
	}{
		{"lab_sim_virtual_time_seconds", 0},
		{`lab_invoker_available_slots{invoker="0"}`, 8},
	} {
		s := p.Series(t, g.selector, window)
		if len(s) != 1 || len(counter) != 1 || len(s[0].Values) != len(counter[0].Values) || s[0].Values[0] != g.first {
			t.Errorf("%s: %v, want a first sample of %v and one sample for each of the counter's %v", g.selector, s, g.first, counter)
		}
	}
	for _, c := range []struct {
		q    string
		want int
	}{
		{"lab_invoker_enqueue_total", rep.Counts["invoker.enqueue"]},
		{`lab_explore_failures_total{invariant="no-panic"}`, 1},
	} {
		q := fmt.Sprintf("sum(increase(%s[%ds]))", c.q, int(window.Seconds()))
		if got := p.Query(t, q); len(got) != 1 || got[0].Value < float64(c.want) {
			t.Errorf("%s = %v, want at least %d", q, got, c.want)
		}
	}
}
