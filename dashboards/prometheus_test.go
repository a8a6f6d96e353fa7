package dashboards_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/internal/realenv"
)

// scrapeEvery is the test Prometheus's scrape interval; Grafana's
// $__rate_interval at a step of one scrape is four of them.
const (
	scrapeEvery  = 250 * time.Millisecond
	rateInterval = "1s"
)

// Every panel query, as Grafana sends it, returns data from a real
// Prometheus (Debian's) that scraped three real paced runs of the lab (the
// README's seed of shutdown-race: buggy, fixed with a memory pool of half
// the node's slots, and fixed through vqueues, unguarded), an exploration and lab
// inevitable's chart of a failing schedule; every template variable has
// values; every exemplar query returns the runs' trace ids; and the
// chart's panel shows the curve lab inevitable printed.
func TestPanelsAgainstRealPrometheus(t *testing.T) {
	lab := buildLab(t)
	schedule := failingSchedule(t, lab)
	var (
		prom                                  *realenv.Prometheus
		start, end                            time.Time
		buggy, fixed, vqueues, explore, chart *labRun
	)
	// The lab's metrics ports are picked before Prometheus starts, to
	// scrape them from the first moment; one taken by another process in
	// between makes that lab exit 2: all start again on fresh ports.
	for attempt := 1; ; attempt++ {
		buggyAddr, fixedAddr, vqueuesAddr := realenv.FreeAddr(t), realenv.FreeAddr(t), realenv.FreeAddr(t)
		exploreAddr, chartAddr := realenv.FreeAddr(t), realenv.FreeAddr(t)
		prom = realenv.StartPrometheus(t, scrapeEvery, buggyAddr, fixedAddr, vqueuesAddr, chartAddr, exploreAddr)
		start = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		explore = startLab(ctx, t, lab, "explore", "explore", "--variant", "buggy", "--plan", "chaos",
			"--duration", "3s", "--workers", "1", "--against", "fixed", "--metrics-addr", exploreAddr, "--linger", "1500ms")
		buggy = startRun(ctx, t, lab, "buggy", buggyAddr, "--variant", "buggy")
		fixed = startRun(ctx, t, lab, "fixed", fixedAddr, "--variant", "fixed", "--memory-limit", "16")
		vqueues = startRun(ctx, t, lab, "vqueues", vqueuesAddr, "--variant", "fixed", "--vqueues", "unguarded")
		chart = startLab(ctx, t, lab, "inevitable", "inevitable", schedule, "--stride", "40", "--suffixes", "20",
			"--workers", "1", "--format", "json", "--metrics-addr", chartAddr, "--linger", "1500ms")
		taken := false
		for _, r := range []*labRun{explore, buggy, fixed, vqueues, chart} {
			taken = taken || r.portTaken(t)
		}
		if !taken || attempt == 3 {
			break
		}
		cancel()
		t.Logf("attempt %d: a metrics port was taken before the lab bound it; again on fresh ports", attempt)
	}
	traces := map[string]string{buggy.trace(t, 1): "buggy", fixed.trace(t, 0): "fixed", vqueues.trace(t, 1): "vqueues"}
	explore.wait(t, 0, 1)
	chart.wait(t, 1)
	end = time.Now()
	reranInStep(t, prom.URL, end, explore.stdout.String())

	for _, b := range boards(t) {
		for _, v := range b.Templating.List {
			m := labelValues.FindStringSubmatch(v.Query)
			if m == nil {
				t.Fatalf("%s: variable %s: %q", b.File, v.Name, v.Query)
			}
			if vals := promLabelValues(t, prom.URL, m[2], m[1], start, end); len(vals) == 0 {
				t.Errorf("%s: variable %s has no values", b.File, v.Name)
			}
		}
		for _, p := range b.Panels {
			for _, q := range p.Targets {
				expr := concrete(q.Expr, rateInterval, "5m")
				var series []promSeries
				if q.Instant {
					series = promInstant(t, prom.URL, expr, end)
				} else {
					series = promRange(t, prom.URL, expr, start, end, scrapeEvery)
				}
				if p.Type == "barchart" {
					sameCurve(t, b.where(p), series, chart.stdout.String())
				}
				switch {
				case readsPending(t, q.Expr):
					t.Logf("%s query %s reads metrics no code exports yet: %d series", b.where(p), q.RefID, len(series))
				case len(series) == 0:
					t.Errorf("%s query %s returns no series: %s", b.where(p), q.RefID, expr)
				case !anyNumber(series):
					t.Errorf("%s query %s returns only NaN: %s", b.where(p), q.RefID, expr)
				}
				if !q.Exemplar {
					continue
				}
				ex := promExemplars(t, prom.URL, expr, start, end)
				if len(ex) == 0 {
					t.Errorf("%s query %s: no exemplar: %s", b.where(p), q.RefID, expr)
				}
				for _, id := range ex {
					if _, ok := traces[id]; !ok {
						t.Errorf("%s query %s: exemplar trace_id %q is neither run's trace (%v)", b.where(p), q.RefID, id, traces)
					}
				}
			}
		}
	}
}

