package faults

// Fuzz targets (issue 12): the plan parser, the script parser and runner,
// and the report writers. The oracle: nothing panics, and every error about
// an input names its position. .ci/run runs each for a few seconds; a
// crasher found goes to testdata/fuzz/<target>/ and stays as a regression.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lab/invoker"
)

// repoFiles reads the files of the repository that match pattern (relative
// to this package), for seed corpora.
func repoFiles(f *testing.F, pattern string) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed files match %s (%v)", pattern, err)
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// storyScripts turns the datadriven stories into scripts: the command line
// before each "----".
func storyScripts(f *testing.F) [][]byte {
	var out [][]byte
	for _, story := range append(repoFiles(f, "testdata/*.txt"), repoFiles(f, "../invoker/testdata/*.txt")...) {
		var script bytes.Buffer
		lines := strings.Split(string(story), "\n")
		for i := 0; i+1 < len(lines); i++ {
			if lines[i+1] == "----" {
				script.WriteString(lines[i] + "\n")
			}
		}
		out = append(out, script.Bytes())
	}
	return out
}

func FuzzParsePlan(f *testing.F) {
	for _, name := range BuiltinPlans() {
		src, _ := BuiltinPlanSource(name)
		f.Add(src)
	}
	f.Add([]byte(`{"name": "x", "rules": [{"kinds": ["effect"], "action": "duplicate", "delay": "5ms"}]}`))
	f.Add([]byte("name: x\nrules:\n  - kinds: [ack]\n    action: delay\n    delay: 0s..24h\n    window: {from: 1ms, to: 2s}\n"))
	f.Add([]byte("name: x\nrules:\n  - kinds: ack\n    action: reorder\n    overtakes: 1..3\n    probability: 0.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(data)()
		p, err := ParsePlan("f.yaml", data)
		if err != nil {
			var pe *PlanError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Column < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		// A plan that parses can be used: every rule judges every kind of
		// message without panicking, and delays stay within bounds.
		for _, r := range p.Rules {
			_ = r.String()
		}
		in := newInjector(p, 1, func(int, invoker.PartitionID) bool { return true })
		for _, k := range invoker.MsgKinds() {
			for _, at := range []time.Duration{0, time.Millisecond, time.Hour} {
				v, hit := in.judge(invoker.Envelope{Kind: k, PLE: invoker.PLE{Partition: 0, Epoch: 1}, Inv: "i001"}, at)
				if hit && (v.Delay < 0 || v.Delay > MaxDelay || v.Overtakes < 0) {
					t.Fatalf("rule %d gave %+v", v.Rule, v)
				}
			}
		}
	})
}

func FuzzScript(f *testing.F) {
	for _, src := range repoFiles(f, "../examples/*.script") {
		f.Add(src)
	}
	for _, src := range storyScripts(f) {
		f.Add(src)
	}
	spill := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		defer watchdog(src)()
		cmds, err := ParseScript("f.script", src)
		if err != nil {
			var se *ScriptError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		r := NewScriptRunner()
		r.SpillDir = spill
		defer func() {
			if err := r.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
		}()
		// A long script is cut short, not failed: the oracle is panics
		// and positions.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, c := range cmds {
			_, err := r.ExecContext(ctx, c)
			if errors.Is(err, context.DeadlineExceeded) {
				return
			}
			if err != nil {
				var se *ScriptError
				if !errors.As(err, &se) || se.Line != c.Line {
					t.Fatalf("line %d: error without its line: %v", c.Line, err)
				}
				break
			}
		}
		checkReports(t, r.Result())
	})
}

// FuzzReport runs small simulations of any shape and checks the report
// writers on their results.
func FuzzReport(f *testing.F) {
	for i := range BuiltinPlans() {
		for v := range uint8(len(invoker.Variants())) {
			f.Add(uint64(i+1), v, uint8(i), uint8(4), uint8(16), uint8(1), uint8(1), false)
		}
	}
	plans := BuiltinPlans()
	f.Fuzz(func(t *testing.T, seed uint64, variant, plan, partitions, invocations, stepDowns, quota uint8, shared bool) {
		o := Options{Seed: seed, Node: invoker.DefaultConfig(), Workload: DefaultWorkload(), Command: "lab run 'x'"}
		o.Node.Variant = invoker.Variant(int(variant) % len(invoker.Variants()))
		o.Node.Partitions, o.Node.Quota = 1+int(partitions%8), 1+int(quota%8)
		o.Node.SharedInvoker = shared && !o.Node.Variant.PerTerm()
		o.Node.Store = invoker.MemStores()
		o.Workload.Invocations, o.Workload.StepDowns = int(invocations%64), int(stepDowns%4)
		var err error
		if o.Plan, err = LoadPlan(plans[int(plan)%len(plans)]); err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		checkReports(t, res)
	})
}

// watchdog crashes the process if one input takes more than 10 seconds:
// a hang is a defect too, and a crash makes the fuzzer save the input.
func watchdog(input []byte) (stop func()) {
	timer := time.AfterFunc(10*time.Second, func() {
		panic(fmt.Sprintf("one input took more than 10s: %q", input))
	})
	return func() { timer.Stop() }
}

// checkReports: the JSON report is one valid JSON document that says what
// the result says, and the text report names the hash.
func checkReports(t *testing.T, res *Result) {
	t.Helper()
	var js bytes.Buffer
	if err := WriteJSON(&js, res); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		OK         bool              `json:"ok"`
		Hash       string            `json:"sha256"`
		Violations []json.RawMessage `json:"violations"`
	}
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, js.Bytes())
	}
	if rep.OK != res.OK() || rep.Hash != res.Hash || len(rep.Violations) != len(res.Violations) {
		t.Fatalf("JSON report says ok=%v hash=%s %d violations; the result %v %s %d",
			rep.OK, rep.Hash, len(rep.Violations), res.OK(), res.Hash, len(res.Violations))
	}
	var text bytes.Buffer
	if err := WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "sha256:"+res.Hash+"\n") {
		t.Fatalf("text report without the hash:\n%s", text.String())
	}
}