// heldOn is the report's count of seeds the other side held no-panic on.
var heldOn = regexp.MustCompile(`against fixed: held no-panic on (\d+) of (\d+) seeds`)

// reranInStep holds the reruns' counter, at its last scrape, to the
// report: fixed held no-panic on every seed buggy panicked on.
func reranInStep(t *testing.T, prom string, at time.Time, report string) {
	t.Helper()
	m := heldOn.FindStringSubmatch(report)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("lab explore --against fixed: no panics held by fixed in its report:\n%s", report)
	}
	series := promInstant(t, prom, `lab_explore_against_total{invariant="no-panic",outcome="held"}`, at)
	if len(series) != 1 || len(series[0].Values) != 1 || fmt.Sprint(series[0].Values[0][1]) != m[1] {
		t.Errorf("lab_explore_against_total held no-panic: %v, the report says %s", series, m[1])
	}
}

// failingSchedule records seed 28 of none with the buggy invoker, whose
// failure becomes likely at one pick: a curve with a jump.
func failingSchedule(t *testing.T, lab string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "seed28.schedule")
	cmd := exec.Command(lab, "run", "--seed", "28", "--plan", "none", "--variant", "buggy", "--schedule-out", path, "--spill-dir", dir)
	if out, err := cmd.CombinedOutput(); cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("lab run seed 28: %v (want exit 1)\n%s", err, out)
	}
	return path
}

// sameCurve holds the chart panel's table (P by picks) to the curve lab
// inevitable printed as JSON.
func sameCurve(t *testing.T, at string, series []promSeries, printed string) {
	t.Helper()
	var curve struct {
		Points []struct {
			Picks int     `json:"picks"`
			P     float64 `json:"p"`
		} `json:"points"`
	}
	if err := json.Unmarshal([]byte(printed), &curve); err != nil || len(curve.Points) == 0 {
		t.Fatalf("lab inevitable printed no curve (%v): %s", err, printed)
	}
	shown := map[string]string{}
	for _, s := range series {
		if len(s.Values) > 0 {
			shown[s.Metric["picks"]] = fmt.Sprint(s.Values[len(s.Values)-1][1])
		}
	}
	if len(shown) != len(curve.Points) {
		t.Errorf("%s shows %d points, the curve has %d: %v", at, len(shown), len(curve.Points), shown)
	}
	for _, pt := range curve.Points {
		if v := shown[strconv.Itoa(pt.Picks)]; v != strconv.FormatFloat(pt.P, 'f', -1, 64) {
			t.Errorf("%s: P after %d picks shown as %q, the curve says %v", at, pt.Picks, v, pt.P)
		}
	}
}

// buildLab builds the lab binary into a temporary directory.
func buildLab(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lab")
	if out, err := exec.Command("go", "build", "-o", bin, "lab/cmd/lab").CombinedOutput(); err != nil {
		t.Fatalf("go build lab/cmd/lab: %v\n%s", err, out)
	}
	return bin
}

type labRun struct {
	name   string
	done   chan error
	stdout strings.Builder
	stderr strings.Builder
	// ended is set once the run ended with err.
	ended bool
	err   error
}

// exit waits for the lab to end and returns its exit code.
func (r *labRun) exit(t *testing.T) int {
	t.Helper()
	if !r.ended {
		r.err, r.ended = <-r.done, true
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	} else if r.err != nil {
		t.Fatalf("lab %s: %v", r.name, r.err)
	}
	return 0
}

// portTaken waits for the lab to end and reports whether it could not
// listen on its metrics address because another process had it.
func (r *labRun) portTaken(t *testing.T) bool {
	return r.exit(t) == 2 && strings.Contains(r.stderr.String(), "address already in use")
}

// startRun starts a paced, traced run of the README's seed, its shape the
// flags given (its variant included), serving its metrics on addr and
// lingering long enough for a few scrapes of its final state; name says
// which in failures.
func startRun(ctx context.Context, t *testing.T, lab, name, addr string, shape ...string) *labRun {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"run", "--seed", strconv.Itoa(faults.DefaultSeed), "--plan", "shutdown-race",
		"--pace", "0.2x", "--metrics-addr", addr, "--linger", "1500ms", "--format", "json",
		"--trace-out", filepath.Join(dir, "trace.json"), "--spill-dir", dir}, shape...)
	return startLab(ctx, t, lab, name, args...)
}

// startLab starts the lab binary with args; name says which in failures.
func startLab(ctx context.Context, t *testing.T, lab, name string, args ...string) *labRun {
	t.Helper()
	cmd := exec.CommandContext(ctx, lab, args...)
	r := &labRun{name: name, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	return r
}

// trace waits for the run to end with the exit code want and returns its
// trace id.
func (r *labRun) trace(t *testing.T, want int) string {
	t.Helper()
	r.wait(t, want)
	var rep struct {
		TraceID string `json:"trace_id"`
	}
	if err := json.Unmarshal([]byte(r.stdout.String()), &rep); err != nil || !traceID.MatchString(rep.TraceID) {
		t.Fatalf("lab run %s: no trace id in the report (%v): %s", r.name, err, r.stdout.String())
	}
	return rep.TraceID
}

// wait waits for the lab to end with one of the exit codes want.
func (r *labRun) wait(t *testing.T, want ...int) {
	t.Helper()
	if code := r.exit(t); !slices.Contains(want, code) {
		t.Fatalf("lab %s: exit %d, want one of %v\nstderr: %s", r.name, code, want, r.stderr.String())
	}
}

var traceID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// readsPending reports whether an expression reads a metric nobody exports
// yet.
func readsPending(t *testing.T, expr string) bool {
	for name := range selectors(parse(t, expr)) {
		if _, ok := pendingMetrics[name]; ok {
			return true
		}
	}
	return false
}

type promSeries struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

func anyNumber(series []promSeries) bool {
	for _, s := range series {
		for _, v := range s.Values {
			if f, err := strconv.ParseFloat(fmt.Sprint(v[1]), 64); err == nil && !math.IsNaN(f) {
				return true
			}
		}
	}
	return false
}

// promRange runs a range query, as a Grafana time series panel does.
func promRange(t *testing.T, base, expr string, start, end time.Time, step time.Duration) []promSeries {
	t.Helper()
	var out []promSeries
	promGet(t, base, "/api/v1/query_range", url.Values{"query": {expr}, "start": {unix(start)},
		"end": {unix(end)}, "step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}, &struct {
		Result *[]promSeries `json:"result"`
	}{&out})
	return out
}

// promInstant runs an instant query at the time at, as a Grafana panel
// that reads the latest values does; each sample becomes a series of one
// value.
func promInstant(t *testing.T, base, expr string, at time.Time) []promSeries {
	t.Helper()
	var vector []struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	promGet(t, base, "/api/v1/query", url.Values{"query": {expr}, "time": {unix(at)}}, &struct {
		Result *[]struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}{&vector})
	out := make([]promSeries, len(vector))
	for i, v := range vector {
		out[i] = promSeries{Metric: v.Metric, Values: [][2]any{v.Value}}
	}
	return out
}

// promExemplars returns the trace ids of the exemplars of the series expr
// reads, as Grafana asks for them.
func promExemplars(t *testing.T, base, expr string, start, end time.Time) []string {
	t.Helper()
	var data []struct {
		Exemplars []struct {
			Labels map[string]string `json:"labels"`
		} `json:"exemplars"`
	}
	promGet(t, base, "/api/v1/query_exemplars", url.Values{"query": {expr}, "start": {unix(start)}, "end": {unix(end)}}, &data)
	var ids []string
	for _, s := range data {
		for _, e := range s.Exemplars {
			ids = append(ids, e.Labels["trace_id"])
		}
	}
	return ids
}

// promLabelValues is what Grafana asks for label_values(metric, label).
func promLabelValues(t *testing.T, base, label, metric string, start, end time.Time) []string {
	t.Helper()
	var vals []string
	promGet(t, base, "/api/v1/label/"+label+"/values", url.Values{"match[]": {metric}, "start": {unix(start)}, "end": {unix(end)}}, &vals)
	return slices.DeleteFunc(vals, func(s string) bool { return s == "" })
}

func unix(t time.Time) string { return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64) }

func promGet(t *testing.T, base, path string, q url.Values, data any) {
	t.Helper()
	resp, err := http.Get(base + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		t.Fatalf("%s %s: %v %s %s", path, q.Get("query"), err, r.Error, body)
	}
	if err := json.Unmarshal(r.Data, data); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
